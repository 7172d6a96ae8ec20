// Small pieces shared by the views.
import { html, useEffect, useRef, useState } from '../lib.js';
import { formatDate, formatRelative, t } from '../i18n.js';

// One clock for every relative time on the page.
const ticking = new Set();
setInterval(() => ticking.forEach((fn) => fn(Date.now())), 30000);

export function Time({ iso }) {
	const [now, setNow] = useState(Date.now());
	useEffect(() => {
		ticking.add(setNow);
		return () => ticking.delete(setNow);
	}, []);
	if (!iso) return null;
	return html`<time datetime=${iso} title=${formatDate(iso)}>${formatRelative(iso, now)}</time>`;
}

export function Status({ status }) {
	return html`<span class="badge status-${status}">${t('status.' + status)}</span>`;
}

export function Priority({ priority }) {
	if (priority === 'normal') return null;
	return html`<span class="badge prio-${priority}">${t('priority.' + priority)}</span>`;
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s) {
	return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e) => {
		if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? m;
		const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
		return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
	});
}

/**
 * A search snippet: server-escaped text with <mark> around matches. Only
 * <mark> becomes an element; any other markup stays visible text.
 */
export function Snippet({ html: source }) {
	const parts = String(source || '').split(/(<mark>|<\/mark>)/);
	const out = [];
	let marked = false;
	for (const p of parts) {
		if (p === '<mark>') marked = true;
		else if (p === '</mark>') marked = false;
		else if (p) out.push(marked ? html`<mark>${decode(p)}</mark>` : decode(p));
	}
	return html`<span class="snippet">${out}</span>`;
}

export function ErrorText({ error }) {
	if (!error) return null;
	return html`<p class="error" role="alert">${t('error.generic', { message: error.message || String(error) })}</p>`;
}

/** A modal dialog (native <dialog>: focus stays inside, Escape closes). */
export function Dialog({ open, onClose, title, children, id, closeLabel }) {
	const ref = useRef();
	useEffect(() => {
		const d = ref.current;
		if (open && !d.open) d.showModal();
		if (!open && d.open) d.close();
	}, [open]);
	return html`<dialog ref=${ref} id=${id} aria-labelledby=${id + '-title'} onClose=${onClose}>
		<h2 id=${id + '-title'}>${title}</h2>
		${open && children}
		<form method="dialog" class="dialog-close"><button>${closeLabel || t('action.close')}</button></form>
	</dialog>`;
}

/** useAsync(fn, deps) -> {data, error, loading, reload}: one request's result. */
export function useAsync(fn, deps) {
	const [state, setState] = useState({ data: null, error: null, loading: true });
	const seq = useRef(0);
	const run = () => {
		const n = ++seq.current;
		setState((s) => ({ ...s, loading: true }));
		return Promise.resolve()
			.then(fn)
			.then(
				(data) => n === seq.current && setState({ data, error: null, loading: false }),
				(error) => n === seq.current && setState((s) => ({ ...s, error, loading: false })),
			);
	};
	useEffect(() => {
		setState({ data: null, error: null, loading: true });
		run();
	}, deps);
	return { ...state, reload: run };
}
