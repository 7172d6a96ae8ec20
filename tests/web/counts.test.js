// Inbox counts come from GET /api/v1/tickets/counts: exact beyond a page of
// tickets (no "100+"), the same in the side nav and the inbox heading, and
// following tickets made elsewhere.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN, createTicket, launch, loggedIn, screenshot, startServer } from './helpers.js';

const SOLVED = 105;
const UNASSIGNED = 12;

async function inBatches(n, size, fn) {
	for (let i = 0; i < n; i += size)
		await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, j) => fn(i + j)));
}

describe('inbox counts', () => {
	let server, browser, page;

	before(async () => {
		server = await startServer();
		browser = await launch();
		await inBatches(SOLVED, 8, async (i) => {
			const tk = await createTicket(server.admin, { subject: `Solved ${i}`, body: 'Thanks, all good', customer: { email: `s${i}@example.com` } });
			await server.admin('PATCH', '/tickets/' + tk.id, { status: 'solved' });
		});
		await inBatches(UNASSIGNED, 8, (i) => createTicket(server.admin, { subject: `Waiting ${i}`, body: 'Hello?', customer: { email: `w${i}@example.com` }, channel: 'chat' }));
		page = await loggedIn(browser, server.base, ADMIN);
	});

	after(async () => {
		assert.deepEqual(page?.errors || [], [], 'uncaught errors in the page');
		await browser?.close();
		await server?.stop();
	});

	const navCount = (view) => page.locator(`nav.side-nav a[href="#/inbox/${view}"] .count`);
	const waitCount = (view, text) => page.waitForFunction(([v, t]) =>
		document.querySelector(`nav.side-nav a[href="#/inbox/${v}"] .count`)?.textContent === t, [view, text]);

	test('counts are exact beyond one page of tickets', async () => {
		await waitCount('solved', String(SOLVED));
		await waitCount('unassigned', String(UNASSIGNED));
		await waitCount('open', String(UNASSIGNED));
		await waitCount('channel-chat', String(UNASSIGNED));
		await waitCount('mine', '0');
		for (const text of await page.locator('nav.side-nav .count').allTextContents())
			assert.match(text, /^\d+$/, 'a count is a number, never "N+"');
		assert.equal(await navCount('channel-email').textContent(), '0');
	});

	test('the inbox heading gives the whole count while one page is shown', async () => {
		await page.evaluate(() => (location.hash = '#/inbox/solved'));
		await page.waitForSelector('table.tickets tbody tr');
		await page.waitForFunction((n) => document.querySelector('.page-head .muted')?.textContent === `${n} tickets`, SOLVED);
		assert.equal(await page.locator('table.tickets tbody tr').count(), 50);
		assert.equal(await page.locator('button.more').count(), 1);
		await screenshot(page, 'counts-solved');
	});

	test('counts follow tickets made and changed elsewhere', async () => {
		const tk = await createTicket(server.agent, { subject: 'One more', body: 'Hi', customer: { email: 'more@example.com' } });
		await waitCount('unassigned', String(UNASSIGNED + 1));
		await server.agent('PATCH', '/tickets/' + tk.id, { status: 'solved' });
		await waitCount('solved', String(SOLVED + 1));
		await waitCount('unassigned', String(UNASSIGNED));
	});
});
