// The WISMO suggested answer on the ticket page: a card above the composer
// with the order, its state and the ready reply; "Use this answer" fills the
// composer and sends nothing; Korean labels; no card without the wismo tag;
// a hostile order number as plain text.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AGENT, createTicket, launch, loggedIn, lowContrast, screenshot, startServer, unlabelledControls } from './helpers.js';

const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const EMAIL = 'mika@example.jp';

const order = (number) => ({
	number, email: EMAIL, customer: { name: 'Mika Sato' }, currency: 'JPY', total: '4800',
	placed_at: '2026-12-01T10:00:00+09:00', financial_status: 'paid', fulfillment_status: 'fulfilled',
	shipments: [{
		external_id: 'shp-' + number, carrier: 'Yamato', tracking_number: '4455-6677-8899',
		tracking_url: 'https://track.example/4455', status: 'in_transit', eta: '2026-12-09T18:00:00+09:00',
	}],
});

describe('the WISMO suggested answer', () => {
	let server, browser, page, mine, ticket, plain, hostile;

	const open = async (t) => {
		await page.evaluate((id) => (location.hash = '#/tickets/' + id), t.id);
		await page.locator('#ticket-title', { hasText: t.subject }).waitFor();
	};
	const card = () => page.locator('.wismo-card');

	before(async () => {
		server = await startServer();
		browser = await launch();
		const store = (await server.admin('POST', '/stores', { slug: 'tea', name: 'Tea Shop', platform: 'custom' })).store;
		await server.admin('PATCH', `/stores/${store.id}`, { wismo: 'suggest' });
		mine = (await server.admin('PUT', '/stores/tea/orders/o-1', order('#5501'))).order;
		const odd = (await server.admin('PUT', '/stores/tea/orders/o-2', order(HOSTILE))).order;
		ticket = await createTicket(server.admin, {
			subject: 'Where is my order #5501?', body: 'It has not arrived yet.', customer: { email: EMAIL, name: 'Mika Sato' },
		});
		plain = await createTicket(server.admin, {
			subject: 'A question about gift wrapping', body: 'Can you wrap it?', customer: { email: EMAIL, name: 'Mika Sato' },
		});
		hostile = await createTicket(server.admin, {
			subject: 'Where is my parcel?', body: 'It has not arrived yet.', customer: { email: EMAIL, name: 'Mika Sato' },
		});
		await server.admin('PATCH', `/tickets/${hostile.id}`, { order_id: odd.id, tags: ['wismo'] });
		page = await loggedIn(browser, server.base, AGENT);
	});

	after(async () => {
		assert.deepEqual(page?.errors || [], [], 'uncaught errors in the page');
		await browser?.close();
		await server?.stop();
	});

	test('the card shows the order, its state and the ready reply', async () => {
		const t = (await server.admin('GET', `/tickets/${ticket.id}`)).ticket;
		assert.ok(t.tags.includes('wismo'), 'the question is tagged wismo');
		assert.equal(t.order_id, mine.id, 'the number links the order');
		await open(ticket);
		await card().waitFor();
		assert.equal(await card().getAttribute('aria-label'), 'Suggested answer');
		assert.equal(await card().locator('.num').textContent(), '#5501');
		assert.equal(await card().locator('.badge').textContent(), 'In transit');
		assert.match(await card().locator('.wismo-reply').textContent(), /#5501/);
		assert.equal(await card().locator('.wismo-automatic').count(), 0, 'suggest sent nothing automatically');
		assert.deepEqual(await unlabelledControls(page), []);
		assert.deepEqual(await lowContrast(page), []);
		await screenshot(page, 'ticket-wismo');
	});

	test('"Use this answer" fills the composer and sends nothing', async () => {
		const reply = await card().locator('.wismo-reply').textContent();
		await card().getByRole('button', { name: 'Use this answer' }).click();
		assert.equal(await page.locator('#composer-text').inputValue(), reply);
		assert.equal(await page.evaluate(() => document.activeElement.id), 'composer-text');
		// a draft already written keeps its text, the answer follows a blank line
		await page.locator('#composer-text').fill('Hello!');
		await card().getByRole('button', { name: 'Use this answer' }).press('Enter');
		assert.equal(await page.locator('#composer-text').inputValue(), 'Hello!\n\n' + reply);
		assert.equal((await server.admin('GET', `/tickets/${ticket.id}/messages`)).messages.length, 1);
		await page.locator('#composer-text').fill('');
	});

	test('the Korean UI labels the card', async () => {
		await page.selectOption('#lang', 'ko');
		try {
			await page.waitForFunction(() => document.documentElement.lang === 'ko');
			await page.locator('.wismo-card strong', { hasText: '추천 답변' }).waitFor();
			assert.equal(await card().getAttribute('aria-label'), '추천 답변');
			assert.equal(await card().locator('.badge').textContent(), '배송 중');
			assert.equal(await card().locator('button').textContent(), '이 답변 사용');
		} finally {
			await page.selectOption('#lang', 'en');
			await page.waitForFunction(() => document.documentElement.lang === 'en');
		}
	});

	test('a ticket without the wismo tag shows no card', async () => {
		assert.ok(!(await server.admin('GET', `/tickets/${plain.id}`)).ticket.tags.includes('wismo'));
		await open(plain);
		await page.locator('.composer').waitFor();
		await page.locator('.orders .order').first().waitFor();
		assert.equal(await card().count(), 0);
	});

	test('a hostile order number is text', async () => {
		await open(hostile);
		await card().waitFor();
		assert.equal(await card().locator('.num').textContent(), HOSTILE);
		assert.equal(await card().locator('img').count(), 0);
		assert.equal(await page.evaluate(() => window.__pwned), undefined);
	});
});
