// The composer: a public reply or an internal note, canned replies with
// placeholders, attachments uploaded as they are picked, Ctrl+Enter to send
// (never while an IME is composing), and a warning when someone else wrote on
// the ticket since this agent started.
import { ATTACHMENT_MAX, get, post, upload } from '../api.js';
import { html, useEffect, useRef, useState } from '../lib.js';
import { formatBytes, t } from '../i18n.js';
import { isComposing } from '../keys.js';
import { userName } from '../state.js';
import { Dialog, ErrorText, useAsync } from './common.js';

/** Fills {{customer.first_name}}, {{ticket.number}}, ...; unknown placeholders stay as written. */
export function fillPlaceholders(text, { customer, ticket, agent }) {
	const first = (name) => (name || '').trim().split(/\s+/)[0] || '';
	const values = {
		'customer.name': customer?.name,
		'customer.first_name': first(customer?.name),
		'customer.email': customer?.email,
		'ticket.number': ticket?.number,
		'ticket.subject': ticket?.subject,
		'agent.name': agent?.name,
		'agent.first_name': first(agent?.name),
	};
	return text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (m, key) => (values[key] ?? '') !== '' ? String(values[key]) : m);
}

const lastId = (messages) => messages.reduce((max, m) => Math.max(max, m.id), 0);

let fileKeys = 0;

/**
 * The files picked for the next message, each uploaded at once:
 * [{key, name, size, progress (0..1), error, attachment}] and add, remove, clear.
 */
function useUploads() {
	const [files, setFiles] = useState([]);
	const aborts = useRef(new Map());
	const update = (key, change) => setFiles((list) => list.map((f) => (f.key === key ? { ...f, ...change } : f)));
	const start = (file) => {
		const key = ++fileKeys;
		const entry = { key, name: file.name, size: file.size, progress: 0, error: null, attachment: null };
		setFiles((list) => [...list, entry]);
		if (file.size > ATTACHMENT_MAX) {
			update(key, { error: t('composer.too_large', { size: formatBytes(ATTACHMENT_MAX) }) });
			return;
		}
		const u = upload(file, (progress) => update(key, { progress }));
		aborts.current.set(key, u.abort);
		u.done.then((attachment) => update(key, { attachment, progress: 1 }),
			(err) => err.code !== 'aborted' && update(key, { error: t('composer.upload_failed', { message: err.message }) }))
			.finally(() => aborts.current.delete(key));
	};
	const remove = (key) => {
		aborts.current.get(key)?.();
		setFiles((list) => list.filter((f) => f.key !== key));
	};
	useEffect(() => () => aborts.current.forEach((abort) => abort()), []);
	return {
		files,
		add: (list) => [...list].forEach(start),
		remove,
		clear: () => setFiles([]),
		busy: files.some((f) => !f.attachment && !f.error),
		ids: files.filter((f) => f.attachment).map((f) => f.attachment.id),
	};
}

function FileChips({ uploads }) {
	if (!uploads.files.length) return null;
	return html`<ul class="chips" aria-label=${t('composer.attachments')}>
		${uploads.files.map((f) => html`<li key=${f.key} class=${'chip' + (f.error ? ' failed' : '')}>
			<span class="name">${f.name}</span>
			<span class="muted">${formatBytes(f.size)}</span>
			${!f.attachment && !f.error && html`<progress max="1" value=${f.progress}
				aria-label=${t('composer.uploading', { name: f.name })}></progress>`}
			${f.error && html`<span class="error" role="alert">${f.error}</span>`}
			<button type="button" class="icon" onClick=${() => uploads.remove(f.key)}
				aria-label=${t('composer.remove_file', { name: f.name })}>×</button>
		</li>`)}
	</ul>`;
}

export function Composer({ ticket, customer, messages, app, onSent, onReplying, control }) {
	const [kind, setKind] = useState('reply');
	const [text, setText] = useState('');
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState(null);
	const [fresh, setFresh] = useState(null);
	const since = useRef(null); // the last message this agent had seen when starting to write
	const area = useRef();
	const picker = useRef();
	const uploads = useUploads();
	const macros = useAsync(() => get('/macros').then((r) => r.macros), []);

	control.current = {
		focus(k) {
			setKind(k);
			area.current.focus();
		},
		/** A suggested reply into the draft: it replaces an empty one, else follows it after a blank line. */
		use(body) {
			setKind('reply');
			edit(text.trim() ? text.replace(/\s+$/, '') + '\n\n' + body : body);
			area.current.focus();
		},
	};
	const edit = (value) => {
		setText(value);
		if (value.trim() && since.current === null) since.current = lastId(messages);
		if (!value.trim()) since.current = null;
		onReplying(value.trim() !== '');
	};

	const send = async (anyway = false) => {
		if (!text.trim() || busy || uploads.busy) return;
		setBusy(true);
		setError(null);
		try {
			if (!anyway && kind === 'reply' && since.current !== null) {
				const mine = (m) => m.author_type === 'agent' && m.author_id === app.me.id;
				const r = await get(`/tickets/${ticket.id}/messages`);
				const others = r.messages.filter((m) => m.id > since.current && !mine(m));
				if (others.length) {
					setFresh(others);
					return;
				}
			}
			const attachments = uploads.ids.length ? { attachment_ids: uploads.ids } : {};
			await post(`/tickets/${ticket.id}/messages`, { body: text, kind, ...attachments });
			setFresh(null);
			uploads.clear();
			edit('');
			onSent();
		} catch (err) {
			setError(err);
		} finally {
			setBusy(false);
		}
	};

	const onKeyDown = (e) => {
		if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
			e.preventDefault();
			if (!isComposing(e)) send();
		} else if (e.key === 'Escape') {
			e.target.blur();
		}
	};
	const insertMacro = (e) => {
		const m = (macros.data || []).find((x) => String(x.id) === e.target.value);
		e.target.value = '';
		if (!m) return;
		const body = fillPlaceholders(m.body, { customer, ticket, agent: app.me });
		const el = area.current;
		const at = el.selectionStart ?? text.length;
		edit(text.slice(0, at) + body + text.slice(el.selectionEnd ?? at));
		el.focus();
	};
	const note = kind === 'note';
	const closed = ticket.status === 'closed';
	return html`<form class=${'composer ' + kind} aria-labelledby="composer-title" onSubmit=${(e) => (e.preventDefault(), send())}>
		<h2 id="composer-title" class="sr-only">${t('composer.title')}</h2>
		<div class="kinds" role="group" aria-label=${t('composer.kind')}>
			<button type="button" aria-pressed=${!note} onClick=${() => setKind('reply')} aria-keyshortcuts="r">${t('composer.reply')}</button>
			<button type="button" aria-pressed=${note} onClick=${() => setKind('note')} aria-keyshortcuts="n">${t('composer.note')}</button>
		</div>
		<label for="composer-text" class="sr-only">${t(note ? 'composer.note_label' : 'composer.reply_label')}</label>
		<textarea id="composer-text" ref=${area} rows="5" value=${text} disabled=${closed}
			placeholder=${t(note ? 'composer.note_placeholder' : 'composer.reply_placeholder')}
			onInput=${(e) => edit(e.target.value)} onKeyDown=${onKeyDown}></textarea>
		<${FileChips} uploads=${uploads} />
		<${ErrorText} error=${error} />
		<div class="composer-actions">
			<input type="file" id="composer-files" ref=${picker} multiple hidden disabled=${closed}
				aria-label=${t('composer.attach')} onChange=${(e) => (uploads.add(e.target.files), (e.target.value = ''))} />
			<button type="button" disabled=${closed} onClick=${() => picker.current.click()}
				aria-controls="composer-files">${t('composer.attach')}</button>
			${macros.data && macros.data.length > 0 && html`<span class="field-inline">
				<label for="macro">${t('composer.macro')}</label>
				<select id="macro" onChange=${insertMacro}>
					<option value="">${t('composer.macro_pick')}</option>
					${macros.data.map((m) => html`<option value=${m.id}>${m.title}</option>`)}
				</select></span>`}
			<span class="hint push">${t('composer.hint')}</span>
			<button class="primary" disabled=${busy || closed || !text.trim() || uploads.busy}>${t(note ? 'composer.add_note' : 'composer.send')}</button>
		</div>
	</form>
	<${Dialog} id="collision" open=${!!fresh} onClose=${() => setFresh(null)} title=${t('collision.title')} closeLabel=${t('action.cancel')}>
		<p>${t('collision.text', { n: fresh?.length || 0 })}</p>
		<ul class="fresh">${(fresh || []).map((m) => html`<li key=${m.id}>
			<strong>${m.author_type === 'customer' ? customer?.name || t('message.customer') : userName(app, m.author_id)}</strong>
			${' '}${m.body.length > 200 ? m.body.slice(0, 200) + '…' : m.body}</li>`)}</ul>
		<button type="button" class="primary" onClick=${() => send(true)}>${t('collision.send_anyway')}</button>
	<//>`;
}
