// Admin pages: agents, API tokens, webhooks and canned replies.
import { del, get, patch, post } from '../api.js';
import { html, useEffect, useState } from '../lib.js';
import { t } from '../i18n.js';
import { useApp, userName } from '../state.js';
import { ErrorText, Time, useAsync } from './common.js';

const EVENTS = ['ticket.created', 'ticket.updated', 'message.created', 'customer.created', 'customer.updated'];

// Runs a change, shows its error, then reloads; returns the answer (or null).
function useAction(reload) {
	const [error, setError] = useState(null);
	const run = async (fn) => {
		setError(null);
		try {
			const r = await fn();
			await reload();
			return r ?? true;
		} catch (e) {
			setError(e);
			return null;
		}
	};
	return [run, error];
}

function Secret({ label, value }) {
	if (!value) return null;
	return html`<div class="secret" role="status">
		<label for="secret-value">${label}</label>
		<input id="secret-value" readonly value=${value} onFocus=${(e) => e.target.select()} />
		<p class="hint">${t('admin.shown_once')}</p>
	</div>`;
}

function Agents() {
	const app = useApp();
	const [run, error] = useAction(app.reloadUsers);
	const add = async (e) => {
		e.preventDefault();
		const f = Object.fromEntries(new FormData(e.target));
		if (await run(() => post('/users', f))) e.target.reset();
	};
	return html`<${ErrorText} error=${error} />
	<table class="list">
		<thead><tr><th scope="col">${t('field.name')}</th><th scope="col">${t('field.email')}</th>
			<th scope="col">${t('field.role')}</th><th scope="col">${t('field.active')}</th><th scope="col"><span class="sr-only">${t('admin.actions')}</span></th></tr></thead>
		<tbody>${app.users.map((u) => html`<tr key=${u.id}>
			<td>${u.name}</td><td>${u.email}</td>
			<td><label class="sr-only" for=${'role-' + u.id}>${t('admin.role_of', { name: u.name })}</label>
				<select id=${'role-' + u.id} value=${u.role} disabled=${u.id === app.me.id}
					onChange=${(e) => run(() => patch('/users/' + u.id, { role: e.target.value }))}>
					<option value="agent">${t('role.agent')}</option><option value="admin">${t('role.admin')}</option>
				</select></td>
			<td>${u.active ? t('admin.active') : t('admin.inactive')}</td>
			<td>${u.id !== app.me.id && html`<button type="button" onClick=${() => run(() => patch('/users/' + u.id, { active: !u.active }))}>
				${u.active ? t('admin.deactivate') : t('admin.reactivate')}<span class="sr-only"> ${u.name}</span></button>`}</td>
		</tr>`)}</tbody>
	</table>
	<form class="stack" onSubmit=${add} aria-labelledby="agent-add">
		<h2 id="agent-add">${t('admin.add_agent')}</h2>
		<label for="a-name">${t('field.name')}</label><input id="a-name" name="name" required />
		<label for="a-email">${t('field.email')}</label><input id="a-email" name="email" type="email" required />
		<label for="a-role">${t('field.role')}</label>
		<select id="a-role" name="role"><option value="agent">${t('role.agent')}</option><option value="admin">${t('role.admin')}</option></select>
		<label for="a-password">${t('field.password')}</label>
		<input id="a-password" name="password" type="password" minlength="8" required autocomplete="new-password" />
		<button class="primary">${t('admin.add_agent')}</button>
	</form>`;
}

function Tokens() {
	const app = useApp();
	const list = useAsync(() => get('/tokens').then((r) => r.tokens), []);
	const [run, error] = useAction(list.reload);
	const [secret, setSecret] = useState(null);
	const create = async (e) => {
		e.preventDefault();
		const f = new FormData(e.target);
		const r = await run(() => post('/tokens', { name: f.get('name'), user_id: Number(f.get('user_id')) }));
		if (r) setSecret(r.token), e.target.reset();
	};
	const revoke = (tok) => confirm(t('admin.confirm_revoke', { name: tok.name })) && run(() => del('/tokens/' + tok.id));
	return html`<${ErrorText} error=${list.error || error} />
	<${Secret} label=${t('admin.new_token')} value=${secret} />
	<table class="list">
		<thead><tr><th scope="col">${t('field.name')}</th><th scope="col">${t('field.user')}</th><th scope="col">${t('field.created')}</th>
			<th scope="col">${t('field.last_used')}</th><th scope="col"><span class="sr-only">${t('admin.actions')}</span></th></tr></thead>
		<tbody>${(list.data || []).map((tok) => html`<tr key=${tok.id}>
			<td>${tok.name}</td><td>${userName(app, tok.user_id)}</td><td><${Time} iso=${tok.created_at} /></td>
			<td>${tok.last_used_at ? html`<${Time} iso=${tok.last_used_at} />` : t('admin.never')}</td>
			<td><button type="button" onClick=${() => revoke(tok)}>${t('admin.revoke')}<span class="sr-only"> ${tok.name}</span></button></td>
		</tr>`)}</tbody>
	</table>
	<form class="stack" onSubmit=${create} aria-labelledby="token-add">
		<h2 id="token-add">${t('admin.create_token')}</h2>
		<label for="tok-name">${t('field.name')}</label><input id="tok-name" name="name" required />
		<label for="tok-user">${t('field.user')}</label>
		<select id="tok-user" name="user_id" value=${app.me.id}>${app.users.map((u) => html`<option value=${u.id}>${u.name}</option>`)}</select>
		<button class="primary">${t('admin.create_token')}</button>
	</form>`;
}

function Deliveries({ id }) {
	const list = useAsync(() => get(`/webhooks/${id}/deliveries`).then((r) => r.deliveries), [id]);
	if (list.error) return html`<${ErrorText} error=${list.error} />`;
	const rows = list.data || [];
	if (!rows.length) return html`<p class="muted">${list.loading ? t('state.loading') : t('admin.no_deliveries')}</p>`;
	return html`<ul class="deliveries">${rows.map((d) => html`<li key=${d.id}>
		${d.event_type} · ${t('delivery.' + d.status)} · ${t('admin.attempts', { n: d.attempts })}
		${d.response_status !== null && ` · HTTP ${d.response_status}`} ${d.last_error && ` · ${d.last_error}`} · <${Time} iso=${d.created_at} />
	</li>`)}</ul>`;
}

function Webhooks() {
	const list = useAsync(() => get('/webhooks').then((r) => r.webhooks), []);
	const [run, error] = useAction(list.reload);
	const [secret, setSecret] = useState(null);
	const [open, setOpen] = useState(null);
	const create = async (e) => {
		e.preventDefault();
		const f = new FormData(e.target);
		const body = { url: f.get('url'), events: f.getAll('events') };
		if (f.get('secret')) body.secret = f.get('secret');
		const r = await run(() => post('/webhooks', body));
		if (r) setSecret(r.webhook.secret), e.target.reset();
	};
	const remove = (w) => confirm(t('admin.confirm_delete_webhook', { url: w.url })) && run(() => del('/webhooks/' + w.id));
	return html`<${ErrorText} error=${list.error || error} />
	<${Secret} label=${t('admin.new_secret')} value=${secret} />
	<table class="list">
		<thead><tr><th scope="col">${t('field.url')}</th><th scope="col">${t('field.events')}</th><th scope="col">${t('field.active')}</th>
			<th scope="col">${t('field.created')}</th><th scope="col"><span class="sr-only">${t('admin.actions')}</span></th></tr></thead>
		<tbody>${(list.data || []).map((w) => html`<tr key=${w.id}>
			<td class="wrap">${w.url}</td><td>${w.events.join(', ')}</td><td>${w.active ? t('admin.active') : t('admin.inactive')}</td>
			<td><${Time} iso=${w.created_at} /></td>
			<td><button type="button" aria-expanded=${open === w.id} onClick=${() => setOpen(open === w.id ? null : w.id)}>${t('admin.deliveries')}</button>
				<button type="button" onClick=${() => remove(w)}>${t('action.delete')}<span class="sr-only"> ${w.url}</span></button>
				${open === w.id && html`<${Deliveries} id=${w.id} />`}</td>
		</tr>`)}</tbody>
	</table>
	<form class="stack" onSubmit=${create} aria-labelledby="hook-add">
		<h2 id="hook-add">${t('admin.add_webhook')}</h2>
		<label for="hook-url">${t('field.url')}</label><input id="hook-url" name="url" type="url" required placeholder="https://" />
		<fieldset><legend>${t('field.events')}</legend>
			${['*', ...EVENTS].map((ev) => html`<label class="check"><input type="checkbox" name="events" value=${ev} />
				${ev === '*' ? t('admin.all_events') : ev}</label>`)}
		</fieldset>
		<label for="hook-secret">${t('admin.secret_optional')}</label><input id="hook-secret" name="secret" autocomplete="off" />
		<button class="primary">${t('admin.add_webhook')}</button>
	</form>`;
}

function Macros() {
	const list = useAsync(() => get('/macros').then((r) => r.macros), []);
	const [run, error] = useAction(list.reload);
	const [editing, setEditing] = useState(null); // a macro, or {} for a new one
	const save = async (e) => {
		e.preventDefault();
		const f = Object.fromEntries(new FormData(e.target));
		const ok = await run(() => (editing.id ? patch('/macros/' + editing.id, f) : post('/macros', f)));
		if (ok) setEditing(null);
	};
	const remove = (m) => confirm(t('admin.confirm_delete_macro', { title: m.title })) && run(() => del('/macros/' + m.id));
	useEffect(() => {
		if (editing) document.getElementById('macro-title')?.focus();
	}, [editing]);
	return html`<${ErrorText} error=${list.error || error} />
	<ul class="macros">${(list.data || []).map((m) => html`<li key=${m.id}>
		<h2>${m.title}</h2><p class="body">${m.body}</p>
		<button type="button" onClick=${() => setEditing(m)}>${t('action.edit')}<span class="sr-only"> ${m.title}</span></button>
		<button type="button" onClick=${() => remove(m)}>${t('action.delete')}<span class="sr-only"> ${m.title}</span></button>
	</li>`)}</ul>
	${editing ? html`<form class="stack" onSubmit=${save} aria-labelledby="macro-form" key=${editing.id || 'new'}>
		<h2 id="macro-form">${editing.id ? t('admin.edit_macro') : t('admin.add_macro')}</h2>
		<label for="macro-title">${t('field.title')}</label><input id="macro-title" name="title" required value=${editing.title || ''} />
		<label for="macro-body">${t('field.body')}</label>
		<textarea id="macro-body" name="body" rows="6" required value=${editing.body || ''}></textarea>
		<p class="hint">${t('admin.placeholders')} <code>{{customer.first_name}}</code> <code>{{customer.name}}</code>
			<code>{{ticket.number}}</code> <code>{{agent.name}}</code></p>
		<div class="row"><button class="primary">${t('action.save')}</button>
			<button type="button" onClick=${() => setEditing(null)}>${t('action.cancel')}</button></div>
	</form>` : html`<button type="button" class="primary" onClick=${() => setEditing({})}>${t('admin.add_macro')}</button>`}`;
}

const SECTIONS = { agents: Agents, tokens: Tokens, webhooks: Webhooks, macros: Macros };

export function AdminPage({ section }) {
	const Section = SECTIONS[section];
	useEffect(() => {
		document.title = `${t('admin.' + section)} · deskd`;
	}, [section]);
	if (!Section) return html`<h1>${t('error.not_found')}</h1>`;
	return html`<section class="admin" aria-labelledby="admin-title">
		<h1 id="admin-title">${t('admin.' + section)}</h1>
		<${Section} key=${section} />
	</section>`;
}
