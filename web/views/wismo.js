// The WISMO suggested answer above the composer: the ready reply deskd wrote
// for a "where is my order?" ticket (GET /tickets/{id}/wismo), for an agent to
// take into the composer and send themselves.
import { get } from '../api.js';
import { html } from '../lib.js';
import { LANGUAGES, t } from '../i18n.js';
import { useAsync } from './common.js';
import { OrderState } from './orders.js';

/**
 * The answer for a wismo-tagged ticket, asked for once per ticket view;
 * null for any other ticket, while it loads, and when the request fails
 * (a suggestion is a help, not something to warn about).
 */
export function useWismoAnswer(ticket) {
	const tagged = Boolean(ticket?.tags.includes('wismo'));
	const answer = useAsync(() => tagged && get(`/tickets/${ticket.id}/wismo`), [ticket?.id, tagged]);
	return tagged && answer.data?.reply ? answer.data : null;
}

/** The card itself; onUse(text) puts the reply into the composer. */
export function WismoCard({ answer, onUse }) {
	if (!answer) return null;
	const { order, automatic } = answer;
	return html`<section class="wismo-card" role="region" aria-label=${t('wismo.title')}>
		<header>
			<strong>${t('wismo.title')}</strong>
			${order && html` <span class="num">${order.number}</span> <${OrderState} state=${order.state} />`}
			<span class="muted"> · ${t('wismo.language', { language: LANGUAGES[answer.language] || answer.language })}</span>
		</header>
		${automatic && html`<p class="muted wismo-automatic">${t('wismo.automatic_' + automatic)}</p>`}
		<p class="wismo-reply">${answer.reply}</p>
		<button type="button" onClick=${() => onUse(answer.reply)}>${t('wismo.use')}</button>
	</section>`;
}
