// Two agents at once: live replies over SSE, "is viewing" / "is replying",
// live inbox updates with a notification, and the warning before sending
// when someone else wrote meanwhile.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN, AGENT, createTicket, launch, loggedIn, screenshot, startServer } from './helpers.js';

describe('live updates and collision detection', () => {
	let server, browser, admin, agent, ticket;

	before(async () => {
		server = await startServer();
		browser = await launch();
		ticket = await createTicket(server.admin, {
			subject: 'Wrong size delivered', body: 'I ordered M and got L.', customer: { email: 'lee@example.com', name: 'Lee Min' },
		});
		admin = await loggedIn(browser, server.base, ADMIN);
		agent = await loggedIn(browser, server.base, AGENT);
	});

	after(async () => {
		assert.deepEqual([...(admin?.errors || []), ...(agent?.errors || [])], [], 'uncaught errors in the pages');
		await browser?.close();
		await server?.stop();
	});

	const openTicket = async (page) => {
		await page.evaluate((id) => (location.hash = '#/tickets/' + id), ticket.id);
		await page.waitForSelector('.conversation .msg');
	};

	test('the other agent sees "is viewing", then "is replying"', async () => {
		await openTicket(agent);
		await openTicket(admin);
		await agent.locator('.presence', { hasText: 'Admin is viewing' }).waitFor({ timeout: 5000 });
		await admin.locator('.presence', { hasText: 'Kim Jimin is viewing' }).waitFor({ timeout: 5000 });
		await admin.fill('#composer-text', 'We are sending the right size today.');
		await agent.locator('.presence', { hasText: 'Admin is replying' }).waitFor({ timeout: 5000 });
		await screenshot(agent, 'live-presence');
	});

	test("a reply appears on the other agent's screen without a reload", async () => {
		const before = await agent.locator('.msg').count();
		const t0 = Date.now();
		await admin.click('.composer button.primary');
		await agent.locator('.msg', { hasText: 'right size today' }).waitFor({ timeout: 5000 });
		console.log(`# the reply reached the other browser in ${Date.now() - t0} ms`);
		assert.equal(await agent.locator('.msg').count(), before + 1);
		await agent.locator('.presence', { hasText: 'Admin is viewing' }).waitFor({ timeout: 5000 });
		await screenshot(agent, 'live-reply');
	});

	test('sending after someone else replied asks first', async () => {
		await agent.fill('#composer-text', 'Sorry about that!');
		await admin.fill('#composer-text', 'A courier picks up the L size tomorrow.');
		await admin.click('.composer button.primary');
		await agent.locator('.msg', { hasText: 'courier picks up' }).waitFor({ timeout: 5000 });
		await agent.click('.composer button.primary');
		await agent.waitForSelector('dialog#collision[open]');
		assert.match(await agent.locator('dialog#collision').textContent(), /courier picks up/);
		await screenshot(agent, 'collision-warning');
		let { messages } = await server.admin('GET', `/tickets/${ticket.id}/messages`);
		assert.ok(!messages.some((m) => m.body === 'Sorry about that!'), 'not sent before the agent confirms');
		await agent.click('dialog#collision button.primary');
		await agent.locator('.msg', { hasText: 'Sorry about that!' }).waitFor();
		({ messages } = await server.admin('GET', `/tickets/${ticket.id}/messages`));
		assert.equal(messages.at(-1).body, 'Sorry about that!');
	});

	test('the inbox and its counts follow new tickets, with a notification', async () => {
		await admin.evaluate(() => (location.hash = '#/inbox/unassigned'));
		await admin.waitForSelector('table.tickets tbody tr');
		const count = () => admin.locator('a[href="#/inbox/unassigned"] .count').textContent();
		await admin.waitForFunction(() => document.querySelector('a[href="#/inbox/unassigned"] .count')?.textContent === '1');
		const t0 = Date.now();
		await createTicket(server.agent, { subject: 'Coupon did not apply', body: 'Code SPRING10 failed', customer: { email: 'kai@example.com' } });
		await admin.locator('td.subject', { hasText: 'Coupon did not apply' }).waitFor({ timeout: 5000 });
		console.log(`# the new ticket reached the inbox in ${Date.now() - t0} ms`);
		await admin.locator('.toast', { hasText: 'New ticket' }).waitFor({ timeout: 5000 });
		await admin.waitForFunction(() => document.querySelector('a[href="#/inbox/unassigned"] .count')?.textContent === '2');
		assert.equal(await count(), '2');
		await screenshot(admin, 'live-inbox');
	});
});
