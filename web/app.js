// The agent web app: boots the session, lays out the page, routes, and owns
// what every view shares (the user, agents, saved views, toasts, shortcuts).
import { get, onUnauthorized, post, setCsrf } from './api.js';
import { html, render, useCallback, useEffect, useMemo, useState } from './lib.js';
import { language, preferredLanguage, setLanguage, t } from './i18n.js';
import { connectLive, disconnectLive, useLive } from './live.js';
import { useKeys } from './keys.js';
import { navigate, useRoute } from './router.js';
import { AppContext } from './state.js';
import { Header } from './views/header.js';
import { Nav } from './views/nav.js';
import { Login } from './views/login.js';
import { Inbox } from './views/inbox.js';
import { TicketPage } from './views/ticket.js';
import { CustomerPage } from './views/customer.js';
import { SearchPage } from './views/search.js';
import { AdminPage } from './views/admin.js';
import { SettingsPage } from './views/settings.js';
import { Help } from './views/help.js';

function Page({ route, app }) {
	const [section, arg] = route.parts;
	switch (section) {
		case undefined:
		case 'inbox':
			return html`<${Inbox} key=${arg} viewKey=${arg || 'mine'} params=${route.params} />`;
		case 'tickets':
			return html`<${TicketPage} key=${arg} id=${Number(arg)} />`;
		case 'customers':
			return html`<${CustomerPage} key=${arg} id=${Number(arg)} />`;
		case 'search':
			return html`<${SearchPage} q=${route.params.get('q') || ''} />`;
		case 'admin':
			if (app.me.role === 'admin') return html`<${AdminPage} section=${arg || 'agents'} />`;
			break;
		case 'settings':
			return html`<${SettingsPage} />`;
	}
	return html`<h1>${t('error.not_found')}</h1>`;
}

function Toasts({ toasts }) {
	return html`<div class="toasts" role="status" aria-live="polite">
		${toasts.map((m) => html`<p class="toast" key=${m.id}>${m.text}</p>`)}
	</div>`;
}

function Workspace({ me, setMe, lang, changeLanguage }) {
	const route = useRoute();
	const [users, setUsers] = useState([me]);
	const [views, setViews] = useState([]);
	const [toasts, setToasts] = useState([]);
	const [help, setHelp] = useState(false);

	const toast = useCallback((text) => {
		const id = Math.random();
		setToasts((list) => [...list.slice(-3), { id, text }]);
		setTimeout(() => setToasts((list) => list.filter((m) => m.id !== id)), 6000);
	}, []);
	// Admins get the full user records; agents the directory (names, no emails).
	const reloadUsers = useCallback(
		() =>
			get(me.role === 'admin' ? '/users' : '/agents').then(
				(r) => setUsers(r.users || r.agents),
				() => setUsers([me]),
			),
		[me],
	);
	const reloadViews = useCallback(
		() => get('/views').then((r) => setViews(r.views), () => setViews([])),
		[],
	);
	useEffect(() => {
		reloadUsers();
		reloadViews();
		connectLive();
		return disconnectLive;
	}, []);

	useLive(async (type, data) => {
		if (data.actor_id === me.id || (type !== 'ticket.created' && type !== 'message.created')) return;
		const ticket = await get('/tickets/' + data.ticket_id).then((r) => r.ticket, () => null);
		if (!ticket || (type === 'message.created' && ticket.assignee_id !== me.id)) return;
		const key = type === 'ticket.created' ? 'toast.new_ticket' : 'toast.new_message';
		toast(t(key, { number: ticket.number, subject: ticket.subject }));
	});

	useKeys({
		'/': () => document.getElementById('search-q')?.focus(),
		'?': () => setHelp(true),
	});

	const logout = async () => {
		await post('/auth/logout').catch(() => {});
		setCsrf(null);
		setMe(null);
		navigate('#/inbox/mine');
	};

	const app = useMemo(
		() => ({ me, users, views, lang, toast, reloadUsers, reloadViews, changeLanguage, logout }),
		[me, users, views, lang],
	);
	return html`<${AppContext.Provider} value=${app}>
		<a class="skip" href="#main" onClick=${(e) => (e.preventDefault(), document.getElementById('main').focus())}>${t('nav.skip')}</a>
		<${Header} route=${route} onHelp=${() => setHelp(true)} />
		<div class="layout">
			<${Nav} route=${route} />
			<main id="main" tabindex="-1"><${Page} route=${route} app=${app} /></main>
		</div>
		<${Toasts} toasts=${toasts} />
		<${Help} open=${help} onClose=${() => setHelp(false)} />
	<//>`;
}

function App({ initialMe }) {
	const [me, setMe] = useState(initialMe);
	const [lang, setLang] = useState(language());
	useEffect(() => onUnauthorized(() => setMe(null)), []);
	const changeLanguage = async (l) => {
		await setLanguage(l);
		setLang(language());
	};
	if (!me)
		return html`<${Login} lang=${lang} changeLanguage=${changeLanguage}
			onLogin=${(r) => (setCsrf(r.csrf_token), setMe(r.user))} />`;
	return html`<${Workspace} key=${me.id} me=${me} setMe=${setMe} lang=${lang} changeLanguage=${changeLanguage} />`;
}

async function boot() {
	await setLanguage(preferredLanguage(), false);
	let me = null;
	try {
		const r = await get('/auth/me');
		me = r.user;
		setCsrf(r.csrf_token);
	} catch {
		/* not logged in: the login page */
	}
	const root = document.getElementById('app');
	root.textContent = '';
	render(html`<${App} initialMe=${me} />`, root);
}

boot();
