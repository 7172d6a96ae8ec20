// Hostile content: an email's HTML with scripts, handlers, javascript: links,
// CSS tricks and frames is shown and none of it runs; names and subjects with
// markup are text everywhere (inbox, search, sidebar, notifications).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ADMIN, createTicket, launch, loggedIn, screenshot, startServer } from './helpers.js';

const MARKUP = '<b>markup</b><img src=x onerror="window.__pwned=1">';
// `out` is a server of the test's own standing in for the sender's: any
// request that reaches it is content that escaped the frame's policy.
const email = (out) => `<html><head><style>
	@import url(${out}/import.css);
	body { background: url(${out}/background.png); }
	@font-face { font-family: x; src: url(${out}/font.woff2); }
	p { font-family: x; }
	.cover { position: fixed; inset: 0; z-index: 2147483647; background: red; }
</style><meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">
<link rel="stylesheet" href="${out}/link.css"><link rel="prefetch" href="${out}/prefetch"></head><body>
<p>Hello, my order is late.</p>
<script>window.__pwned = 1; parent.__pwned = 1; top.__pwned = 1;</script>
<img src=x onerror="window.__pwned=1; parent.__pwned=1">
<img src="https://evil.example/pixel.gif" width=1 height=1><img src="${out}/pixel.gif">
<video poster="${out}/poster.png"></video><audio src="${out}/audio.mp3" autoplay></audio>
<a id="js" href="javascript:window.__pwned=1;parent.__pwned=1">click me</a>
<svg onload="parent.__pwned=1"><circle r=5 /></svg>
<form action="${out}/steal"><input name=q value=x><button id="steal">go</button></form>
<iframe srcdoc="<script>parent.parent.__pwned=1</script>"></iframe>
<iframe src="javascript:parent.__pwned=1"></iframe><iframe src="${out}/frame"></iframe>
<object data="javascript:parent.__pwned=1"></object>
<div class="cover">covering everything</div>
</body></html>`;

describe('hostile content', () => {
	let server, browser, page, ticket, out;
	const escaped = [];

	before(async () => {
		out = createServer((req, res) => (escaped.push(req.url), res.end()));
		await new Promise((ok) => out.listen(0, '127.0.0.1', ok));
		server = await startServer();
		browser = await launch();
		page = await loggedIn(browser, server.base, ADMIN);
		await page.evaluate(() => (location.hash = '#/inbox/open'));
		await page.waitForSelector('.inbox');
		// Created by the other agent, so the admin's page also shows a notification.
		ticket = await createTicket(server.agent, {
			subject: `Zebra ${MARKUP}`, body: 'zebra crossing', customer: { email: 'evil@example.com', name: `Eve ${MARKUP}` },
		});
		const html = email(`http://127.0.0.1:${out.address().port}`);
		await server.agent('POST', `/tickets/${ticket.id}/messages`, { body: 'Hello, my order is late.', html });
	});

	after(async () => {
		await browser?.close();
		await server?.stop();
		out?.close();
	});

	const pwned = async () => {
		const seen = [];
		for (const frame of page.frames()) {
			// A frame blocked by the policy never gets a window to ask: give up after a second.
			const late = new Promise((ok) => setTimeout(ok, 1000));
			const v = await Promise.race([frame.evaluate(() => window.__pwned).catch(() => undefined), late]);
			if (v !== undefined) seen.push(frame.url());
		}
		return seen;
	};

	test('names and subjects with markup are text in the inbox and the notification', async () => {
		const toast = page.locator('.toast', { hasText: 'Zebra' });
		await toast.waitFor({ timeout: 5000 });
		assert.equal(await toast.textContent(), `New ticket #${ticket.number}: Zebra ${MARKUP}`);
		const row = page.locator('tbody tr', { hasText: 'Zebra' });
		await row.waitFor();
		assert.match(await row.locator('td.subject a').textContent(), /Zebra <b>markup<\/b><img src=x onerror/);
		await row.locator('td', { hasText: 'Eve' }).waitFor();
		assert.equal(await row.locator('b, img').count(), 0);
		assert.equal(await toast.locator('b, img').count(), 0);
		await screenshot(page, 'hostile-inbox');
	});

	test('the email HTML is shown in a sandboxed frame and nothing in it runs', async () => {
		await page.evaluate((id) => (location.hash = '#/tickets/' + id), ticket.id);
		const frameEl = page.locator('iframe.email');
		await frameEl.waitFor();
		assert.equal(await frameEl.getAttribute('sandbox'), '');
		const srcdoc = await frameEl.getAttribute('srcdoc');
		assert.ok(srcdoc.indexOf("Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"") > 0);
		assert.ok(srcdoc.indexOf('Content-Security-Policy') < srcdoc.indexOf('<p>Hello'), 'the policy comes before the email');
		const frame = await frameEl.elementHandle().then((h) => h.contentFrame());
		await frame.waitForSelector('#js');
		assert.match(await frame.locator('body').textContent(), /Hello, my order is late/);

		// Clicking inside does nothing either; the cover stays inside its frame.
		await frame.locator('#js').click({ force: true });
		await frame.locator('#steal').click({ force: true }).catch(() => {});
		await page.waitForTimeout(500);
		assert.deepEqual(await pwned(), []);
		assert.equal(await page.evaluate(() => window.__pwned), undefined);
		await page.click('#composer-text'); // would hit the red cover if it escaped the frame
		assert.deepEqual(escaped, []);
		await screenshot(page, 'hostile-ticket');
	});

	test('remote images load only after "show images", and still no script runs', async () => {
		assert.deepEqual(escaped, [], 'nothing was fetched from the outside before the agent allowed images');
		await page.click('.images-blocked button');
		await page.waitForFunction(() => document.querySelector('iframe.email').srcdoc.includes('img-src data: https:'));
		const frame = await page.locator('iframe.email').elementHandle().then((h) => h.contentFrame());
		await frame.waitForSelector('#js');
		await page.waitForTimeout(300);
		assert.deepEqual(await pwned(), []);
		assert.equal(await page.evaluate(() => window.__pwned), undefined);
		assert.deepEqual(escaped, [], 'still nothing but https images may be fetched');
	});

	test('the customer sidebar and search results show markup as text', async () => {
		const name = page.locator('.customer h2');
		await name.waitFor();
		assert.equal(await name.textContent(), `Eve ${MARKUP}`);
		assert.equal(await page.locator('.customer b, .customer img').count(), 0);
		await page.fill('#search-q', 'zebra');
		const result = page.locator('.results li', { hasText: 'Zebra' }).first();
		await result.waitFor();
		assert.match(await result.locator('a').textContent(), /<b>markup<\/b><img src=x/);
		assert.ok((await page.locator('.results mark').count()) > 0, 'matches are still marked');
		assert.equal(await page.locator('.results b, .results img').count(), 0);
		assert.equal(await page.evaluate(() => window.__pwned), undefined);
		await screenshot(page, 'hostile-search');
	});
});
