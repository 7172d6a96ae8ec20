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

/** The last inbox list shown, so j/k on a ticket page go to its neighbours. */
export const lastList = { ids: [] };
