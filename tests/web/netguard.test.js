// A server started without --allow-private-targets refuses webhooks and
// mailbox servers at private addresses: the admin pages show its reason, as
// text, and keep what was typed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN, launch, loggedIn, screenshot, startServer } from './helpers.js';

describe('private targets', () => {
	let server, browser, page;

	before(async () => {
		server = await startServer({ allowPrivate: false });
		browser = await launch();
		page = await loggedIn(browser, server.base, ADMIN);
	});

	after(async () => {
		assert.deepEqual(page?.errors || [], [], 'uncaught errors in the page');
		await browser?.close();
		await server?.stop();
	});

	const open = async (hash, selector) => {
		await page.evaluate((h) => (location.hash = h), hash);
		await page.waitForSelector(selector);
	};

	test('a webhook to the metadata address is refused with the reason', async () => {
		await open('#/admin/webhooks', '#hook-url');
		await page.fill('#hook-url', 'http://169.254.169.254/latest/meta-data/');
		await page.check('input[value="ticket.created"]');
		await page.click('form.stack button.primary');
		const refusal = page.locator('p.error[role=alert]');
		await refusal.waitFor();
		assert.match(await refusal.textContent(), /webhook url resolves to a private address \(169\.254\.169\.254, link-local\)/);
		assert.equal(await page.inputValue('#hook-url'), 'http://169.254.169.254/latest/meta-data/');
		assert.deepEqual((await server.admin('GET', '/webhooks')).webhooks, []);
		await screenshot(page, 'admin-webhook-private');
	});

	test('a mailbox whose SMTP server is on the private network is refused with the reason', async () => {
		await open('#/admin/mailboxes', 'main h1');
		await page.getByRole('button', { name: 'Add mailbox' }).click();
		await page.waitForFunction(() => document.activeElement?.id === 'mb-address');
		await page.fill('#mb-address', 'support@shop.example');
		await page.fill('#smtp-host', '10.0.0.1');
		await page.fill('#smtp-port', '25');
		await page.selectOption('#smtp-security', 'none');
		await page.click('#mailbox-form button.primary');
		const refusal = page.locator('#mailbox-form .error');
		await refusal.waitFor();
		assert.match(await refusal.textContent(), /smtp host resolves to a private address \(10\.0\.0\.1, private network\)/);
		assert.equal(await page.inputValue('#smtp-host'), '10.0.0.1');
		assert.deepEqual((await server.admin('GET', '/mailboxes')).mailboxes, []);
		await screenshot(page, 'admin-mailbox-private');

		// a public address saves
		await page.fill('#smtp-host', '8.8.8.8');
		await page.click('#mailbox-form button.primary');
		await page.locator('table.mailboxes tbody tr', { hasText: 'support@shop.example' }).waitFor();
		const [b] = (await server.admin('GET', '/mailboxes')).mailboxes;
		assert.equal(b.smtp.host, '8.8.8.8');
	});
});
