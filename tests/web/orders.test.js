// Orders beside a ticket: the customer's orders with total, status, items,
// shipments and tracking links, the timeline on demand, linking and
// unlinking an order, the Korean labels, and a hostile order as plain text.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AGENT, createTicket, launch, loggedIn, lowContrast, screenshot, startServer } from './helpers.js';

const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const EMAIL = 'hana@example.kr';

const order = (number, changes = {}) => ({
	number, email: EMAIL, customer: { name: 'Hana Choi' }, currency: 'EUR', total: '1234.50',
	placed_at: '2026-11-20T10:00:00+01:00', financial_status: 'paid', fulfillment_status: 'fulfilled',
	items: [{ sku: 'LAMP-1', name: 'Brass lamp', variant: 'large', quantity: 2, price: '617.25' }],
	shipments: [{
		external_id: 'shp-1', carrier: 'DHL', tracking_number: 'JD0123456789',
		tracking_url: 'https://track.example/JD0123456789', status: 'in_transit',
		shipped_at: '2026-11-21T09:00:00+01:00',
	}],
	...changes,
});

describe('orders in the ticket sidebar', () => {
	let server, browser, page, ticket, older, newer, hostile;

	before(async () => {
		server = await startServer();
		browser = await launch();
		await server.admin('POST', '/stores', { slug: 'lamps', name: 'Lamp Shop', platform: 'custom' });
		const put = async (ext, doc) => (await server.admin('PUT', `/stores/lamps/orders/${ext}`, doc)).order;
		older = await put('o-1', order('#1001'));
		newer = await put('o-2', order('#1002', {
			placed_at: '2026-11-25T10:00:00+01:00', total: '39.00',
			shipments: [{ external_id: 'shp-2', carrier: 'UPS', tracking_number: '1Z999', tracking_url: 'javascript:window.__pwned=1', status: 'delivered' }],
		}));
		hostile = await put('o-3', order(HOSTILE, {
			placed_at: '2026-11-01T10:00:00+01:00', currency: 'JPY', total: '15400',
			items: [{ name: HOSTILE, variant: HOSTILE, quantity: 1, price: '15400' }],
			shipments: [{ external_id: 'shp-3', carrier: HOSTILE, tracking_number: HOSTILE, status: 'packed' }],
		}));
		// a scan moves the first order on: its timeline has more than its creation
		await server.admin('POST', `/shipments/${older.shipments[0].id}/events`, { status: 'out_for_delivery', at: '2026-11-22T08:00:00+01:00' });
		ticket = await createTicket(server.admin, { subject: 'Where is my lamp?', body: 'It has not come.', customer: { email: EMAIL, name: 'Hana Choi' } });
		page = await loggedIn(browser, server.base, AGENT);
		await page.evaluate((id) => (location.hash = '#/tickets/' + id), ticket.id);
		await page.waitForSelector('.orders .order');
	});

	after(async () => {
		assert.deepEqual(page?.errors || [], [], 'uncaught errors in the page');
		await browser?.close();
		await server?.stop();
	});

	const card = (o) => page.locator(`.orders .order[data-order="${o.id}"]`).first();

	test('the sidebar lists the customer orders newest first with total, status and shipments', async () => {
		assert.deepEqual(await page.locator('.orders .order h4').allTextContents(), ['#1002', '#1001', HOSTILE]);
		const first = card(older);
		assert.equal(await first.locator('.total').textContent(), '€1,234.50');
		assert.equal(await first.locator('header .badge').textContent(), 'Out for delivery');
		assert.match(await first.locator('.order-items').textContent(), /2 × Brass lamp\s*large/);
		assert.equal(await first.locator('.shipment .carrier').textContent(), 'DHL');
		assert.equal(await first.locator('.shipment .tracking').textContent(), 'JD0123456789');
		const link = first.locator('.shipment a');
		assert.equal(await link.getAttribute('href'), 'https://track.example/JD0123456789');
		assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
		assert.equal(await link.getAttribute('target'), '_blank');
		// a javascript: tracking URL is no link at all
		assert.equal(await card(newer).locator('.shipment a').count(), 0);
		assert.equal(await card(newer).locator('.shipment .badge').textContent(), 'Delivered');
		assert.equal(await card(hostile).locator('.total').textContent(), '¥15,400');
		assert.deepEqual(await lowContrast(page), []);
	});

	test('the timeline is collapsed until asked for', async () => {
		const first = card(older);
		assert.equal(await first.locator('.order-timeline').count(), 0);
		await first.locator('summary').click();
		await first.locator('.order-timeline li').nth(1).waitFor();
		const lines = await first.locator('.order-timeline li').allTextContents();
		assert.match(lines[0], /Order received/);
		assert.match(lines.join('\n'), /Out for delivery/);
	});

	test('a hostile order number, item, carrier and tracking number are text', async () => {
		const h = card(hostile);
		assert.equal(await h.locator('h4').textContent(), HOSTILE);
		assert.match(await h.locator('.order-items').textContent(), /1 × <img src=x onerror/);
		assert.equal(await h.locator('.shipment .carrier').textContent(), HOSTILE);
		assert.equal(await h.locator('.shipment .tracking').textContent(), HOSTILE);
		assert.equal(await page.locator('.orders img').count(), 0);
		assert.equal(await page.evaluate(() => window.__pwned), undefined);
	});

	test('an agent links an order to the ticket and unlinks it', async () => {
		await card(older).locator('button', { hasText: 'Link to this ticket' }).click();
		await page.locator('.linked-order .order[data-order="' + older.id + '"]').waitFor();
		assert.equal((await server.admin('GET', `/tickets/${ticket.id}`)).ticket.order_id, older.id);
		assert.match(await page.locator('.linked-order-line').textContent(), /About order #1001\s*Out for delivery/);
		await page.locator('.event', { hasText: 'changed the linked order from none to #1001' }).waitFor();
		await screenshot(page, 'ticket-orders');
		await page.locator('.linked-order button', { hasText: 'Unlink from this ticket' }).click();
		await page.locator('.linked-order').waitFor({ state: 'detached' });
		assert.equal((await server.admin('GET', `/tickets/${ticket.id}`)).ticket.order_id, null);
		await page.locator('.event', { hasText: 'changed the linked order from #1001 to none' }).waitFor();
		assert.equal(await page.locator('.linked-order-line').count(), 0);
	});

	test('the Korean UI labels the orders', async () => {
		await server.admin('PATCH', `/tickets/${ticket.id}`, { order_id: newer.id });
		await page.selectOption('#lang', 'ko');
		try {
			await page.waitForFunction(() => document.documentElement.lang === 'ko');
			await page.locator('.linked-order h3', { hasText: '연결된 주문' }).waitFor();
			assert.equal(await page.locator('#orders-title').textContent(), '주문');
			assert.equal(await card(newer).locator('header .badge').textContent(), '배송 완료');
			assert.equal(await card(newer).locator('button.link').textContent(), '이 티켓에서 연결 해제');
			assert.equal(await card(older).locator('header .badge').textContent(), '배달 출발');
			assert.equal(await card(older).locator('.shipment a').textContent(), '배송 조회');
			assert.equal(await card(older).locator('summary').textContent(), '처리 내역');
			assert.equal(await card(older).locator('.total').textContent(), '€1,234.50');
			await screenshot(page, 'ticket-orders-ko');
		} finally {
			await page.selectOption('#lang', 'en');
			await page.waitForFunction(() => document.documentElement.lang === 'en');
		}
	});
});
