// Attachments in the agent web app: a file picked in the composer is uploaded,
// shown as a chip, sent with the reply, listed under the message and
// downloadable byte for byte; a file name with markup stays text.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { AGENT, createTicket, launch, loggedIn, screenshot, startServer } from './helpers.js';

describe('attachments', () => {
	let server, browser, page, ticket;

	before(async () => {
		server = await startServer();
		browser = await launch();
		ticket = await createTicket(server.admin, { subject: 'Receipt please', body: 'Can you send the receipt?', customer: { email: 'mina@example.com', name: 'Mina Park' } });
		page = await loggedIn(browser, server.base, AGENT);
	});

	after(async () => {
		assert.deepEqual(page?.errors || [], [], 'uncaught errors in the page');
		await browser?.close();
		await server?.stop();
	});

	const openTicket = async () => {
		await page.evaluate((id) => (location.hash = '#/tickets/' + id), ticket.id);
		await page.waitForSelector('#composer-text');
	};
	const pick = async (name, mimeType, buffer) => {
		await page.setInputFiles('#composer-files', { name, mimeType, buffer });
		const chip = page.locator('.chips .chip', { hasText: name });
		await chip.waitFor();
		await chip.locator('progress').waitFor({ state: 'detached' });
		return chip;
	};
	const reply = async (text) => {
		await page.fill('#composer-text', text);
		await page.click('.composer button.primary');
		return page.locator('.conversation .msg', { hasText: text }).waitFor().then(() => page.locator('.conversation .msg', { hasText: text }));
	};

	test('a file with a Korean name goes with a reply and downloads byte for byte', async () => {
		await openTicket();
		const name = '배송 영수증 (최종).bin';
		const bytes = Buffer.concat([Buffer.from('영수증\r\n', 'utf8'), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256))]);
		const chip = await pick(name, 'application/octet-stream', bytes);
		assert.equal(await chip.locator('.name').textContent(), name);
		assert.equal(await chip.locator('.error').count(), 0);
		await screenshot(page, 'composer-attachment');

		const msg = await reply('Here is your receipt.');
		const link = msg.locator('.attachments a', { hasText: name });
		await link.waitFor();
		assert.equal(await page.locator('.chips').count(), 0, 'the chips are gone once sent');
		assert.match(await msg.locator('.attachments li').textContent(), /3(\.\d)? kB/);

		const { messages } = await server.agent('GET', `/tickets/${ticket.id}/messages`);
		const sent = messages.at(-1);
		assert.equal(sent.body, 'Here is your receipt.');
		assert.deepEqual(sent.attachments.map((a) => [a.filename, a.size]), [[name, bytes.length]]);

		const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
		assert.equal(download.suggestedFilename(), name);
		assert.ok((await readFile(await download.path())).equals(bytes), 'the downloaded bytes are the uploaded ones');
		await screenshot(page, 'message-attachment');
	});

	test('a file name with markup is shown as text', async () => {
		await openTicket();
		// no "/": the server keeps what follows the last one, as a path's base name
		const name = '<img src=x onerror="window.pwned=1"><b>bold<b> & <i>.txt';
		const chip = await pick(name, 'text/plain', Buffer.from('hello'));
		assert.equal(await chip.locator('.name').textContent(), name);
		assert.equal(await page.locator('.chips img, .chips b').count(), 0);
		const msg = await reply('Markup in a file name.');
		await msg.locator('.attachments a').waitFor();
		assert.equal(await msg.locator('.attachments a').textContent(), name);
		assert.equal(await page.locator('.attachments img, .attachments b, .attachments i').count(), 0);
		assert.equal(await page.evaluate(() => window.pwned), undefined);
	});

	test('the picker works from the keyboard, and a removed file is not sent', async () => {
		await openTicket();
		const attach = page.getByRole('button', { name: 'Attach files' });
		await page.locator('.conversation .msg').first().waitFor();
		const [chooser] = await Promise.all([page.waitForEvent('filechooser'), attach.press('Enter')]);
		await chooser.setFiles([{ name: 'keep.txt', mimeType: 'text/plain', buffer: Buffer.from('keep') },
			{ name: 'drop.txt', mimeType: 'text/plain', buffer: Buffer.from('drop') }]);
		for (const n of ['keep.txt', 'drop.txt'])
			await page.locator('.chip', { hasText: n }).locator('progress').waitFor({ state: 'detached' });
		await page.getByRole('button', { name: 'Remove drop.txt' }).click();
		await page.locator('.chip', { hasText: 'drop.txt' }).waitFor({ state: 'detached' });
		const msg = await reply('Only one file.');
		await msg.locator('.attachments a').waitFor();
		assert.deepEqual(await msg.locator('.attachments a').allTextContents(), ['keep.txt']);
	});
});
