// Email in the agent web app: an admin sets up a mailbox on its page (the
// passwords never come back into the page), an agent cannot; an email shows
// in the conversation with its original, a reply shows where its email is,
// and failures, bounces, poll errors and names with markup are text.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { ADMIN, AGENT, launch, loggedIn, lowContrast, screenshot, startServer, unlabelledControls } from './helpers.js';

// Poll every second, so poll errors show up while the test looks.
process.env.DESKD_MAIL_POLL_SECONDS = '1';

const MARKUP = '<b>markup</b><img src=x onerror="window.__pwned=1">';
const IMAP_SECRET = 'imap-Secret-4417';
const SMTP_SECRET = 'smtp-Secret-9902';

/** A line server standing in for a mail server: answer(line) gives the reply to each line. */
async function lineServer(greeting, answer) {
	const server = createServer((sock) => {
		sock.write(greeting);
		let buf = '';
		sock.on('data', (d) => {
			buf += d;
			for (let i; (i = buf.indexOf('\n')) >= 0;) {
				const line = buf.slice(0, i).replace(/\r$/, '');
				buf = buf.slice(i + 1);
				const reply = answer(line);
				if (reply) sock.write(reply);
			}
		});
		sock.on('error', () => {});
	});
	await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
	return server;
}

// An IMAP server that refuses every login; an SMTP server that refuses every sender for good.
const imapRefusing = () => lineServer('* OK ready\r\n', (line) => {
	const [tag, cmd] = line.split(' ');
	if (/^capability$/i.test(cmd)) return `* CAPABILITY IMAP4rev1\r\n${tag} OK done\r\n`;
	return `${tag} NO [AUTHENTICATIONFAILED] no\r\n`;
});
const smtpRefusing = () => lineServer('220 fake ESMTP\r\n', (line) => {
	if (/^(ehlo|helo)/i.test(line)) return '250-fake\r\n250 OK\r\n';
	if (/^quit/i.test(line)) return '221 bye\r\n';
	return `550 5.7.1 refused ${MARKUP}\r\n`;
});

// An SMTP server that takes every email; received gets the text of each.
function smtpAccepting(received) {
	let data = null;
	return lineServer('220 fake ESMTP\r\n', (line) => {
		if (data && line !== '.') return void data.push(line);
		if (data) return (received.push(data.join('\n')), (data = null), '250 2.0.0 queued\r\n');
		if (/^data/i.test(line)) return (data = []), '354 go ahead\r\n';
		if (/^(ehlo|helo)/i.test(line)) return '250-fake\r\n250 OK\r\n';
		if (/^quit/i.test(line)) return '221 bye\r\n';
		return '250 OK\r\n';
	});
}

// A PNG of w×h red pixels.
function png(w, h) {
	const chunk = (type, data) => {
		const body = Buffer.concat([Buffer.from(type), data]);
		const out = Buffer.alloc(body.length + 8);
		out.writeUInt32BE(data.length, 0);
		body.copy(out, 4);
		out.writeUInt32BE(crc32(body), body.length + 4);
		return out;
	};
	const header = Buffer.alloc(13);
	header.writeUInt32BE(w, 0);
	header.writeUInt32BE(h, 4);
	header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
	const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3, Buffer.from([255, 0, 0]))]);
	return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header),
		chunk('IDAT', deflateSync(Buffer.concat(Array(h).fill(row)))), chunk('IEND', Buffer.alloc(0))]);
}

const email = ({ from = 'Mina Park <mina@example.com>', to = 'support@shop.example', subject, id, headers = '', body }) => Buffer.concat([
	Buffer.from(`From: ${from}\r\nTo: ${to}\r\n${headers}Subject: ${subject}\r\nMessage-ID: <${id}>\r\n` +
		// written now: mail over a day old is never acknowledged
		`Date: ${new Date().toUTCString().replace('GMT', '+0000')}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n` +
		'Content-Transfer-Encoding: 8bit\r\n\r\n'),
	Buffer.from(body),
]);

// A delivery-status report (RFC 3464) about the email with Message-ID mid.
const bounce = (mid, text) => Buffer.from('From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n' +
	'To: support@shop.example\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.example.net>\r\n' +
	'Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n' +
	'Content-Type: multipart/report; report-type=delivery-status; boundary="RR"\r\n\r\n' +
	`--RR\r\nContent-Type: text/plain\r\n\r\n${text}\r\n` +
	'--RR\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n' +
	'Final-Recipient: rfc822; mina@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n' +
	`--RR\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@shop.example\r\nTo: mina@example.com\r\nMessage-ID: <${mid}>\r\n` +
	'--RR--\r\n');

describe('email', () => {
	let server, browser, page, imap, smtp, inbound;

	before(async () => {
		[imap, smtp] = await Promise.all([imapRefusing(), smtpRefusing()]);
		server = await startServer();
		browser = await launch();
		page = await loggedIn(browser, server.base, ADMIN);
		page.on('dialog', (d) => d.accept());
	});

	after(async () => {
		assert.deepEqual(page?.errors || [], [], 'uncaught errors in the page');
		await browser?.close();
		await server?.stop();
		imap?.close();
		smtp?.close();
	});

	const open = async (hash, selector) => {
		await page.evaluate((h) => (location.hash = h), hash);
		await page.waitForSelector(selector);
	};
	const row = (text) => page.locator('table.mailboxes tbody tr', { hasText: text });
	const noSecrets = async () => {
		const content = await page.content();
		for (const secret of [IMAP_SECRET, SMTP_SECRET]) assert.ok(!content.includes(secret), `${secret} is in the page`);
	};

	test('an admin adds a mailbox on its page, and its passwords never come back', async () => {
		await open('#/admin/mailboxes', 'main h1');
		assert.equal(await page.locator('main h1').textContent(), 'Mailboxes');
		await page.getByRole('button', { name: 'Add mailbox' }).click();
		// the form takes the focus (once it has rendered)
		await page.waitForFunction(() => document.activeElement?.id === 'mb-address');
		await page.fill('#mb-address', 'support@shop.example');
		await page.fill('#mb-name', 'Shop Support');
		await page.fill('#imap-host', '127.0.0.1');
		await page.fill('#imap-port', '9');
		await page.selectOption('#imap-security', 'none');
		await page.fill('#imap-user', 'support@shop.example');
		await page.fill('#imap-password', IMAP_SECRET);
		await page.fill('#smtp-host', '127.0.0.1');
		await page.fill('#smtp-port', '9');
		await page.selectOption('#smtp-security', 'none');
		await page.fill('#smtp-password', SMTP_SECRET);
		await page.fill('#mb-charsets', 'euc-kr, shift_jis');
		await page.check('input[name=ack]');
		await page.fill('#ack-en', 'Hi {{customer.first_name}}, we got it: {{ticket.number}}.');
		await page.fill('#ack-ko', '{{customer.name}}님, 접수되었습니다: {{ticket.subject}}');
		assert.match(await page.locator('#ack-placeholders').textContent(), /\{\{customer\.first_name\}\}.*\{\{customer\.name\}\}.*\{\{ticket\.number\}\}.*\{\{ticket\.subject\}\}/);
		assert.deepEqual(await unlabelledControls(page), []);
		await screenshot(page, 'admin-mailbox-new');
		await page.click('#mailbox-form button.primary');
		await row('support@shop.example').waitFor();
		await page.locator('#mailbox-form').waitFor({ state: 'detached' });
		await noSecrets();

		const { mailboxes } = await server.admin('GET', '/mailboxes');
		assert.equal(mailboxes.length, 1);
		const [b] = mailboxes;
		assert.equal(b.name, 'Shop Support');
		assert.deepEqual([b.imap.host, b.imap.port, b.imap.security, b.imap.user, b.imap.password_set], ['127.0.0.1', 9, 'none', 'support@shop.example', true]);
		assert.deepEqual([b.smtp.port, b.smtp.password_set, b.smtp.tls_verify], [9, true, true]);
		assert.deepEqual(b.fallback_charsets, ['euc-kr', 'shift_jis']);
		assert.deepEqual(b.auto_ack, { enabled: true, templates: { en: 'Hi {{customer.first_name}}, we got it: {{ticket.number}}.', ko: '{{customer.name}}님, 접수되었습니다: {{ticket.subject}}' } });

		// Nothing listens on port 9: the poll's error shows, prominently and as text.
		const error = row('support@shop.example').locator('.poll-error');
		await error.waitFor();
		assert.match(await error.textContent(), /Polling failed: imap: .*port 9/);
		assert.match(await row('support@shop.example').locator('time').textContent(), /now|second|minute/);
		assert.deepEqual(await lowContrast(page), []);
		await screenshot(page, 'admin-mailboxes');
	});

	test('editing keeps the passwords, says they are set, and shows a refusal beside the form', async () => {
		await open('#/admin/mailboxes', 'table.mailboxes tbody tr');
		await row('support@shop.example').getByRole('button', { name: 'Edit support@shop.example' }).click();
		await page.locator('#mailbox-form').waitFor();
		assert.equal(await page.inputValue('#imap-password'), '');
		assert.equal(await page.inputValue('#smtp-password'), '');
		assert.match(await page.locator('#imap-password-state').textContent(), /password is set/);
		assert.match(await page.locator('#smtp-password-state').textContent(), /password is set/);
		assert.equal(await page.inputValue('#mb-charsets'), 'euc-kr, shift_jis');
		assert.equal(await page.inputValue('#ack-ko'), '{{customer.name}}님, 접수되었습니다: {{ticket.subject}}');
		await noSecrets();
		await screenshot(page, 'admin-mailbox-edit');

		// The server refuses a host with a space; its message shows next to the
		// form, which stays with everything typed into it.
		await page.fill('#imap-host', 'mail server');
		await page.fill('#mb-name', 'Shop Help');
		await page.selectOption('#smtp-security', 'tls');
		await page.click('#mailbox-form button.primary');
		const refusal = page.locator('#mailbox-form .error');
		await refusal.waitFor();
		assert.match(await refusal.textContent(), /host 'mail server' is not a host name/);
		assert.equal(await page.inputValue('#imap-host'), 'mail server');
		assert.equal(await page.inputValue('#mb-name'), 'Shop Help');
		assert.equal(await page.inputValue('#smtp-security'), 'tls');

		await page.fill('#imap-host', '127.0.0.1');
		await page.selectOption('#smtp-security', 'none');
		await page.click('#mailbox-form button.primary');
		await row('Shop Help').waitFor();
		await noSecrets();
		const [b] = (await server.admin('GET', '/mailboxes')).mailboxes;
		assert.equal(b.name, 'Shop Help');
		assert.deepEqual([b.imap.password_set, b.smtp.password_set], [true, true], 'an empty password field keeps the password');

		await row('Shop Help').getByRole('button', { name: 'Edit' }).click();
		await page.waitForFunction(() => document.activeElement?.id === 'mb-name'); // the form takes the focus
		await page.keyboard.press('Escape');
		await page.locator('#mailbox-form').waitFor({ state: 'detached' });

		await row('Shop Help').getByRole('button', { name: 'Deactivate' }).click();
		await row('Shop Help').locator('td', { hasText: 'Deactivated' }).waitFor();
		await row('Shop Help').getByRole('button', { name: 'Reactivate' }).click();
		await row('Shop Help').locator('td', { hasText: /^Active$/ }).waitFor();
	});

	test('an agent has no mailboxes page', async () => {
		const agent = await loggedIn(browser, server.base, AGENT);
		assert.equal(await agent.locator('a[href="#/admin/mailboxes"]').count(), 0);
		await agent.evaluate(() => (location.hash = '#/admin/mailboxes'));
		await agent.locator('main h1', { hasText: 'Not found' }).waitFor();
		assert.equal(await agent.locator('table.mailboxes').count(), 0);
		await agent.context().close();
	});

	test('an email shows in the conversation, its Cc beside it and its original downloads byte for byte', async () => {
		const raw = email({ subject: 'Order 5521 is late', id: 'order-5521@mail.example.com', headers: 'Cc: Boss <boss@example.com>\r\n',
			body: 'Hello,\r\nmy order 5521 has not arrived.\r\n주문한 상품이 아직 안 왔어요.\r\n' });
		inbound = await server.admin('POST', '/mail/inbound?mailbox=support@shop.example', raw);
		await open('#/tickets/' + inbound.ticket_id, '.conversation .msg');
		const msg = page.locator('.conversation .msg').first();
		assert.match(await msg.locator('.body').textContent(), /order 5521 has not arrived/);
		const cc = page.locator('ul[aria-labelledby="cc-label"] li');
		assert.equal(await cc.count(), 1);
		assert.match(await cc.textContent(), /^boss@example\.com\s*×$/);
		// the mailbox acknowledges it in the customer's language (Korean letters in the email)
		const ack = page.locator('.conversation .msg', { hasText: 'Mina Park님, 접수되었습니다: Order 5521 is late' });
		await ack.waitFor();
		assert.match(await ack.locator('header').textContent(), /deskd\s*Automatic acknowledgement/);
		const link = msg.getByRole('link', { name: 'Original email' });
		const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
		assert.ok((await readFile(await download.path())).equals(raw), 'the original is the bytes that came in');
	});

	test('an agent changes who the replies copy, and the timeline says so', async () => {
		const cc = page.locator('ul[aria-labelledby="cc-label"]');
		await page.fill('#cc-new', 'Chef@Example.com');
		await page.press('#cc-new', 'Enter');
		await cc.locator('li', { hasText: 'chef@example.com' }).waitFor();
		await page.getByRole('button', { name: 'Remove boss@example.com' }).click();
		await cc.locator('li', { hasText: 'boss@example.com' }).waitFor({ state: 'detached' });
		await page.locator('.event', { hasText: 'changed the Cc from boss@example.com, chef@example.com to chef@example.com' }).waitFor();
		assert.deepEqual((await server.admin('GET', '/tickets/' + inbound.ticket_id)).ticket.cc, ['chef@example.com']);
		// the browser holds back what is not an address
		await page.fill('#cc-new', 'Chef <chef@example.com>');
		assert.equal(await page.locator('#cc-new').evaluate((e) => e.validity.valid), false);
		await page.fill('#cc-new', '');
		await screenshot(page, 'ticket-cc');
	});

	test('a reply shows "Sending…" and, while the server is unreachable, why it is not sent yet', async () => {
		await page.fill('#composer-text', 'We are looking into it.');
		await page.click('.composer button.primary');
		const state = page.locator('.msg-outbound', { hasText: 'We are looking into it.' }).locator('.mail-state');
		await state.locator('text=Sending…').waitFor();
		await state.locator('.mail-error').waitFor();
		assert.match(await state.textContent(), /Sending….*Not sent yet, trying again\. Last error:.*smtp: .*port 9/s);
		await screenshot(page, 'ticket-mail-sending');
	});

	test('a bounce shows on the reply and in the timeline, its text as text', async () => {
		const { messages } = await server.admin('GET', `/tickets/${inbound.ticket_id}/messages`);
		const reply = messages.find((m) => m.body === 'We are looking into it.');
		const res = await server.admin('POST', '/mail/inbound?mailbox=support@shop.example', bounce(reply.mail_message_id, `550 5.1.1 ${MARKUP} user unknown`));
		assert.equal(res.bounce, true);
		const event = page.locator('.event-mail');
		await event.waitFor();
		assert.match(await event.textContent(), /The email of a reply bounced \(.*\): .*<b>markup<\/b><img src=x onerror/s);
		const state = page.locator(`#m-${reply.id} .mail-state`);
		await state.locator('text=Email bounced').waitFor();
		assert.equal(await page.locator('.conversation b, .conversation img').count(), 0);
		assert.equal(await page.evaluate(() => window.__pwned), undefined);
		assert.deepEqual(await lowContrast(page), []);
		await screenshot(page, 'ticket-mail-bounced');
	});

	test('a refused email is a warning with the server\'s answer, and can be sent again', async () => {
		const { mailbox } = await server.admin('POST', '/mailboxes', { address: 'sales@shop.example', name: 'Sales',
			smtp: { host: '127.0.0.1', port: smtp.address().port, security: 'none' } });
		const res = await server.admin('POST', '/mail/inbound?mailbox=sales@shop.example',
			email({ to: 'sales@shop.example', subject: 'Price list', id: 'prices@mail.example.com', body: 'Send me your prices.\r\n' }));
		await open('#/tickets/' + res.ticket_id, '#composer-text');
		await page.fill('#composer-text', 'Here are our prices.');
		await page.click('.composer button.primary');
		const state = page.locator('.msg-outbound', { hasText: 'Here are our prices.' }).locator('.mail-state');
		await state.locator('text=Email not sent').waitFor();
		assert.match(await state.locator('.mail-error').textContent(), /550 5\.7\.1 refused <b>markup<\/b><img src=x onerror/);
		const event = page.locator('.event-mail');
		await event.waitFor();
		assert.match(await event.textContent(), /The email of a reply could not be sent: .*550 5\.7\.1 refused <b>markup/);
		assert.equal(await page.locator('.conversation b, .conversation img').count(), 0);
		await screenshot(page, 'ticket-mail-failed');

		// the admin points the mailbox at a server that takes it; the agent sends it again
		const received = [];
		const accepting = await smtpAccepting(received);
		await server.admin('PATCH', '/mailboxes/' + mailbox.id, { smtp: { host: '127.0.0.1', port: accepting.address().port, security: 'none' } });
		await state.getByRole('button', { name: 'Send again' }).click();
		await state.locator('text=Sent by email').waitFor();
		assert.equal(await state.getByRole('button', { name: 'Send again' }).count(), 0);
		await page.locator('.event', { hasText: 'sent the email of a reply again' }).waitFor();
		assert.equal(received.length, 1);
		await server.admin('DELETE', '/mailboxes/' + mailbox.id);
		accepting.close();
	});

	test('a reply the server takes shows "Sent by email"', async () => {
		const received = [];
		const accepting = await smtpAccepting(received);
		const { mailbox } = await server.admin('POST', '/mailboxes', { address: 'orders@shop.example', name: 'Orders',
			smtp: { host: '127.0.0.1', port: accepting.address().port, security: 'none' } });
		const res = await server.admin('POST', '/mail/inbound?mailbox=orders@shop.example',
			email({ to: 'orders@shop.example', subject: 'Gift wrap', id: 'gift@mail.example.com', body: 'Can you wrap it?\r\n' }));
		await open('#/tickets/' + res.ticket_id, '#composer-text');
		await page.fill('#composer-text', 'Yes, we wrap it for free.');
		await page.click('.composer button.primary');
		const state = page.locator('.msg-outbound', { hasText: 'Yes, we wrap it for free.' }).locator('.mail-state');
		await state.locator('text=Sent by email').waitFor();
		assert.equal(await state.locator('.mail-error').count(), 0);
		assert.equal(received.length, 1);
		assert.match(received[0], /^In-Reply-To: <gift@mail\.example\.com>$/m);
		await server.admin('DELETE', '/mailboxes/' + mailbox.id);
		accepting.close();
	});

	test('inline images show in the email; SVG and remote images do not', async () => {
		const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><script>parent.__pwned=1</script><rect width="9" height="9"/></svg>';
		const raw = Buffer.from('From: Jun Seo <jun@example.com>\r\nTo: support@shop.example\r\nSubject: Broken box\r\n' +
			'Message-ID: <box@mail.example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="RR"\r\n\r\n' +
			'--RR\r\nContent-Type: text/html; charset=utf-8\r\n\r\n' +
			'<p>상자가 찌그러졌어요:</p><img id="shot" src="cid:shot%40phone.example"><img id="evil" src="cid:evil@x">' +
			'<img id="remote" src="https://images.example.com/tracker.png">\r\n' +
			`--RR\r\nContent-Type: image/png\r\nContent-ID: <shot@phone.example>\r\nContent-Transfer-Encoding: base64\r\n\r\n${png(3, 2).toString('base64')}\r\n` +
			`--RR\r\nContent-Type: image/svg+xml\r\nContent-ID: <evil@x>\r\n\r\n${svg}\r\n` +
			`--RR\r\nContent-Type: image/png; name="unseen.png"\r\nContent-Disposition: inline\r\nContent-ID: <unseen@phone.example>\r\n` +
			`Content-Transfer-Encoding: base64\r\n\r\n${png(2, 2).toString('base64')}\r\n--RR--\r\n`);
		const res = await server.admin('POST', '/mail/inbound?mailbox=support@shop.example', raw);
		await open('#/tickets/' + res.ticket_id, 'iframe.email[srcdoc*="data:image/png;base64,"]');
		const frame = await page.locator('iframe.email').elementHandle().then((h) => h.contentFrame());
		await frame.waitForFunction(() => document.getElementById('shot')?.naturalWidth === 3);
		await frame.locator('p', { hasText: '상자가 찌그러졌어요' }).waitFor(); // laid out, not just parsed
		assert.deepEqual(await frame.evaluate(() => ['evil', 'remote'].map((id) => document.getElementById(id).naturalWidth)), [0, 0]);
		await page.locator('.images-blocked').waitFor();
		// the image the email shows is not listed again as a file; the SVG it cannot show and the
		// inline image its HTML never names are
		const files = await page.locator('.msg .attachments li a').allTextContents();
		assert.deepEqual(files, ['attachment', 'unseen.png']);
		await page.waitForTimeout(500); // the frame's second document is painted for the screenshot
		await screenshot(page, 'ticket-mail-inline-image');
	});

	test('an answer to a closed ticket starts one that follows it up', async () => {
		await server.admin('PATCH', '/tickets/' + inbound.ticket_id, { status: 'closed' });
		const res = await server.admin('POST', '/mail/inbound?mailbox=support@shop.example', email({ subject: 'Re: Order 5521 is late',
			id: 'order-5521-again@mail.example.com', headers: 'In-Reply-To: <order-5521@mail.example.com>\r\n', body: 'Still nothing.\r\n' }));
		assert.notEqual(res.ticket_id, inbound.ticket_id);
		await open('#/tickets/' + res.ticket_id, '.ticket-meta');
		const link = page.getByRole('link', { name: `Follows up #${inbound.ticket_id + 1000}` });
		await link.click();
		await page.waitForFunction((id) => location.hash === '#/tickets/' + id, inbound.ticket_id);
		await page.locator('h1', { hasText: 'Order 5521 is late' }).waitFor();
	});

	test('markup in a mailbox name and its poll error is text', async () => {
		await server.admin('POST', '/mailboxes', { address: 'evil@shop.example', name: `Evil ${MARKUP}`,
			imap: { host: '127.0.0.1', port: imap.address().port, security: 'none', user: MARKUP, password: 'x' } });
		await open('#/admin/mailboxes', 'table.mailboxes tbody tr');
		const evil = row('evil@shop.example');
		await evil.waitFor();
		assert.equal(await evil.locator('td').nth(1).textContent(), `Evil ${MARKUP}`);
		const error = evil.locator('.poll-error .text');
		await error.waitFor({ timeout: 20000 });
		assert.equal(await error.textContent(), `imap: 127.0.0.1 refused the login for '${MARKUP}'`);
		assert.equal(await page.locator('table.mailboxes b, table.mailboxes img').count(), 0);
		assert.equal(await page.evaluate(() => window.__pwned), undefined);
		await screenshot(page, 'admin-mailboxes-hostile');

		await evil.getByRole('button', { name: 'Delete' }).click();
		await evil.waitFor({ state: 'detached' });
		assert.deepEqual((await server.admin('GET', '/mailboxes')).mailboxes.map((b) => b.address), ['support@shop.example']);
	});
});
