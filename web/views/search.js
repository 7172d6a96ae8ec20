// Search results for the words in the header's search box (GET /api/v1/search).
import { get } from '../api.js';
import { html, useEffect } from '../lib.js';
import { t } from '../i18n.js';
import { ErrorText, Snippet, useAsync } from './common.js';

function target(r) {
	if (r.type === 'customer') return '#/customers/' + r.id;
	return '#/tickets/' + (r.ticket_id ?? r.id);
}

export function SearchPage({ q }) {
	const res = useAsync(() => (q.trim() ? get('/search', { q, limit: 50 }).then((r) => r.results) : []), [q]);
	useEffect(() => {
		document.title = `${t('search.title', { q })} · deskd`;
	}, [q]);
	const results = res.data || [];
	return html`<section class="search-page" aria-labelledby="search-title">
		<h1 id="search-title">${t('search.title', { q })}</h1>
		<${ErrorText} error=${res.error} />
		<p class="muted" role="status">${res.loading ? t('state.loading') : t('search.count', { n: results.length })}</p>
		<ol class="results">${results.map((r) => html`<li key=${r.type + r.id}>
			<span class="badge">${t('search.type.' + r.type)}</span>
			<a href=${target(r)}>${r.title}</a>
			<p><${Snippet} html=${r.snippet} /></p>
		</li>`)}</ol>
	</section>`;
}
