// The customer's orders beside a ticket: the linked one first, then the rest,
// newest first, each with its items, shipments and (on demand) its timeline.
import { get } from '../api.js';
import { html, useState } from '../lib.js';
import { formatDate, formatMoney, t } from '../i18n.js';
import { ErrorText, Time, useAsync } from './common.js';

export function OrderState({ state }) {
	return html`<span class=${'badge order-' + state}>${t('order_state.' + state)}</span>`;
}

/** A link only for http and https: a store's tracking_url is the store's text. */
function trackingHref(url) {
	try {
		const u = new URL(url);
		return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
	} catch {
		return null;
	}
}

function Shipment({ s }) {
	const href = s.tracking_url && trackingHref(s.tracking_url);
	return html`<li class="shipment">
		<${OrderState} state=${s.state} /> ${s.carrier && html`<span class="carrier">${s.carrier}</span>`}
		${s.tracking_number && html` <span class="tracking">${s.tracking_number}</span>`}
		${href && html` <a href=${href} target="_blank" rel="noopener noreferrer">${t('orders.track')}</a>`}
		${s.eta && !s.delivered_at && html` <span class="muted">${t('orders.eta', { date: formatDate(s.eta) })}</span>`}
	</li>`;
}

// a shipment new in this change had no state before
const stateName = (state) => (state ? t('order_state.' + state) : t('event.none'));

function eventLines(ev) {
	if (ev.type === 'order.created') return [t('orders.event.created')];
	const lines = [];
	for (const [field, v] of Object.entries(ev.changes || {})) {
		if (field === 'shipments' && Array.isArray(v)) {
			for (const s of v)
				if (Array.isArray(s.state))
					lines.push(t('orders.event.shipment', { id: s.external_id, from: stateName(s.state[0]), to: stateName(s.state[1]) }));
		} else if (field === 'state' && Array.isArray(v)) {
			lines.push(t('orders.event.state', { from: stateName(v[0]), to: stateName(v[1]) }));
		} else if (Array.isArray(v) && v.length === 2) {
			lines.push(t('orders.event.other', { field, from: String(v[0] ?? t('event.none')), to: String(v[1] ?? t('event.none')) }));
		}
	}
	return lines;
}

function Timeline({ id }) {
	const events = useAsync(() => get(`/orders/${id}/events`).then((r) => r.events), [id]);
	if (events.error) return html`<${ErrorText} error=${events.error} />`;
	if (!events.data) return html`<p class="muted">${t('state.loading')}</p>`;
	return html`<ol class="order-timeline">${events.data.map((ev) => html`<li key=${ev.id}>
		${eventLines(ev).map((l) => html`<span>${l}</span> `)}<${Time} iso=${ev.created_at} /></li>`)}</ol>`;
}

function Order({ o, linked, onLink }) {
	const [open, setOpen] = useState(false);
	const titleId = 'order-' + o.id;
	return html`<article class=${linked ? 'order linked' : 'order'} aria-labelledby=${titleId} data-order=${o.id}>
		<header>
			<h4 id=${titleId} class="num">${o.number}</h4> <${OrderState} state=${o.state} />
		</header>
		<p><span class="total">${formatMoney(o.total_minor, o.currency)}</span>
			${o.refunded_minor > 0 && html` <span class="muted">${t('orders.refunded', { amount: formatMoney(o.refunded_minor, o.currency) })}</span>`}
			<span class="muted"> · <time datetime=${o.placed_at}>${formatDate(o.placed_at)}</time></span></p>
		${o.items.length > 0 && html`<ul class="order-items">${o.items.map((it, i) => html`<li key=${i}>
			${t('orders.item', { quantity: it.quantity, name: it.name || it.sku || t('event.none') })}${it.variant && html` <span class="muted">${it.variant}</span>`}</li>`)}</ul>`}
		${o.shipments.length > 0 && html`<ul class="shipments">${o.shipments.map((s) => html`<${Shipment} key=${s.id} s=${s} />`)}</ul>`}
		<details onToggle=${(e) => setOpen(e.target.open)}>
			<summary>${t('orders.timeline')}</summary>
			${open && html`<${Timeline} id=${o.id} />`}
		</details>
		<button type="button" class="link" onClick=${() => onLink(linked ? null : o.id)}>
			${linked ? t('orders.unlink') : t('orders.link')}</button>
	</article>`;
}

/**
 * The order a ticket is linked to, from the customer's orders (useAsync's
 * answer) or, when it is older than the newest 50 they hold, asked for by itself.
 */
export function useLinkedOrder(orders, linkedId) {
	const inList = (orders.data || []).find((o) => o.id === linkedId);
	const missing = Boolean(linkedId && orders.data && !inList);
	const single = useAsync(() => missing && get(`/orders/${linkedId}`).then((r) => r.order), [linkedId, missing]);
	return inList || (linkedId && single.data?.id === linkedId ? single.data : null);
}

/** The ticket's linked order, in one line under its subject. */
export function LinkedOrderLine({ order }) {
	if (!order) return null;
	return html`<p class="ticket-meta linked-order-line">${t('orders.linked_line', { number: order.number })}
		<${OrderState} state=${order.state} /></p>`;
}

/**
 * The sidebar's orders: the linked one first, then the customer's others.
 * onLink(id or null) sets the ticket's order_id.
 */
export function CustomerOrders({ orders, linked, onLink }) {
	const rest = (orders.data || []).filter((o) => o.id !== linked?.id);
	return html`<section class="orders" aria-labelledby="orders-title">
		${linked && html`<div class="linked-order">
			<h3>${t('orders.linked')}</h3>
			<${Order} key=${'l' + linked.id} o=${linked} linked=${true} onLink=${onLink} />
		</div>`}
		<h3 id="orders-title">${t('orders.title')}</h3>
		<${ErrorText} error=${orders.error} />
		${orders.data && rest.length === 0 && html`<p class="muted">${linked ? t('orders.none_other') : t('orders.none')}</p>`}
		${rest.map((o) => html`<${Order} key=${o.id} o=${o} linked=${false} onLink=${onLink} />`)}
	</section>`;
}
