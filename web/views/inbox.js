// An inbox view: the tickets matching its filters, sortable, with bulk changes,
// keyboard movement (j/k, Enter, x) and live reloads.
import { customer, get, patch, post } from '../api.js';
import { useCounts, viewCount } from '../counts.js';
import { html, useEffect, useRef, useState } from '../lib.js';
import { t } from '../i18n.js';
import { isComposing, useKeys } from '../keys.js';
import { useLive } from '../live.js';
import { href, navigate } from '../router.js';
import { CHANNELS, STATUSES, UNSOLVED, lastList, useApp, userName } from '../state.js';
import { ErrorText, Priority, Status, Time } from './common.js';
import { inboxView } from './nav.js';

const SORTS = ['-updated_at', 'updated_at', '-created_at', 'created_at'];
const FILTERS = ['status', 'assignee', 'channel', 'tag'];
const PAGE = 50;

function filtersFrom(params) {
	const f = {};
	for (const k of FILTERS) if (params.get(k)) f[k] = params.get(k);
	return f;
}

function useCustomerNames(tickets) {
	const [names, setNames] = useState({});
	useEffect(() => {
		let alive = true;
		for (const id of new Set(tickets.map((tk) => tk.customer_id)))
			customer(id).then((c) => alive && setNames((n) => (n[id] === c.name ? n : { ...n, [id]: c.name })), () => {});
		return () => (alive = false);
	}, [tickets]);
	return names;
}

function useTickets(filters, sort) {
	const [list, setList] = useState({ tickets: [], next: null, loading: true, error: null });
	const size = useRef(PAGE);
	const timer = useRef();
	const key = JSON.stringify(filters) + sort;
	const load = async (cursor = null) => {
		try {
			const limit = cursor ? PAGE : Math.min(100, Math.max(PAGE, size.current));
			const r = await get('/tickets', { ...filters, sort, limit, cursor });
			setList((old) => {
				const tickets = cursor ? [...old.tickets, ...r.tickets] : r.tickets;
				size.current = tickets.length;
				lastList.ids = tickets.map((tk) => tk.id);
				return { tickets, next: r.next_cursor, loading: false, error: null };
			});
		} catch (error) {
			setList((old) => ({ ...old, loading: false, error }));
		}
	};
	useEffect(() => {
		size.current = PAGE;
		setList({ tickets: [], next: null, loading: true, error: null });
		load();
		return () => clearTimeout(timer.current);
	}, [key]);
	useLive((type) => {
		if (type === 'presence') return;
		clearTimeout(timer.current);
		timer.current = setTimeout(() => load(), 150);
	});
	return { ...list, reload: () => load(), more: () => load(list.next) };
}

function FilterBar({ filters, sort, app }) {
	// what is typed stays through re-renders; a filter set elsewhere (a link,
	// while the field is not in use) replaces it
	const tagField = useRef();
	useEffect(() => {
		const field = tagField.current;
		if (field && document.activeElement !== field && field.value.trim() !== (filters.tag || '')) field.value = filters.tag || '';
	}, [filters.tag]);
	const set = (name, value) => {
		const f = { ...filters, [name]: value };
		for (const k of FILTERS) if (!f[k]) delete f[k];
		navigate(href('inbox/custom', { ...f, sort }));
	};
	const opt = (value, label) => html`<option value=${value}>${label}</option>`;
	return html`<form class="filters" aria-label=${t('filter.label')} onSubmit=${(e) => e.preventDefault()}>
		<span class="field-inline"><label for="f-status">${t('field.status')}</label>
			<select id="f-status" value=${filters.status || ''} onChange=${(e) => set('status', e.target.value)}>
				${opt('', t('filter.any'))}${opt(UNSOLVED.join(','), t('filter.unsolved'))}${opt('new,open', t('view.open'))}
				${STATUSES.map((s) => opt(s, t('status.' + s)))}
			</select></span>
		<span class="field-inline"><label for="f-assignee">${t('field.assignee')}</label>
			<select id="f-assignee" value=${String(filters.assignee ?? '')} onChange=${(e) => set('assignee', e.target.value)}>
				${opt('', t('filter.any'))}${opt('none', t('filter.unassigned'))}
				${opt('me', t('filter.me', { name: app.me.name }))}
				${app.users.filter((u) => u.id !== app.me.id).map((u) => opt(String(u.id), u.name))}
			</select></span>
		<span class="field-inline"><label for="f-channel">${t('field.channel')}</label>
			<select id="f-channel" value=${filters.channel || ''} onChange=${(e) => set('channel', e.target.value)}>
				${opt('', t('filter.any'))}${CHANNELS.map((c) => opt(c, t('channel.' + c)))}
			</select></span>
		<span class="field-inline"><label for="f-tag">${t('field.tag')}</label>
			<input id="f-tag" size="10" ref=${tagField} defaultValue=${filters.tag || ''}
				onKeyDown=${(e) => e.key === 'Enter' && (e.preventDefault(), isComposing(e) || set('tag', e.target.value.trim()))}
				onChange=${(e) => set('tag', e.target.value.trim())} /></span>
	</form>`;
}

function SaveView({ filters, app }) {
	const [name, setName] = useState('');
	const save = async (e) => {
		e.preventDefault();
		if (!name.trim()) return;
		try {
			const r = await post('/views', { name: name.trim(), filters });
			await app.reloadViews();
			navigate('#/inbox/saved-' + (r.view?.id ?? ''));
		} catch (err) {
			app.toast(t('error.generic', { message: err.message }));
		}
	};
	return html`<form class="save-view" onSubmit=${save}>
		<label for="view-name">${t('views.name')}</label>
		<input id="view-name" value=${name} onInput=${(e) => setName(e.target.value)} required
			onKeyDown=${(e) => e.key === 'Enter' && isComposing(e) && e.preventDefault()} />
		<button>${t('views.save')}</button>
	</form>`;
}

function BulkBar({ ids, tickets, app, done }) {
	const [tag, setTag] = useState('');
	const [busy, setBusy] = useState(false);
	const apply = async (changes) => {
		setBusy(true);
		let ok = 0;
		for (const tk of tickets.filter((x) => ids.has(x.id))) {
			const body = typeof changes === 'function' ? changes(tk) : changes;
			await patch('/tickets/' + tk.id, body).then(() => ok++, (e) => app.toast(t('bulk.failed', { number: tk.number, message: e.message })));
		}
		app.toast(t('bulk.done', { n: ok }));
		setBusy(false);
		done();
	};
	const addTag = (e) => {
		e.preventDefault();
		const g = tag.trim().toLowerCase();
		if (!g) return;
		setTag('');
		apply((tk) => ({ tags: [...new Set([...tk.tags, g])] }));
	};
	const onSelect = (fn) => (e) => {
		const v = e.target.value;
		e.target.value = '';
		if (v) apply(fn(v));
	};
	return html`<div class="bulk" role="region" aria-label=${t('bulk.label')}>
		<strong>${t('bulk.selected', { n: ids.size })}</strong>
		<label for="bulk-assign" class="sr-only">${t('bulk.assign')}</label>
		<select id="bulk-assign" disabled=${busy} onChange=${onSelect((v) => ({ assignee_id: v === 'none' ? null : Number(v) }))}>
			<option value="">${t('bulk.assign')}</option>
			<option value="none">${t('filter.unassigned')}</option>
			${app.users.filter((u) => u.active).map((u) => html`<option value=${u.id}>${u.name}</option>`)}
		</select>
		<label for="bulk-status" class="sr-only">${t('bulk.status')}</label>
		<select id="bulk-status" disabled=${busy} onChange=${onSelect((v) => ({ status: v }))}>
			<option value="">${t('bulk.status')}</option>
			${STATUSES.map((s) => html`<option value=${s}>${t('status.' + s)}</option>`)}
		</select>
		<form onSubmit=${addTag} class="inline">
			<label for="bulk-tag" class="sr-only">${t('bulk.tag')}</label>
			<input id="bulk-tag" size="10" placeholder=${t('bulk.tag')} value=${tag} disabled=${busy}
				onInput=${(e) => setTag(e.target.value)} onKeyDown=${(e) => e.key === 'Enter' && isComposing(e) && e.preventDefault()} />
			<button disabled=${busy}>${t('bulk.add_tag')}</button>
		</form>
		<button type="button" onClick=${done}>${t('bulk.clear')}</button>
	</div>`;
}

function Row({ tk, i, cursor, setCursor, checked, toggle, customerName, app }) {
	return html`<tr class=${i === cursor ? 'cursor' : ''} aria-current=${i === cursor ? 'true' : undefined}>
		<td><input type="checkbox" checked=${checked} onChange=${() => toggle(tk.id)}
			aria-label=${t('inbox.select', { number: tk.number })} /></td>
		<td class="subject"><a id=${'t-' + tk.id} href=${'#/tickets/' + tk.id} onFocus=${() => setCursor(i)}>
			<span class="num">#${tk.number}</span> ${tk.subject}</a>
			${tk.tags.length > 0 && html`<span class="tags">${tk.tags.map((g) => html`<span class="tag">${g}</span>`)}</span>`}</td>
		<td>${customerName ?? ''}</td>
		<td><${Status} status=${tk.status} /></td>
		<td><${Priority} priority=${tk.priority} /></td>
		<td>${tk.assignee_id === null ? html`<span class="muted">${t('filter.unassigned')}</span>` : userName(app, tk.assignee_id)}</td>
		<td><${Time} iso=${tk.updated_at} /></td>
	</tr>`;
}

// The view's count when the server can tell it; else what the list holds,
// or how much of it is shown while more pages wait.
function countText(count, list) {
	if (count !== null) return t('inbox.count', { n: count });
	return list.next ? t('inbox.shown', { n: list.tickets.length }) : t('inbox.count', { n: list.tickets.length });
}

export function Inbox({ viewKey, params }) {
	const app = useApp();
	const custom = viewKey === 'custom';
	const view = custom ? { title: t('view.custom'), filters: filtersFrom(params) } : inboxView(viewKey, app);
	const sort = [params.get('sort'), view?.filters.sort].find((s) => SORTS.includes(s)) || SORTS[0];
	const list = useTickets(view?.filters || {}, sort);
	const counts = useCounts();
	const count = custom ? null : viewCount(counts, viewKey, view?.filters);
	const names = useCustomerNames(list.tickets);
	const [selected, setSelected] = useState(new Set());
	const [cursor, setCursor] = useState(0);

	useEffect(() => {
		if (view) document.title = `${view.title} · deskd`;
	});
	useEffect(() => {
		setSelected(new Set());
		setCursor(0);
	}, [JSON.stringify(view?.filters), sort]);
	const tickets = list.tickets;
	const move = (d) => {
		if (!tickets.length) return;
		const i = Math.max(0, Math.min(tickets.length - 1, cursor + d));
		setCursor(i);
		document.getElementById('t-' + tickets[i].id)?.focus();
	};
	const toggle = (id) => setSelected((s) => {
		const n = new Set(s);
		n.has(id) ? n.delete(id) : n.add(id);
		return n;
	});
	useKeys({
		j: () => move(1),
		k: () => move(-1),
		Enter: () => tickets[cursor] && navigate('#/tickets/' + tickets[cursor].id),
		x: () => tickets[cursor] && toggle(tickets[cursor].id),
	});

	if (!view) return html`<h1>${t('error.not_found')}</h1>`;
	const allChecked = tickets.length > 0 && tickets.every((tk) => selected.has(tk.id));
	const setSort = (e) => navigate(href('inbox/' + viewKey, { ...Object.fromEntries(params), sort: e.target.value }));
	return html`<section class="inbox" aria-labelledby="inbox-title">
		<div class="page-head">
			<h1 id="inbox-title">${view.title}</h1>
			<span class="muted">${list.loading ? t('state.loading') : countText(count, list)}</span>
			<span class="field-inline push"><label for="sort">${t('inbox.sort')}</label>
				<select id="sort" value=${sort} onChange=${setSort}>
					${SORTS.map((s) => html`<option value=${s}>${t('sort.' + s)}</option>`)}
				</select></span>
		</div>
		<${FilterBar} filters=${view.filters} sort=${sort} app=${app} />
		${custom && html`<${SaveView} filters=${{ ...view.filters, sort }} app=${app} />`}
		${selected.size > 0 && html`<${BulkBar} ids=${selected} tickets=${tickets} app=${app}
			done=${() => (setSelected(new Set()), list.reload())} />`}
		<${ErrorText} error=${list.error} />
		${!list.loading && tickets.length === 0 ? html`<p class="empty">${t('inbox.empty')}</p>` : html`
		<table class="tickets">
			<caption class="sr-only">${view.title}</caption>
			<thead><tr>
				<th scope="col"><input type="checkbox" checked=${allChecked} aria-label=${t('inbox.select_all')}
					onChange=${() => setSelected(allChecked ? new Set() : new Set(tickets.map((tk) => tk.id)))} /></th>
				<th scope="col">${t('field.subject')}</th><th scope="col">${t('field.customer')}</th>
				<th scope="col">${t('field.status')}</th><th scope="col">${t('field.priority')}</th>
				<th scope="col">${t('field.assignee')}</th><th scope="col">${t('field.updated')}</th>
			</tr></thead>
			<tbody>${tickets.map((tk, i) => html`<${Row} key=${tk.id} tk=${tk} i=${i} cursor=${cursor} setCursor=${setCursor}
				checked=${selected.has(tk.id)} toggle=${toggle} customerName=${names[tk.customer_id]} app=${app} />`)}</tbody>
		</table>`}
		${list.next && html`<button type="button" class="more" onClick=${list.more}>${t('inbox.more')}</button>`}
		<p class="hint">${t('inbox.keys_hint')}</p>
	</section>`;
}
