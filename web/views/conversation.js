// A ticket's conversation: messages (public replies and internal notes look
// different) interleaved with the event log's changes, in time order.
import { post } from '../api.js';
import { html, useEffect, useRef, useState } from '../lib.js';
import { formatBytes, t } from '../i18n.js';
import { userName } from '../state.js';
import { Time } from './common.js';

/**
 * The document shown in an email's frame. The policy comes first, so it is in
 * force before any of the email's own markup is parsed; a second policy in the
 * email can only narrow it.
 */
export function emailDocument(emailHtml, showImages) {
	const img = showImages ? "img-src data: https:" : 'img-src data:';
	const policy = `default-src 'none'; style-src 'unsafe-inline'; ${img}`;
	return `<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${policy}">` +
		'<meta name="referrer" content="no-referrer">' +
		'<style>body{font:14px/1.5 system-ui,sans-serif;margin:8px;color:#1a1a1a;background:#fff;word-wrap:break-word}</style>' +
		emailHtml;
}

// Only paths of this server's API become links: a download from deskd is
// all that can be behind them, never a javascript: or another site's URL.
const attachmentHref = (a) => '/api/v1/attachments/' + encodeURIComponent(a.id);
const apiPath = (url) => (typeof url === 'string' && url.startsWith('/api/v1/') ? url : null);

// Inline images (cid: URLs) come into the frame as data: URLs, which its
// policy allows; the frame itself cannot ask deskd for anything. Raster types
// only (no SVG, which can carry script), and not too big to copy.
const INLINE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
const INLINE_MAX = 5 << 20;
// all the data written into one frame: an email naming an image a thousand times must not take the tab down
const INLINE_TOTAL = 20 << 20;
const CID = /cid:([^"'\s)>]+)/gi;

function unescapeCid(ref) {
	try {
		return decodeURIComponent(ref);
	} catch {
		return ref;
	}
}

const dataUrl = (blob) => new Promise((resolve, reject) => {
	const reader = new FileReader();
	reader.onload = () => resolve(reader.result);
	reader.onerror = () => reject(reader.error);
	reader.readAsDataURL(blob);
});

const showable = (a) => a.content_id && INLINE_TYPES.includes(a.content_type) && a.size <= INLINE_MAX;

/**
 * The files the email's frame shows in place (inline images its HTML names
 * by cid:), which the list of files leaves out. deskd marks them `inline`;
 * the HTML is asked too, for emails stored before `inline` meant that.
 */
export function shownInline(m) {
	if (!m.html) return new Set();
	const named = new Set([...m.html.matchAll(CID)].map(([, ref]) => unescapeCid(ref)));
	return new Set((m.attachments || []).filter((a) => a.inline && showable(a) && named.has(a.content_id)));
}

/** The email's HTML with each cid: URL of an inline image replaced by the image's data. */
export async function withInlineImages(source, files) {
	const byCid = new Map(files.filter(showable).map((a) => [a.content_id, a]));
	const refs = new Map();
	for (const [, ref] of source.matchAll(CID)) if (byCid.has(unescapeCid(ref))) refs.set(ref, byCid.get(unescapeCid(ref)));
	if (!refs.size) return source;
	const urls = new Map();
	await Promise.all([...refs].map(async ([ref, a]) => {
		const r = await fetch(attachmentHref(a));
		if (r.ok) urls.set(ref, await dataUrl(new Blob([await r.arrayBuffer()], { type: a.content_type })));
	}));
	let total = 0;
	return source.replace(CID, (all, ref) => {
		const url = urls.get(ref);
		if (!url || (total += url.length) > INLINE_TOTAL) return all;
		return url;
	});
}

// Built by hand rather than by the template, so the frame is sandboxed (no
// scripts, no same-origin, no forms, no popups) before it ever gets content.
function EmailFrame({ source, files }) {
	const box = useRef();
	const [images, setImages] = useState(false);
	useEffect(() => {
		let current = true;
		const show = (emailHtml) => {
			const frame = document.createElement('iframe');
			frame.setAttribute('sandbox', '');
			frame.setAttribute('referrerpolicy', 'no-referrer');
			frame.setAttribute('title', t('message.html_title'));
			frame.className = 'email';
			frame.srcdoc = emailDocument(emailHtml, images);
			box.current.replaceChildren(frame);
		};
		show(source);
		withInlineImages(source, files).then(
			(full) => current && full !== source && show(full),
			() => {}, // the images stay out; the text is there
		);
		return () => (current = false);
	}, [source, images]);
	const remote = /(src|srcset|background)\s*=\s*["']?\s*https?:|url\(\s*["']?\s*https?:/i.test(source);
	return html`<div class="email-box">
		<div ref=${box}></div>
		${remote && !images && html`<p class="images-blocked">${t('message.images_blocked')}
			<button type="button" onClick=${() => setImages(true)}>${t('message.show_images')}</button></p>`}
	</div>`;
}

function Attachments({ m }) {
	const shown = shownInline(m);
	const files = (m.attachments || []).filter((a) => !shown.has(a));
	const raw = apiPath(m.raw_url);
	if (!files.length && !raw) return null;
	return html`<div class="attachments">
		${files.length > 0 && html`<ul aria-label=${t('message.attachments')}>
			${files.map((a) => html`<li key=${a.id}>
				<a href=${attachmentHref(a)} download=${a.filename}>${a.filename}</a>
				${' '}<span class="muted">${formatBytes(a.size)}</span></li>`)}
		</ul>`}
		${raw && html`<a class="raw" href=${raw} download>${t('message.original')}</a>`}
	</div>`;
}

/**
 * Where a reply's email is: on its way (with the last error while deskd
 * retries), sent, or not delivered (failed or bounced), with why as text.
 */
function MailState({ m, app, closed }) {
	const [busy, setBusy] = useState(false);
	const state = m.mail_status;
	if (!state || m.direction !== 'outbound') return null;
	const bad = state === 'failed' || state === 'bounced';
	// the page hears mail.resent live and shows the email queued again
	const resend = () => {
		setBusy(true);
		post(`/messages/${m.id}/resend`).catch((e) => app.toast(t('error.generic', { message: e.message })))
			.finally(() => setBusy(false));
	};
	return html`<div class=${'mail-state mail-' + state}>
		<strong>${t('mail.' + state)}</strong>
		${m.mail_error && html` <span>${bad ? t('mail.reason') : t('mail.retrying')}</span> <span class="mail-error">${m.mail_error}</span>`}
		${bad && !closed && html` <button type="button" disabled=${busy} onClick=${resend}>${t('mail.resend')}</button>`}
	</div>`;
}

function Message({ m, customerName, app, closed }) {
	const system = m.author_type === 'system';
	const who = m.author_type === 'customer' ? customerName || t('message.customer') : system ? t('event.system') : userName(app, m.author_id);
	const label = m.kind === 'note' ? t('message.note') : m.direction === 'inbound' ? t('message.inbound') : system ? t('message.auto_ack') : t('message.reply');
	return html`<article class=${`msg msg-${m.kind} msg-${m.direction}`} id=${'m-' + m.id} aria-label=${`${label}: ${who}`}>
		<header>
			<strong class="author">${who}</strong>
			<span class="kind">${label}</span>
			<${Time} iso=${m.created_at} />
		</header>
		${m.html ? html`<${EmailFrame} source=${m.html} files=${m.attachments || []} />` : html`<div class="body">${m.body}</div>`}
		<${Attachments} m=${m} />
		<${MailState} m=${m} app=${app} closed=${closed} />
	</article>`;
}

function value(field, v, app, orderNumbers) {
	if (v === null || v === undefined || v === '') return t('event.none');
	if (field === 'status') return t('status.' + v);
	if (field === 'priority') return t('priority.' + v);
	if (field === 'assignee_id') return userName(app, v);
	if (field === 'order_id') return orderNumbers?.get(v) ?? t('event.order', { id: v });
	if (Array.isArray(v)) return v.length ? v.join(', ') : t('event.none');
	return String(v);
}

/**
 * One line per change an event made: "Ada changed status from Open to Solved".
 * orderNumbers (a Map, optional) names linked orders by number rather than id.
 */
export function eventLines(ev, app, orderNumbers) {
	const actor = ev.actor_id === null ? t('event.system') : userName(app, ev.actor_id);
	if (ev.type === 'ticket.created') return [t('event.created', { actor })];
	const c = ev.changes || {};
	if (ev.type === 'mail.failed') return [t('event.mail_failed', { error: c.error || t('event.none') })];
	if (ev.type === 'mail.resent') return [t('event.mail_resent', { actor })];
	if (ev.type === 'mail.bounced') return [t('event.mail_bounced', { from: c.from || t('event.none'), text: c.text || t('event.none') })];
	// a late report about an attempt before a resend: said, but the email's state stands
	if (ev.type === 'mail.bounced_earlier') return [t('event.mail_bounced_earlier', { from: c.from || t('event.none'), text: c.text || t('event.none') })];
	// a change is [from, to]; other members (message_id) say which, not what changed
	const changes = Object.entries(ev.changes || {}).filter(([, v]) => Array.isArray(v) && v.length === 2);
	return changes.map(([field, [from, to]]) => {
		const known = ['status', 'priority', 'assignee_id', 'order_id', 'tags', 'cc', 'subject'].includes(field);
		return t(known ? 'event.' + field : 'event.other', {
			actor, field, from: value(field, from, app, orderNumbers), to: value(field, to, app, orderNumbers),
		});
	});
}

function Event({ ev, app, orderNumbers }) {
	const lines = eventLines(ev, app, orderNumbers);
	if (!lines.length) return null;
	const warning = ev.type === 'mail.failed' || ev.type === 'mail.bounced';
	return html`<div class=${warning ? 'event event-mail' : 'event'} id=${'e-' + ev.id}>
		${lines.map((l) => html`<p>${l}</p>`)} <${Time} iso=${ev.created_at} />
	</div>`;
}

/**
 * The timeline in the event log's order. The log has no message ids, but each
 * message has its event: the first one comes with ticket.created, every later
 * one with a message.created, in the same order. Messages the log does not
 * account for yet (fetched a moment apart) follow at the end.
 */
export function timeline(messages, events) {
	const items = [];
	let next = 0;
	for (const ev of events) {
		if (ev.type === 'ticket.created') items.push({ ev });
		if ((ev.type === 'ticket.created' || ev.type === 'message.created') && next < messages.length)
			items.push({ m: messages[next++] });
		if (ev.type !== 'ticket.created') items.push({ ev });
	}
	for (; next < messages.length; next++) items.push({ m: messages[next] });
	return items;
}

export function Conversation({ messages, events, customerName, app, closed, orderNumbers }) {
	return html`<div class="conversation">
		${timeline(messages, events).map((x) => x.m
			? html`<${Message} key=${'m' + x.m.id} m=${x.m} customerName=${customerName} app=${app} closed=${closed} />`
			: html`<${Event} key=${'e' + x.ev.id} ev=${x.ev} app=${app} orderNumbers=${orderNumbers} />`)}
	</div>`;
}
