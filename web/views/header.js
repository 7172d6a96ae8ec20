// The bar on top: search as you type, live status, language, the user.
import { html, useEffect, useRef, useState } from '../lib.js';
import { LANGUAGES, t } from '../i18n.js';
import { isComposing } from '../keys.js';
import { useLiveStatus } from '../live.js';
import { href, navigate } from '../router.js';
import { useApp } from '../state.js';

function SearchBox({ route }) {
	const onSearch = route.parts[0] === 'search';
	const [q, setQ] = useState(onSearch ? route.params.get('q') || '' : '');
	const timer = useRef();
	useEffect(() => {
		if (!onSearch) setQ('');
	}, [onSearch]);

	const go = (value, replace) => {
		clearTimeout(timer.current);
		if (value.trim()) navigate(href('search', { q: value.trim() }), { replace: replace && onSearch });
	};
	const onInput = (e) => {
		setQ(e.target.value);
		// Mid-composition text (Korean, Japanese) is not a query yet.
		if (e.isComposing) return;
		clearTimeout(timer.current);
		timer.current = setTimeout(() => go(e.target.value, true), 250);
	};
	const onKeyDown = (e) => {
		if (e.key === 'Enter' && isComposing(e)) e.preventDefault();
		if (e.key === 'Escape') e.target.blur();
	};
	return html`<form class="search" role="search" onSubmit=${(e) => (e.preventDefault(), go(q, false))}>
		<label for="search-q" class="sr-only">${t('search.label')}</label>
		<input id="search-q" type="search" value=${q} placeholder=${t('search.placeholder')}
			autocomplete="off" onInput=${onInput} onKeyDown=${onKeyDown}
			onCompositionEnd=${(e) => { timer.current = setTimeout(() => go(e.target.value, true), 250); }} />
	</form>`;
}

export function LanguagePicker({ id = 'lang', lang, onChange }) {
	return html`<span class="field-inline">
		<label for=${id}>${t('settings.language')}</label>
		<select id=${id} value=${lang} onChange=${(e) => onChange(e.target.value)}>
			${Object.entries(LANGUAGES).map(([code, name]) => html`<option value=${code} lang=${code}>${name}</option>`)}
		</select>
	</span>`;
}

export function Header({ route, onHelp }) {
	const app = useApp();
	const live = useLiveStatus();
	return html`<header class="top">
		<a class="brand" href="#/inbox/mine">deskd</a>
		<${SearchBox} route=${route} />
		<span class=${'live ' + (live ? 'on' : 'off')} title=${t(live ? 'live.on' : 'live.off')}>
			<span class="sr-only">${t(live ? 'live.on' : 'live.off')}</span>
		</span>
		<${LanguagePicker} lang=${app.lang} onChange=${app.changeLanguage} />
		<button type="button" class="link" onClick=${onHelp} aria-keyshortcuts="?">${t('help.open')}</button>
		<a href="#/settings">${t('nav.settings')}</a>
		<span class="me">${app.me.name}</span>
		<button type="button" onClick=${app.logout}>${t('action.logout')}</button>
	</header>`;
}
