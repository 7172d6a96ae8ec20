// Client-side routes in the URL hash (#/tickets/42), so the server only serves "/".
import { useEffect, useState } from './lib.js';

export function parseRoute(hash = location.hash) {
	const [path, qs = ''] = hash.replace(/^#\/?/, '').split('?');
	return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(qs) };
}

export function href(path, params) {
	const q = params ? new URLSearchParams(params).toString() : '';
	return '#/' + path + (q ? '?' + q : '');
}

/** Goes to a route; replace keeps the history clean while typing a search. */
export function navigate(hash, { replace = false } = {}) {
	if (location.hash === hash) return;
	if (replace) {
		history.replaceState(null, '', hash);
		dispatchEvent(new HashChangeEvent('hashchange'));
	} else {
		location.hash = hash;
	}
}

export function useRoute() {
	const [route, setRoute] = useState(parseRoute);
	useEffect(() => {
		const update = () => setRoute(parseRoute());
		addEventListener('hashchange', update);
		return () => removeEventListener('hashchange', update);
	}, []);
	return route;
}
