// The customer: profile, identities and other tickets, beside a ticket or on its own page.
import { customer } from '../api.js';
import { html, useEffect } from '../lib.js';
import { t } from '../i18n.js';
import { ErrorText, Status, Time, useAsync } from './common.js';

export function CustomerCard({ c, currentTicket, headingLevel = 2 }) {
	const others = (c.tickets || []).filter((tk) => tk.id !== currentTicket);
	const H = 'h' + headingLevel;
	return html`<section class="customer" aria-labelledby="customer-name">
		<${H} id="customer-name">${c.name || c.email || t('message.customer')}<//>
		${c.email && html`<p class="muted">${c.email}</p>`}
		${c.identities?.length > 0 && html`<h3>${t('customer.identities')}</h3>
			<dl class="identities">${c.identities.map((id) => html`
				<dt>${t('identity.' + id.type)}</dt><dd>${id.value}</dd>`)}</dl>`}
		<h3>${currentTicket ? t('customer.other_tickets') : t('customer.tickets')}</h3>
		${others.length === 0 ? html`<p class="muted">${t('customer.no_tickets')}</p>` : html`
			<ul class="history">${others.map((tk) => html`<li key=${tk.id}>
				<a href=${'#/tickets/' + tk.id}><span class="num">#${tk.number}</span> ${tk.subject}</a>
				<${Status} status=${tk.status} /> <${Time} iso=${tk.updated_at} /></li>`)}</ul>`}
		<p class="muted">${t('customer.since')} <${Time} iso=${c.created_at} /></p>
	</section>`;
}

export function CustomerPage({ id }) {
	const c = useAsync(() => customer(id, true), [id]);
	useEffect(() => {
		if (c.data) document.title = `${c.data.name} · deskd`;
	}, [c.data]);
	return html`<div class="page-customer">
		<${ErrorText} error=${c.error} />
		${c.data && html`<${CustomerCard} c=${c.data} headingLevel=${1} />`}
	</div>`;
}
