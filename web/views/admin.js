// Admin pages: agents, API tokens, webhooks, canned replies and mailboxes.
import { del, get, patch, post } from '../api.js';
import { html, useEffect, useLayoutEffect, useRef, useState } from '../lib.js';
import { LANGUAGES, t } from '../i18n.js';
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

/**
 * One record in a form: open(item) edits it ({} for a new one), save(body)
 * POSTs to path or PATCHes path/id, then closes the form and reloads. A
 * refusal (a 422's message) stays beside the form, which stays open.
 */
function useEditor(path, reload) {
	const [editing, setEditing] = useState(null);
	const [error, setError] = useState(null);
	const open = (item) => (setError(null), setEditing(item));
	const save = async (body) => {
		setError(null);
		try {
			await (editing.id ? patch(`${path}/${editing.id}`, body) : post(path, body));
		} catch (e) {
			return setError(e);
		}
		setEditing(null);
		await reload();
	};
	return { editing, error, open, save, close: () => setEditing(null) };
}

/** The form of a useEditor: its first field takes the focus, Escape cancels, errors show beside it. */
function EditorForm({ id, editor, title, onSubmit, children }) {
	const ref = useRef();
	// before the browser paints, so no key pressed meanwhile goes elsewhere
	useLayoutEffect(() => {
		ref.current.querySelector('input:not([type=checkbox]), textarea, select')?.focus();
	}, []);
	const submit = (e) => {
		e.preventDefault();
		onSubmit(new FormData(e.target));
	};
	const escape = (e) => e.key === 'Escape' && (e.preventDefault(), editor.close());
	return html`<form class="stack" id=${id} ref=${ref} onSubmit=${submit} onKeyDown=${escape} aria-labelledby=${id + '-title'}>
		<h2 id=${id + '-title'}>${title}</h2>
		${children}
		<${ErrorText} error=${editor.error} />
		<div class="row"><button class="primary">${t('action.save')}</button>
			<button type="button" onClick=${editor.close}>${t('action.cancel')}</button></div>
	</form>`;
}

function Placeholders({ names }) {
	return html`<p class="hint">${t('admin.placeholders')} ${names.map((n) => html`<code>{{${n}}}</code> `)}</p>`;
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
	const editor = useEditor('/macros', list.reload);
	const editing = editor.editing;
	const remove = (m) => confirm(t('admin.confirm_delete_macro', { title: m.title })) && run(() => del('/macros/' + m.id));
	return html`<${ErrorText} error=${list.error || error} />
	<ul class="macros">${(list.data || []).map((m) => html`<li key=${m.id}>
		<h2>${m.title}</h2><p class="body">${m.body}</p>
		<button type="button" onClick=${() => editor.open(m)}>${t('action.edit')}<span class="sr-only"> ${m.title}</span></button>
		<button type="button" onClick=${() => remove(m)}>${t('action.delete')}<span class="sr-only"> ${m.title}</span></button>
	</li>`)}</ul>
	${editing ? html`<${EditorForm} key=${editing.id || 'new'} id="macro-form" editor=${editor} title=${editing.id ? t('admin.edit_macro') : t('admin.add_macro')}
		onSubmit=${(f) => editor.save(Object.fromEntries(f))}>
		<label for="macro-title">${t('field.title')}</label><input id="macro-title" name="title" required defaultValue=${editing.title || ''} />
		<label for="macro-body">${t('field.body')}</label>
		<textarea id="macro-body" name="body" rows="6" required defaultValue=${editing.body || ''}></textarea>
		<${Placeholders} names=${['customer.first_name', 'customer.name', 'ticket.number', 'agent.name']} />
	<//>` : html`<button type="button" class="primary" onClick=${() => editor.open({})}>${t('admin.add_macro')}</button>`}`;
}

// Used when the port is left empty: the usual one for the protocol and security.
const PORTS = { imap: { tls: 993, starttls: 143, none: 143 }, smtp: { tls: 465, starttls: 587, none: 25 } };
const SECURITIES = ['tls', 'starttls', 'none'];
const ACK_PLACEHOLDERS = ['customer.first_name', 'customer.name', 'ticket.number', 'ticket.subject'];

/**
 * The IMAP or SMTP part of a mailbox form. The password is write-only: the
 * field starts empty whatever is stored, and left empty keeps the old one.
 */
function ServerFields({ kind, server }) {
	const s = server || { security: kind === 'imap' ? 'tls' : 'starttls', tls_verify: true };
	const id = (f) => `${kind}-${f}`;
	return html`<fieldset class="stack">
		<legend>${t('admin.' + kind)}</legend>
		<p class="hint" id=${id('hint')}>${t('admin.server_optional')}</p>
		<label for=${id('host')}>${t('field.host')}</label>
		<input id=${id('host')} name=${id('host')} defaultValue=${s.host || ''} autocomplete="off" aria-describedby=${id('hint')} />
		<label for=${id('port')}>${t('field.port')}</label>
		<input id=${id('port')} name=${id('port')} type="number" min="1" max="65535" defaultValue=${s.port || ''}
			placeholder=${PORTS[kind][s.security]} />
		<label for=${id('security')}>${t('field.security')}</label>
		<select id=${id('security')} name=${id('security')}>
			${SECURITIES.map((v) => html`<option value=${v} selected=${v === s.security}>${t('security.' + v)}</option>`)}</select>
		<label for=${id('user')}>${t('field.mail_user')}</label>
		<input id=${id('user')} name=${id('user')} defaultValue=${s.user || ''} autocomplete="off" />
		<label for=${id('password')}>${t('field.mail_password')}</label>
		<input id=${id('password')} name=${id('password')} type="password" autocomplete="new-password" aria-describedby=${id('password-state')} />
		<p class="hint" id=${id('password-state')}>${s.password_set ? t('admin.password_set') : t('admin.password_not_set')}</p>
		${kind === 'imap' && html`<label for=${id('folder')}>${t('field.folder')}</label>
			<input id=${id('folder')} name=${id('folder')} defaultValue=${s.folder || 'INBOX'} />`}
		<label class="check"><input type="checkbox" name=${id('tls_verify')} defaultChecked=${s.tls_verify !== false} /> ${t('field.tls_verify')}</label>
	</fieldset>`;
}

/** A server object for the API from the form, or null when its host is empty (not used). */
function serverBody(f, kind) {
	const field = (name) => String(f.get(`${kind}-${name}`) ?? '').trim();
	if (!field('host')) return null;
	const security = field('security');
	const s = { host: field('host'), port: Number(field('port')) || PORTS[kind][security], security, tls_verify: f.has(`${kind}-tls_verify`) };
	if (field('user')) s.user = field('user');
	const password = f.get(`${kind}-password`);
	if (password) s.password = password;
	if (kind === 'imap') s.folder = field('folder') || 'INBOX';
	return s;
}

function mailboxBody(f, isNew) {
	const body = {
		imap: serverBody(f, 'imap'),
		smtp: serverBody(f, 'smtp'),
		fallback_charsets: String(f.get('charsets')).split(',').map((c) => c.trim()).filter(Boolean),
		auto_ack: { enabled: f.has('ack'), templates: {} },
	};
	if (isNew) body.address = String(f.get('address')).trim();
	if (String(f.get('name')).trim()) body.name = String(f.get('name')).trim();
	if (f.get('reopen_days') !== '') body.reopen_days = Number(f.get('reopen_days'));
	for (const lang of Object.keys(LANGUAGES)) {
		const text = String(f.get('ack-' + lang));
		if (text.trim()) body.auto_ack.templates[lang] = text;
	}
	return body;
}

function MailboxForm({ editor }) {
	const b = editor.editing;
	const ack = b.auto_ack || { enabled: false, templates: {} };
	return html`<${EditorForm} id="mailbox-form" editor=${editor}
		title=${b.id ? t('admin.edit_mailbox', { address: b.address }) : t('admin.add_mailbox')}
		onSubmit=${(f) => editor.save(mailboxBody(f, !b.id))}>
		${!b.id && html`<label for="mb-address">${t('field.address')}</label>
			<input id="mb-address" name="address" type="email" required autocomplete="off" />`}
		<label for="mb-name">${t('field.sender_name')}</label><input id="mb-name" name="name" defaultValue=${b.name || ''} />
		<${ServerFields} kind="imap" server=${b.imap} />
		<${ServerFields} kind="smtp" server=${b.smtp} />
		<label for="mb-reopen">${t('field.reopen_days')}</label>
		<input id="mb-reopen" name="reopen_days" type="number" min="0" max="3650" defaultValue=${b.reopen_days ?? 30} />
		<label for="mb-charsets">${t('field.fallback_charsets')}</label>
		<input id="mb-charsets" name="charsets" defaultValue=${(b.fallback_charsets || []).join(', ')} placeholder="euc-kr, shift_jis" />
		<fieldset class="stack">
			<legend>${t('admin.auto_ack')}</legend>
			<label class="check"><input type="checkbox" name="ack" defaultChecked=${ack.enabled} /> ${t('admin.auto_ack_enabled')}</label>
			${Object.entries(LANGUAGES).map(([lang, name]) => html`<label for=${'ack-' + lang}>${t('admin.auto_ack_template', { language: name })}</label>
				<textarea id=${'ack-' + lang} name=${'ack-' + lang} lang=${lang} rows="3" defaultValue=${ack.templates?.[lang] || ''}
					aria-describedby="ack-placeholders"></textarea>`)}
			<div id="ack-placeholders"><${Placeholders} names=${ACK_PLACEHOLDERS} /></div>
		</fieldset>
	<//>`;
}

function serverText(s) {
	return s ? `${s.host}:${s.port} · ${t('security.' + s.security)}` : t('admin.not_used');
}

function Mailboxes() {
	const list = useAsync(() => get('/mailboxes').then((r) => r.mailboxes), []);
	const [run, error] = useAction(list.reload);
	const editor = useEditor('/mailboxes', list.reload);
	// polled_at and poll_error change by themselves: look again while the page is open
	useEffect(() => {
		const timer = setInterval(() => !editor.editing && list.reload(), 10000);
		return () => clearInterval(timer);
	}, [editor.editing]);
	const remove = (b) => confirm(t('admin.confirm_delete_mailbox', { address: b.address })) && run(() => del('/mailboxes/' + b.id));
	return html`<${ErrorText} error=${list.error || error} />
	<table class="list mailboxes">
		<thead><tr><th scope="col">${t('field.address')}</th><th scope="col">${t('field.sender_name')}</th><th scope="col">${t('field.active')}</th>
			<th scope="col">IMAP</th><th scope="col">SMTP</th><th scope="col">${t('field.last_poll')}</th><th scope="col">${t('field.last_uid')}</th>
			<th scope="col"><span class="sr-only">${t('admin.actions')}</span></th></tr></thead>
		<tbody>${(list.data || []).map((b) => html`<tr key=${b.id}>
			<td class="wrap">${b.address}</td><td>${b.name}</td><td>${b.active ? t('admin.active') : t('admin.inactive')}</td>
			<td>${serverText(b.imap)}</td><td>${serverText(b.smtp)}</td>
			<td>${b.polled_at ? html`<${Time} iso=${b.polled_at} />` : t('admin.not_polled')}
				${b.poll_error && html`<p class="poll-error"><strong>${t('admin.poll_failed')}</strong> <span class="text">${b.poll_error}</span></p>`}</td>
			<td>${b.imap_last_uid}</td>
			<td><button type="button" onClick=${() => editor.open(b)}>${t('action.edit')}<span class="sr-only"> ${b.address}</span></button>
				<button type="button" onClick=${() => run(() => patch('/mailboxes/' + b.id, { active: !b.active }))}>
					${b.active ? t('admin.deactivate') : t('admin.reactivate')}<span class="sr-only"> ${b.address}</span></button>
				<button type="button" onClick=${() => remove(b)}>${t('action.delete')}<span class="sr-only"> ${b.address}</span></button></td>
		</tr>`)}</tbody>
	</table>
	${list.data?.length === 0 && html`<p class="empty">${t('admin.no_mailboxes')}</p>`}
	${editor.editing ? html`<${MailboxForm} key=${editor.editing.id || 'new'} editor=${editor} />`
		: html`<button type="button" class="primary" onClick=${() => editor.open({})}>${t('admin.add_mailbox')}</button>`}`;
}

const SECTIONS = { agents: Agents, tokens: Tokens, webhooks: Webhooks, macros: Macros, mailboxes: Mailboxes };

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
