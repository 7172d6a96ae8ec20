// How many tickets each inbox view holds: one GET /api/v1/tickets/counts,
// shared by the side nav and the inbox, refreshed after live events.
import { get } from './api.js';
import { useEffect, useState } from './lib.js';
import { useLive } from './live.js';

// The server shares its counts for up to a second (docs/API.md), so asking
// at once after an event could return counts from before it: ask a little
// over a second after the last event, and during a steady stream of events
// at least every few seconds.
const SETTLE_MS = 1100;
const MAX_WAIT_MS = 3000;

let counts = null;
const subscribers = new Set();
const pending = { timer: 0, first: 0, last: 0 };

export function refreshCounts() {
	return get('/tickets/counts').then((r) => {
		counts = r.counts;
		for (const fn of subscribers) fn(counts);
	}, () => {});
}

function arm() {
	pending.first ||= Date.now();
	clearTimeout(pending.timer);
	const at = Math.min(pending.first + MAX_WAIT_MS, pending.last + SETTLE_MS);
	pending.timer = setTimeout(fire, Math.max(0, at - Date.now()));
}

function fire() {
	pending.first = 0;
	refreshCounts();
	// cut short by MAX_WAIT_MS: the last event may be newer than what we got
	if (Date.now() < pending.last + SETTLE_MS) arm();
}

function changed() {
	pending.last = Date.now();
	arm();
}

/**
 * The counts (null until the first answer). They are fetched again when a
 * value in `refreshOn` changes, and after ticket events.
 */
export function useCounts(refreshOn = []) {
	const [value, setValue] = useState(counts);
	useEffect(() => {
		subscribers.add(setValue);
		return () => subscribers.delete(setValue);
	}, []);
	useEffect(() => {
		if (refreshOn.length || !counts) refreshCounts();
	}, refreshOn);
	useLive((type) => type !== 'presence' && changed());
	return value;
}

const sum = (perStatus, statuses) => (perStatus ? statuses.reduce((n, s) => n + (perStatus[s] || 0), 0) : null);

/**
 * The number of tickets in the inbox view `key` (see inboxView in
 * views/nav.js) with these filters, or null when the counts cannot tell.
 */
export function viewCount(c, key, filters) {
	if (!c || !filters) return null;
	const [kind, ...rest] = key.split('-');
	const arg = rest.join('-');
	const statuses = String(filters.status || '').split(',');
	switch (kind) {
		case 'mine':
			return sum(c.mine, statuses);
		case 'unassigned':
			return sum(c.unassigned, statuses);
		case 'open':
		case 'pending':
		case 'solved':
			return sum(c.by_status, statuses);
		case 'channel':
			return sum(c.by_channel[arg], statuses);
		case 'tag':
			return sum(c.by_tag[arg], statuses);
		case 'saved':
			return c.views[arg] ?? null;
	}
	return null;
}

/** The tags on the most unsolved tickets, most first, at most n. */
export function topTags(c, n) {
	if (!c) return [];
	const total = (tag) => sum(c.by_tag[tag], Object.keys(c.by_tag[tag]));
	return Object.keys(c.by_tag)
		.filter((tag) => total(tag) > 0)
		.sort((a, b) => total(b) - total(a) || a.localeCompare(b))
		.slice(0, n);
}
