// What every view needs to know: who is logged in, the agents, saved views,
// and a way to tell the user something. Provided by app.js.
import { createContext, useContext } from './lib.js';
import { t } from './i18n.js';

export const AppContext = createContext(null);

export function useApp() {
	return useContext(AppContext);
}

export function userName(app, id) {
	if (id === null || id === undefined) return t('user.nobody');
	const u = app.users.find((x) => x.id === id);
	return u ? u.name : t('user.unknown', { id });
}

export const STATUSES = ['new', 'open', 'pending', 'on-hold', 'solved', 'closed'];
export const UNSOLVED = ['new', 'open', 'pending', 'on-hold'];
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
export const CHANNELS = ['email', 'chat', 'web', 'api', 'phone'];

/** Does a ticket match list filters {status, assignee, tag, channel} as the server would? */
export function matches(ticket, f, meId) {
	const assignee = f.assignee === 'me' ? meId : f.assignee;
	if (f.status && !String(f.status).split(',').includes(ticket.status)) return false;
	if (assignee === 'none' && ticket.assignee_id !== null) return false;
	if (assignee && assignee !== 'none' && ticket.assignee_id !== Number(assignee)) return false;
	if (f.tag && !ticket.tags.includes(String(f.tag).toLowerCase())) return false;
	if (f.channel && ticket.channel !== f.channel) return false;
	return true;
}

/** The last inbox list shown, so j/k on a ticket page go to its neighbours. */
export const lastList = { ids: [] };
