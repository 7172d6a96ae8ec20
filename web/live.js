// Live updates: one Server-Sent Events stream (GET /api/v1/stream) fanned out
// to the views, and presence (who is viewing or replying to a ticket).
import { api, get } from './api.js';
import { useEffect, useRef, useState } from './lib.js';

const TYPES = ['ticket.created', 'ticket.updated', 'message.created', 'mail.sent', 'mail.failed', 'mail.bounced', 'mail.bounced_earlier', 'mail.resent', 'presence'];
const listeners = new Set();
const statusListeners = new Set();
let source = null;
let connected = false;

function setConnected(on) {
	connected = on;
	for (const fn of statusListeners) fn(on);
}

export function connectLive() {
	if (source) return;
	source = new EventSource('/api/v1/stream');
	source.onopen = () => setConnected(true);
	source.onerror = () => setConnected(false); // EventSource reconnects by itself
	for (const type of TYPES)
		source.addEventListener(type, (e) => {
			let data;
			try {
				data = JSON.parse(e.data);
			} catch {
				return;
			}
			for (const fn of listeners) fn(type, data);
		});
}

export function disconnectLive() {
	if (source) source.close();
	source = null;
	setConnected(false);
}

/** Calls fn(type, data) for each live event while the component is mounted. */
export function useLive(fn) {
	const ref = useRef(fn);
	ref.current = fn;
	useEffect(() => {
		const call = (type, data) => ref.current(type, data);
		listeners.add(call);
		return () => listeners.delete(call);
	}, []);
}

export function useLiveStatus() {
	const [on, setOn] = useState(connected);
	useEffect(() => {
		statusListeners.add(setOn);
		return () => statusListeners.delete(setOn);
	}, []);
	return on;
}

const HEARTBEAT_MS = 10000;

function announce(ticketId, state, keepalive = false) {
	return api('POST', `/tickets/${ticketId}/presence`, { state }, { keepalive }).catch(() => {});
}

/**
 * Tells the others this agent is viewing the ticket (or replying, while
 * `replying` is true) and returns the other agents on it: [{id, name, state}].
 */
export function usePresence(ticketId, meId, replying) {
	const [others, setOthers] = useState([]);
	const state = replying ? 'replying' : 'viewing';
	const stateRef = useRef(state);
	stateRef.current = state;

	useEffect(() => {
		setOthers([]);
		get(`/tickets/${ticketId}/presence`)
			.then((r) => setOthers(r.users.filter((u) => u.id !== meId)))
			.catch(() => {});
		const beat = setInterval(() => announce(ticketId, stateRef.current), HEARTBEAT_MS);
		const leave = () => announce(ticketId, 'left', true);
		addEventListener('pagehide', leave);
		return () => {
			clearInterval(beat);
			removeEventListener('pagehide', leave);
			leave();
		};
	}, [ticketId, meId]);

	useEffect(() => {
		announce(ticketId, state);
	}, [ticketId, state]);

	useLive((type, data) => {
		if (type === 'presence' && data.ticket_id === ticketId)
			setOthers((data.users || []).filter((u) => u.id !== meId && u.state !== 'left'));
	});
	return others;
}
