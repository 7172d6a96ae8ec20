// The ticket page: conversation and composer, the ticket's fields, the
// customer, who else is on it, and the keys r, n, a, s, j, k.
import { customer, get, patch } from '../api.js';
import { html, useEffect, useRef, useState } from '../lib.js';
import { t } from '../i18n.js';
import { isComposing, useKeys } from '../keys.js';
import { useLive, usePresence } from '../live.js';
import { navigate } from '../router.js';
import { PRIORITIES, STATUSES, lastList, useApp, userName } from '../state.js';
import { ErrorText, useAsync } from './common.js';
import { Composer } from './composer.js';
import { Conversation } from './conversation.js';
import { CustomerCard } from './customer.js';
import { CustomerOrders, LinkedOrderLine, useLinkedOrder } from './orders.js';
import { WismoCard, useWismoAnswer } from './wismo.js';

const SENDING_POLL_MS = 4000;

async function loadTicket(id) {
	const [a, b, c] = await Promise.all([
		get(`/tickets/${id}`), get(`/tickets/${id}/messages`), get(`/tickets/${id}/events`),
	]);
	return { ticket: a.ticket, messages: b.messages, events: c.events };
}

/**
 * A list edited in place, such as the tags: each item has a remove button,
 * and the field under it adds one (lower-cased; a repeat is ignored).
 */
function ListField({ id, label, items, placeholder, removeLabel, type = 'text', onChange }) {
	const [draft, setDraft] = useState('');
	const add = (e) => {
		e.preventDefault();
		const item = draft.trim().toLowerCase();
		setDraft('');
		if (item && !items.includes(item)) onChange([...items, item]);
	};
	return html`<div class="field">
		<span id=${id + '-label'}>${label}</span>
		<ul class="tag-list" aria-labelledby=${id + '-label'}>${items.map((g) => html`<li key=${g} class="tag">${g}
			<button type="button" class="icon" aria-label=${removeLabel(g)}
				onClick=${() => onChange(items.filter((x) => x !== g))}>×</button></li>`)}</ul>
		<form class="inline" onSubmit=${add}>
			<label for=${id + '-new'} class="sr-only">${placeholder}</label>
			<input id=${id + '-new'} type=${type} size="12" value=${draft} placeholder=${placeholder} onInput=${(e) => setDraft(e.target.value)}
				onKeyDown=${(e) => e.key === 'Enter' && isComposing(e) && e.preventDefault()} />
			<button>${t('tags.add_button')}</button>
		</form>
	</div>`;
}

function Properties({ ticket, update, app, assigneeRef }) {
	const known = app.users.some((u) => u.id === ticket.assignee_id);
	const select = (id, name, value, options, onChange, ref) => html`<div class="field">
		<label for=${id}>${name}</label>
		<select id=${id} ref=${ref} value=${value} onChange=${(e) => onChange(e.target.value)}>${options}</select>
	</div>`;
	return html`<section class="props" aria-labelledby="props-title">
		<h2 id="props-title" class="sr-only">${t('ticket.properties')}</h2>
		${select('p-status', t('field.status'), ticket.status,
			STATUSES.map((s) => html`<option value=${s}>${t('status.' + s)}</option>`), (v) => update({ status: v }))}
		${select('p-priority', t('field.priority'), ticket.priority,
			PRIORITIES.map((p) => html`<option value=${p}>${t('priority.' + p)}</option>`), (v) => update({ priority: v }))}
		${select('p-assignee', t('field.assignee'), String(ticket.assignee_id ?? ''), [
			html`<option value="">${t('filter.unassigned')}</option>`,
			...app.users.filter((u) => u.active || u.id === ticket.assignee_id).map((u) => html`<option value=${u.id}>${u.name}</option>`),
			!known && ticket.assignee_id !== null && html`<option value=${ticket.assignee_id}>${userName(app, ticket.assignee_id)}</option>`,
		], (v) => update({ assignee_id: v ? Number(v) : null }), assigneeRef)}
		${ticket.assignee_id !== app.me.id && html`<button type="button" class="link"
			onClick=${() => update({ assignee_id: app.me.id })}>${t('ticket.take')}</button>`}
		<${ListField} id="tag" label=${t('field.tags')} items=${ticket.tags} placeholder=${t('tags.add')}
			removeLabel=${(tag) => t('tags.remove', { tag })} onChange=${(tags) => update({ tags: tags.sort() })} />
		${(ticket.channel === 'email' || ticket.cc.length > 0) && html`<${ListField} id="cc" label=${t('field.cc')} items=${ticket.cc}
			type="email" placeholder=${t('cc.add')} removeLabel=${(address) => t('cc.remove', { address })}
			onChange=${(cc) => update({ cc })} />`}
		<p class="muted">${t('field.channel')}: ${t('channel.' + ticket.channel)}</p>
	</section>`;
}

/** The closed ticket this one follows up. */
function TicketMeta({ ticket }) {
	const linked = ticket.linked_ticket_id;
	if (!linked) return null;
	return html`<p class="ticket-meta">
		<a href=${'#/tickets/' + linked}>${t('ticket.follows_up', { number: linked + 1000 })}</a>
	</p>`;
}

function Presence({ others }) {
	return html`<div class="presence" role="status" aria-live="polite">
		${others.map((u) => html`<span key=${u.id} class=${'who ' + u.state}>
			${t(u.state === 'replying' ? 'presence.replying' : 'presence.viewing', { name: u.name })}</span>`)}
	</div>`;
}

export function TicketPage({ id }) {
	const app = useApp();
	const [data, setData] = useState(null);
	const [error, setError] = useState(null);
	const [replying, setReplying] = useState(false);
	const others = usePresence(id, app.me.id, replying);
	const composer = useRef({ focus() {}, use() {} });
	const assigneeRef = useRef();
	const timer = useRef();

	const load = () => loadTicket(id).then((d) => (setData(d), setError(null)), setError);
	useEffect(() => {
		load();
		return () => clearTimeout(timer.current);
	}, [id]);
	const customerId = data?.ticket.customer_id;
	const cust = useAsync(() => customerId && customer(customerId, true), [customerId]);
	const orders = useAsync(() => customerId && get('/orders', { customer_id: customerId }).then((r) => r.orders), [customerId]);
	const linkedOrder = useLinkedOrder(orders, data?.ticket.order_id);
	const wismo = useWismoAnswer(data?.ticket);
	const orderNumbers = new Map((orders.data || []).map((o) => [o.id, o.number]));
	if (linkedOrder) orderNumbers.set(linkedOrder.id, linkedOrder.number);
	useEffect(() => {
		if (data) document.title = `#${data.ticket.number} ${data.ticket.subject} · deskd`;
	}, [data?.ticket.subject]);

	// mail.sent comes live, but a retry records no event: look again while an email waits.
	const sending = data?.messages.some((m) => m.mail_status === 'queued');
	useEffect(() => {
		if (!sending) return;
		const poll = setTimeout(load, SENDING_POLL_MS);
		return () => clearTimeout(poll);
	}, [data]);

	useLive((type, ev) => {
		if (type === 'presence' || ev.ticket_id !== id) return;
		clearTimeout(timer.current);
		timer.current = setTimeout(load, 100);
	});

	const update = async (changes) => {
		try {
			const r = await patch(`/tickets/${id}`, changes);
			setData((d) => ({ ...d, ticket: r.ticket }));
			load();
		} catch (err) {
			app.toast(t('error.generic', { message: err.message }));
			load();
		}
	};
	const neighbour = (d) => {
		const i = lastList.ids.indexOf(id);
		const next = lastList.ids[i + d];
		if (i >= 0 && next) navigate('#/tickets/' + next);
	};
	useKeys({
		r: () => composer.current.focus('reply'),
		n: () => composer.current.focus('note'),
		a: () => assigneeRef.current?.focus(),
		s: () => update({ status: 'solved' }),
		j: () => neighbour(1),
		k: () => neighbour(-1),
	});

	if (error && !data) return html`<${ErrorText} error=${error} />`;
	if (!data) return html`<p class="muted">${t('state.loading')}</p>`;
	const { ticket } = data;
	return html`<div class="ticket-page">
		<section class="main-col" aria-labelledby="ticket-title">
			<div class="page-head">
				<h1 id="ticket-title"><span class="num">#${ticket.number}</span> ${ticket.subject}</h1>
			</div>
			<${TicketMeta} ticket=${ticket} />
			<${LinkedOrderLine} order=${linkedOrder} />
			<${Presence} others=${others} />
			<${Conversation} messages=${data.messages} events=${data.events} customerName=${cust.data?.name} app=${app}
				closed=${ticket.status === 'closed'} orderNumbers=${orderNumbers} />
			<${WismoCard} answer=${wismo} onUse=${(text) => composer.current.use(text)} />
			<${Composer} ticket=${ticket} customer=${cust.data} messages=${data.messages} app=${app}
				onSent=${load} onReplying=${setReplying} control=${composer} />
		</section>
		<aside class="side-col" aria-label=${t('ticket.sidebar')}>
			<${Properties} ticket=${ticket} update=${update} app=${app} assigneeRef=${assigneeRef} />
			${cust.data && html`<${CustomerCard} c=${cust.data} currentTicket=${id} />`}
			${customerId && html`<${CustomerOrders} orders=${orders} linked=${linkedOrder}
				onLink=${(orderId) => update({ order_id: orderId })} />`}
		</aside>
	</div>`;
}
