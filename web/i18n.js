// Message catalogues (web/i18n/<lang>.js) and every date, number and relative
// time through Intl. The language and time zone are kept in localStorage.

export const LANGUAGES = { en: 'English', ko: '한국어', ja: '日本語', tr: 'Türkçe' };

let lang = 'en';
let catalogue = {};
let zone = localZone();
let plural, dateFmt, shortFmt, numberFmt, relFmt, byteFmts;

function localZone() {
	return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function stored(key) {
	try {
		return localStorage.getItem(key);
	} catch {
		return null;
	}
}

function store(key, value) {
	try {
		localStorage.setItem(key, value);
	} catch {
		/* private mode: the choice lasts for this page only */
	}
}

/** The saved language, else the first of the browser's languages we have, else English. */
export function preferredLanguage() {
	const saved = stored('deskd.lang');
	if (saved in LANGUAGES) return saved;
	for (const l of navigator.languages || [navigator.language]) {
		const base = String(l).toLowerCase().split('-')[0];
		if (base in LANGUAGES) return base;
	}
	return 'en';
}

const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte'];

function formatters() {
	plural = new Intl.PluralRules(lang);
	numberFmt = new Intl.NumberFormat(lang);
	relFmt = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
	byteFmts = BYTE_UNITS.map((unit) => new Intl.NumberFormat(lang, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 }));
	dateFmt = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone });
	shortFmt = new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric', timeZone: zone });
}

export async function setLanguage(l, remember = true) {
	if (!(l in LANGUAGES)) l = 'en';
	catalogue = (await import(`./i18n/${l}.js`)).default;
	lang = l;
	document.documentElement.lang = l;
	if (remember) store('deskd.lang', l);
	formatters();
}

export function language() {
	return lang;
}

export function timeZone() {
	return zone;
}

export function setTimeZone(tz) {
	try {
		new Intl.DateTimeFormat('en', { timeZone: tz });
	} catch {
		tz = localZone();
	}
	zone = tz;
	store('deskd.tz', tz);
	formatters();
}

export function timeZones() {
	const all = Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : [];
	return all.includes(zone) ? all : [zone, ...all];
}

/**
 * The catalogue's text for key, with {name} replaced from params. A value may
 * be {one, other, ...}: the plural form is chosen by the count params.n, which
 * is also the one parameter formatted as a number (ids such as {number} are not).
 */
export function t(key, params = {}) {
	let s = catalogue[key];
	if (s === undefined) return key;
	if (typeof s === 'object') s = s[plural.select(params.n ?? 0)] ?? s.other;
	return s.replace(/\{(\w+)\}/g, (m, name) => {
		const v = params[name];
		if (v === undefined || v === null) return m;
		return name === 'n' ? numberFmt.format(v) : String(v);
	});
}

export function formatNumber(n) {
	return numberFmt.format(n);
}

/** A file size for people: "812 byte", "1.5 kB", "24 MB" in the UI language (SI units). */
export function formatBytes(n) {
	let i = 0;
	for (; i < BYTE_UNITS.length - 1 && n >= 1000; i++) n /= 1000;
	return byteFmts[i].format(n);
}

// ISO 4217 minor units as deskd reads money (docs/API.md, "Money"); every other code has two.
const DECIMALS = {
	BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0,
	UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
	BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3, CLF: 4, UYW: 4,
};

/**
 * An amount in minor units (cents, yen) as the UI language writes money:
 * 1250 EUR is "€12.50" in English, "12,50 €" in Turkish. The amount goes to
 * Intl as a decimal string, so no binary fraction rounds it.
 */
export function formatMoney(minor, currency) {
	const d = DECIMALS[currency] ?? 2;
	const digits = String(Math.abs(minor)).padStart(d + 1, '0');
	const decimal = (minor < 0 ? '-' : '') + (d ? digits.slice(0, -d) + '.' + digits.slice(-d) : digits);
	try {
		return new Intl.NumberFormat(lang, { style: 'currency', currency, minimumFractionDigits: d, maximumFractionDigits: d }).format(decimal);
	} catch {
		return `${decimal} ${currency}`;
	}
}

export function formatDate(iso) {
	return iso ? dateFmt.format(new Date(iso)) : '';
}

export function formatShortDate(iso) {
	return iso ? shortFmt.format(new Date(iso)) : '';
}

const UNITS = [
	['year', 365 * 86400],
	['month', 30 * 86400],
	['week', 7 * 86400],
	['day', 86400],
	['hour', 3600],
	['minute', 60],
	['second', 1],
];

export function formatRelative(iso, now = Date.now()) {
	if (!iso) return '';
	const secs = (new Date(iso).getTime() - now) / 1000;
	if (Math.abs(secs) < 45) return relFmt.format(0, 'second');
	for (const [unit, size] of UNITS)
		if (Math.abs(secs) >= size) return relFmt.format(Math.round(secs / size), unit);
	return relFmt.format(0, 'second');
}

setTimeZone(stored('deskd.tz') || localZone());
