// The list of inbox views on the left, with counts that follow live events.
import { del } from '../api.js';
import { topTags, useCounts, viewCount } from '../counts.js';
import { html } from '../lib.js';
import { formatNumber, t } from '../i18n.js';
import { CHANNELS, UNSOLVED, useApp } from '../state.js';

const unsolved = UNSOLVED.join(',');

/** The inbox view named by key ('mine', 'channel-email', 'tag-wismo', 'saved-3'): {title, filters}. */
export function inboxView(key, app) {
	const [kind, ...rest] = key.split('-');
	const arg = rest.join('-');
	switch (kind) {
		case 'mine':
			return { title: t('view.mine'), filters: { status: unsolved, assignee: 'me' } };
		case 'unassigned':
			return { title: t('view.unassigned'), filters: { status: unsolved, assignee: 'none' } };
		case 'open':
			return { title: t('view.open'), filters: { status: 'new,open' } };
		case 'pending':
			return { title: t('view.pending'), filters: { status: 'pending' } };
		case 'solved':
			return { title: t('view.solved'), filters: { status: 'solved' } };
		case 'channel':
			return { title: t('view.channel', { channel: t('channel.' + arg) }), short: t('channel.' + arg), filters: { status: unsolved, channel: arg } };
		case 'tag':
			return { title: t('view.tag', { tag: arg }), short: arg, filters: { status: unsolved, tag: arg } };
		case 'saved': {
			const v = app.views.find((x) => String(x.id) === arg);
			return v ? { title: v.name, filters: v.filters, saved: v } : null;
		}
	}
	return null;
}

const BUILTIN = ['mine', 'unassigned', 'open', 'pending', 'solved'];
const TAGS_SHOWN = 8;

function Count({ n }) {
	if (n === null || n === undefined) return null;
	return html`<span class="count">${formatNumber(n)}</span>`;
}

function Link({ viewKey, label, current, n }) {
	return html`<li><a href=${'#/inbox/' + encodeURIComponent(viewKey)} aria-current=${current === viewKey ? 'page' : undefined}>
		<span>${label}</span><${Count} n=${n} /></a></li>`;
}

export function Nav({ route }) {
	const app = useApp();
	const counts = useCounts([app.views, app.me]);
	const tags = topTags(counts, TAGS_SHOWN);
	const current = route.parts[0] === 'inbox' || !route.parts.length ? route.parts[1] || 'mine' : route.parts.join('/');
	const removeView = async (v) => {
		if (!confirm(t('views.confirm_delete', { name: v.name }))) return;
		await del('/views/' + v.id).catch((e) => app.toast(t('error.generic', { message: e.message })));
		app.reloadViews();
	};
	const link = (key) => {
		const v = inboxView(key, app);
		return html`<${Link} key=${key} viewKey=${key} label=${v.short || v.title} current=${current}
			n=${viewCount(counts, key, v.filters)} />`;
	};
	return html`<nav class="side-nav" aria-label=${t('nav.label')}>
		<h2>${t('nav.views')}</h2>
		<ul>${BUILTIN.map(link)}</ul>
		<h2>${t('nav.channels')}</h2>
		<ul>${CHANNELS.map((c) => link('channel-' + c))}</ul>
		${tags.length > 0 && html`<h2>${t('nav.tags')}</h2><ul>${tags.map((g) => link('tag-' + g))}</ul>`}
		<h2>${t('nav.saved')}</h2>
		${app.views.length === 0 && html`<p class="hint">${t('nav.saved_none')}</p>`}
		<ul>${app.views.map((v) => html`<li key=${v.id} class="saved">
			<a href=${'#/inbox/saved-' + v.id} aria-current=${current === 'saved-' + v.id ? 'page' : undefined}>
				<span>${v.name}</span><${Count} n=${viewCount(counts, 'saved-' + v.id, v.filters)} /></a>
			<button type="button" class="icon" onClick=${() => removeView(v)} aria-label=${t('views.delete', { name: v.name })}>×</button>
		</li>`)}</ul>
		${app.me.role === 'admin' && html`<h2>${t('nav.admin')}</h2>
			<ul>${['agents', 'tokens', 'webhooks', 'macros', 'mailboxes'].map((s) => html`<li key=${s}>
				<a href=${'#/admin/' + s} aria-current=${current === 'admin/' + s ? 'page' : undefined}>${t('admin.' + s)}</a></li>`)}</ul>`}
	</nav>`;
}
