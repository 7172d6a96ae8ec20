// An agent's day in a real browser: inbox, ticket, reply, note, assign, solve,
// canned replies, keyboard, search in Korean and Japanese, Turkish UI, admin
// pages, bulk changes, saved views, a long conversation and the first load's size.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN, AGENT, createTicket, launch, loggedIn, lowContrast, screenshot, startServer, unlabelledControls } from './helpers.js';

describe('agent web app', () => {
	let server, browser, page, agentId, tickets;

	before(async () => {
		server = await startServer();
		browser = await launch();
		const { users } = await server.admin('GET', '/users');
		agentId = users.find((u) => u.email === AGENT.email).id;
		const mina = { email: 'mina@example.com', name: 'Mina Park' };
		tickets = {
			ko: await createTicket(server.admin, { subject: '배송 문의', body: '주문한 상품의 배송조회를 하고 싶습니다', customer: mina, channel: 'email', tags: ['wismo'] }),
			ja: await createTicket(server.admin, { subject: '配送について', body: '配送状況を教えてください', customer: { email: 'sato@example.jp', name: '佐藤 陽翔' }, channel: 'chat' }),
			tr: await createTicket(server.admin, { subject: 'Siparişim nerede?', body: 'Kırmızı ayakkabılarım gelmedi', customer: { email: 'ayse@example.com.tr', name: 'Ayşe Yılmaz' } }),
			old: await createTicket(server.admin, { subject: 'Return label', body: 'Please send a return label', customer: mina }),
		};
		await server.admin('POST', '/macros', { title: 'Tracking', body: 'Hi {{customer.first_name}}, ticket {{ticket.number}}. {{agent.name}}' });
		page = await loggedIn(browser, server.base, ADMIN, { shot: 'login' });
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
	const unfocus = () => page.evaluate(() => document.activeElement?.blur());
	const ticketOf = async (id) => (await server.admin('GET', '/tickets/' + id)).ticket;

	test('the inbox lists the open tickets with live counts', async () => {
		await open('#/inbox/open', 'table.tickets tbody tr');
		const subjects = await page.locator('td.subject a').allTextContents();
		for (const tk of Object.values(tickets)) assert.ok(subjects.some((s) => s.includes(tk.subject)), tk.subject);
		await page.waitForFunction(() => document.querySelector('a[href="#/inbox/open"] .count')?.textContent === '4');
		assert.equal(await page.locator('h1').textContent(), 'All open');
		await screenshot(page, 'inbox');
	});

	test('j/k move through the inbox and Enter opens the ticket', async () => {
		await open('#/inbox/open', 'table.tickets tbody tr');
		await unfocus();
		const rows = page.locator('table.tickets tbody tr');
		await page.keyboard.press('j');
		await page.waitForFunction(() => document.querySelectorAll('tbody tr')[1].classList.contains('cursor'));
		const second = await rows.nth(1).locator('td.subject a').getAttribute('href');
		assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), second);
		await page.keyboard.press('k');
		await page.waitForFunction(() => document.querySelectorAll('tbody tr')[0].classList.contains('cursor'));
		const first = await rows.nth(0).locator('td.subject a').getAttribute('href');
		await unfocus();
		await page.keyboard.press('Enter');
		await page.waitForFunction((h) => location.hash === h, first);
		await page.waitForSelector('.conversation');
	});

	test('a ticket shows its conversation and its customer, and takes a reply', async () => {
		await open('#/tickets/' + tickets.ko.id, '.conversation .msg');
		assert.match(await page.locator('.msg').first().textContent(), /배송조회/);
		await page.waitForSelector('.customer h2');
		assert.equal(await page.locator('.customer h2').textContent(), 'Mina Park');
		assert.match(await page.locator('.customer .history').textContent(), /Return label/);
		await page.fill('#composer-text', 'Your parcel arrives tomorrow.');
		await page.click('.composer button.primary');
		await page.waitForSelector('.msg-reply.msg-outbound');
		assert.match(await page.locator('.msg-reply.msg-outbound').textContent(), /arrives tomorrow/);
		assert.equal(await page.inputValue('#composer-text'), '');
		const { messages } = await server.admin('GET', `/tickets/${tickets.ko.id}/messages`);
		assert.equal(messages.at(-1).kind, 'reply');
	});

	test('an internal note looks different from a reply', async () => {
		await page.click('.composer .kinds button:nth-child(2)');
		assert.equal(await page.getAttribute('.composer .kinds button:nth-child(2)', 'aria-pressed'), 'true');
		await page.fill('#composer-text', 'Carrier confirmed a delay.');
		await page.click('.composer button.primary');
		await page.waitForSelector('.msg-note');
		const look = (sel) => page.locator(sel).evaluate((el) => {
			const s = getComputedStyle(el);
			return [s.backgroundColor, s.borderLeftColor, el.querySelector('.kind').textContent];
		});
		const note = await look('.msg-note');
		const reply = await look('.msg-reply.msg-outbound');
		assert.notEqual(note[0], reply[0], 'background');
		assert.equal(note[2], 'Internal note');
		const { messages } = await server.admin('GET', `/tickets/${tickets.ko.id}/messages`);
		assert.equal(messages.at(-1).kind, 'note');
		await screenshot(page, 'ticket-reply-and-note');
	});

	test('assign and solve from the ticket page, shown inline from the event log', async () => {
		await page.selectOption('#p-assignee', String(agentId));
		await page.waitForSelector('.event >> text=changed the assignee');
		assert.equal((await ticketOf(tickets.ko.id)).assignee_id, agentId);
		await page.selectOption('#p-status', 'solved');
		await page.waitForSelector('.event >> text=to Solved');
		assert.equal((await ticketOf(tickets.ko.id)).status, 'solved');
		await screenshot(page, 'ticket-assigned-solved');
	});

	test('a canned reply fills in its placeholders', async () => {
		await open('#/tickets/' + tickets.tr.id, '#macro');
		await page.waitForSelector('.customer h2');
		await page.selectOption('#macro', { label: 'Tracking' });
		assert.equal(await page.inputValue('#composer-text'), `Hi Ayşe, ticket ${tickets.tr.number}. Admin`);
		await page.fill('#composer-text', '');
	});

	test('r, n, a, s, ?, / work on a ticket; Enter while an IME composes never sends', async () => {
		await open('#/tickets/' + tickets.ja.id, '#composer-text');
		await unfocus();
		await page.keyboard.press('r');
		assert.equal(await page.evaluate(() => document.activeElement.id), 'composer-text');
		assert.equal(await page.getAttribute('.composer .kinds button:nth-child(1)', 'aria-pressed'), 'true');

		// An IME commits its text with Enter: keydown has isComposing (or keyCode 229).
		await page.keyboard.insertText('配送');
		for (const init of [{ isComposing: true }, { keyCode: 229 }])
			await page.locator('#composer-text').evaluate((el, init) => {
				el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true, cancelable: true, ...init }));
			}, init);
		await page.keyboard.press('Enter'); // a plain Enter is a new line
		await page.waitForTimeout(500);
		let { messages } = await server.admin('GET', `/tickets/${tickets.ja.id}/messages`);
		assert.equal(messages.length, 1, 'nothing was sent');
		assert.equal(await page.inputValue('#composer-text'), '配送\n');
		await page.keyboard.type('確認します');
		await page.keyboard.press('Control+Enter');
		await page.waitForSelector('.msg-reply.msg-outbound');
		({ messages } = await server.admin('GET', `/tickets/${tickets.ja.id}/messages`));
		assert.equal(messages.at(-1).body, '配送\n確認します');

		await unfocus();
		await page.keyboard.press('n');
		assert.equal(await page.getAttribute('.composer .kinds button:nth-child(2)', 'aria-pressed'), 'true');
		await unfocus();
		await page.keyboard.press('a');
		assert.equal(await page.evaluate(() => document.activeElement.id), 'p-assignee');
		await unfocus();
		await page.keyboard.press('s');
		await page.waitForFunction(() => document.getElementById('p-status').value === 'solved');
		assert.equal((await ticketOf(tickets.ja.id)).status, 'solved');

		await page.keyboard.press('?');
		await page.waitForSelector('dialog#help[open]');
		await screenshot(page, 'help');
		await page.keyboard.press('Escape');
		await page.waitForSelector('dialog#help:not([open])', { state: 'attached' });
		await page.keyboard.press('/');
		assert.equal(await page.evaluate(() => document.activeElement.id), 'search-q');
	});

	for (const [word, lang] of [['배송', 'ko'], ['配送', 'ja']])
		test(`search finds a ticket by the word ${word}`, async () => {
			await unfocus();
			await page.keyboard.press('/');
			await page.fill('#search-q', word);
			const title = page.locator('.results li a', { hasText: tickets[lang].subject }).first();
			await title.waitFor();
			const marks = await page.locator('.results mark').allTextContents();
			assert.ok(marks.includes(word), `marks: ${marks}`);
			await title.click();
			await page.waitForFunction((id) => location.hash === '#/tickets/' + id, tickets[lang].id);
			if (lang === 'ko') await open('#/search?q=' + encodeURIComponent(word), '.results li'), await screenshot(page, 'search-ko');
		});

	test('the UI switches to Turkish and stays so', async () => {
		await open('#/inbox/open', 'table.tickets');
		await page.selectOption('#lang', 'tr');
		await page.waitForFunction(() => document.documentElement.lang === 'tr');
		const texts = async () => ({
			h1: await page.locator('h1').textContent(),
			nav: await page.locator('nav.side-nav h2').allTextContents(),
			logout: await page.locator('header.top button').last().textContent(),
			th: await page.locator('table.tickets th').allTextContents(),
		});
		try {
			let got = await texts();
			assert.equal(got.h1, 'Tüm açık talepler');
			assert.deepEqual(got.nav.filter((h) => h !== 'Etiketler'), ['Görünümler', 'Kanallar', 'Kayıtlı görünümler', 'Yönetim']);
			assert.equal(got.logout, 'Çıkış yap');
			assert.ok(got.th.includes('Konu') && got.th.includes('Durum'), got.th.join());
			await screenshot(page, 'inbox-tr');
			await page.reload();
			await page.waitForSelector('table.tickets');
			got = await texts();
			assert.equal(got.h1, 'Tüm açık talepler');
			assert.equal(await page.inputValue('#lang'), 'tr');
		} finally {
			await page.selectOption('#lang', 'en');
			await page.waitForFunction(() => document.documentElement.lang === 'en');
		}
	});

	test('every form control has a label', async () => {
		for (const hash of ['#/inbox/open', '#/tickets/' + tickets.tr.id, '#/admin/agents', '#/settings']) {
			await open(hash, 'main h1');
			await page.waitForTimeout(200);
			const unlabelled = await unlabelledControls(page);
			assert.deepEqual(unlabelled, [], hash);
		}
	});

	test('text meets WCAG AA contrast', async () => {
		for (const hash of ['#/inbox/open', '#/tickets/' + tickets.ko.id, '#/admin/agents']) {
			await open(hash, 'main h1');
			await page.waitForTimeout(300);
			const low = await lowContrast(page);
			assert.deepEqual(low, [], hash);
		}
	});

	test('the UI language defaults to the browser\'s, and the time zone is kept', async () => {
		for (const [locale, title] of [['ko-KR', 'deskd 로그인'], ['ja-JP', 'deskd にログイン'], ['tr-TR', 'deskd oturumu aç'], ['fr-FR', 'Log in to deskd']]) {
			const context = await browser.newContext({ locale });
			const fresh = await context.newPage();
			await fresh.goto(server.base + '/');
			assert.equal(await fresh.locator('h1').textContent(), title, locale);
			await context.close();
		}
		await open('#/settings', '#settings-tz');
		await page.selectOption('#settings-tz', 'Asia/Seoul');
		await page.reload();
		await page.waitForSelector('#settings-tz');
		assert.equal(await page.inputValue('#settings-tz'), 'Asia/Seoul');
		const plain = (x) => x.replace(/\s+/g, ' ');
		const shown = plain(await page.locator('.settings p').textContent());
		const seoul = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Seoul' });
		const now = Date.now();
		assert.ok([now, now - 60000].some((t) => shown.includes(plain(seoul.format(t)))), shown);
		await screenshot(page, 'settings');
	});

	test('bulk changes and a saved view', async () => {
		await open('#/inbox/open', 'table.tickets tbody tr');
		const boxes = page.locator('tbody input[type=checkbox]');
		await boxes.nth(0).check();
		await boxes.nth(1).check();
		const ids = await page.locator('tbody tr').evaluateAll((rows) => rows.slice(0, 2).map((r) => Number(r.querySelector('a').id.slice(2))));
		await page.fill('#bulk-tag', 'bulk-test');
		await page.click('.bulk form button');
		await page.waitForSelector('.toast >> text=2 tickets updated.');
		for (const id of ids) assert.ok((await ticketOf(id)).tags.includes('bulk-test'));
		await boxes.nth(0).check();
		await boxes.nth(1).check();
		await page.selectOption('#bulk-status', 'pending');
		await page.waitForSelector('.bulk', { state: 'detached' });
		for (const id of ids) assert.equal((await ticketOf(id)).status, 'pending');

		// A tag being typed survives the list refreshing under it.
		await page.fill('#f-tag', 'bulk-');
		await createTicket(server.admin, { subject: 'Arrives while typing', body: 'Hello', customer: { email: 'typing@example.com' } });
		await page.locator('td.subject a', { hasText: 'Arrives while typing' }).waitFor();
		assert.equal(await page.inputValue('#f-tag'), 'bulk-');
		await page.fill('#f-tag', 'bulk-test');
		await page.press('#f-tag', 'Enter');
		await page.waitForFunction(() => location.hash.startsWith('#/inbox/custom'));
		// changing the filter again keeps the keyboard in it
		await page.focus('#f-tag');
		await page.fill('#f-tag', 'bulk-tes');
		await page.press('#f-tag', 'Enter');
		await page.waitForFunction(() => /tag=bulk-tes(&|$)/.test(location.hash));
		assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-tag');
		await page.fill('#f-tag', 'bulk-test');
		await page.press('#f-tag', 'Enter');
		await page.waitForFunction(() => /tag=bulk-test(&|$)/.test(location.hash));
		await page.selectOption('#f-status', 'pending');
		await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 2);
		await page.fill('#view-name', 'Bulk test');
		await page.click('.save-view button');
		await page.waitForFunction(() => location.hash.startsWith('#/inbox/saved-'));
		await page.waitForFunction(() => document.querySelector('li.saved a .count')?.textContent === '2');
		await screenshot(page, 'saved-view');
	});

	test('admin pages: agents, tokens, webhooks, canned replies', async () => {
		page.on('dialog', (d) => d.accept());
		await open('#/admin/agents', '#a-name');
		await page.fill('#a-name', 'Ayşe Yılmaz');
		await page.fill('#a-email', 'ayse@example.com');
		await page.fill('#a-password', 'a long passphrase');
		await page.click('form.stack button.primary');
		const row = page.locator('table.list tr', { hasText: 'ayse@example.com' });
		await row.waitFor();
		await row.locator('button').click();
		await row.locator('text=Deactivated').waitFor();
		await screenshot(page, 'admin-agents');

		await open('#/admin/tokens', '#tok-name');
		await page.fill('#tok-name', 'zapier');
		await page.click('form.stack button.primary');
		assert.match(await page.inputValue('#secret-value'), /^dsk_/);
		await page.locator('table.list tr', { hasText: 'zapier' }).locator('button').click();
		await page.locator('table.list tr', { hasText: 'zapier' }).waitFor({ state: 'detached' });

		await open('#/admin/webhooks', '#hook-url');
		await page.fill('#hook-url', 'https://shop.example.com/hook');
		await page.check('input[value="ticket.created"]');
		await page.click('form.stack button.primary');
		await page.locator('table.list tr', { hasText: 'shop.example.com' }).waitFor();
		assert.ok((await page.inputValue('#secret-value')).length > 8);
		await screenshot(page, 'admin-webhooks');

		// The list answers only after the form is filled, as on a slow server:
		// its arrival must not wipe what was typed.
		let answer;
		const held = new Promise((resolve) => (answer = resolve));
		await page.route('**/api/v1/macros', async (route) => {
			if (route.request().method() === 'GET') await held;
			await route.continue();
		});
		await page.evaluate(() => (location.hash = '#/admin/macros'));
		await page.getByRole('button', { name: 'Add canned reply' }).click();
		await page.fill('#macro-title', 'Thanks');
		await page.fill('#macro-body', 'Thank you, {{customer.first_name}}!');
		answer();
		await page.locator('.macros li', { hasText: 'Tracking' }).waitFor();
		await page.unroute('**/api/v1/macros');
		assert.equal(await page.inputValue('#macro-title'), 'Thanks');
		await page.click('form.stack button.primary');
		await page.locator('.macros li', { hasText: 'Thanks' }).waitFor();
		const { macros } = await server.admin('GET', '/macros');
		assert.ok(macros.some((m) => m.title === 'Thanks'));
		await screenshot(page, 'admin-macros');
	});

	test('a ticket with 50 messages renders (time printed)', async () => {
		const tk = await createTicket(server.admin, { subject: 'Long thread', body: 'Message 1', customer: { email: 'long@example.com', name: 'Long Talker' } });
		for (let i = 2; i <= 50; i++)
			await server.admin('POST', `/tickets/${tk.id}/messages`, { body: `Message ${i}\n`.repeat(3), kind: i % 5 ? 'reply' : 'note' });
		await open('#/inbox/open', 'nav.side-nav');
		const ms = await page.evaluate(async (id) => {
			const t0 = performance.now();
			location.hash = '#/tickets/' + id;
			while (document.querySelectorAll('.conversation .msg').length < 50) await new Promise(requestAnimationFrame);
			return performance.now() - t0;
		}, tk.id);
		console.log(`# 50-message ticket rendered in ${ms.toFixed(1)} ms (requests included)`);
		await screenshot(page, 'ticket-50-messages');
	});

	test('the first load is under 200 KB transferred', async () => {
		const context = await browser.newContext({ storageState: await page.context().storageState() });
		const fresh = await context.newPage();
		const responses = [];
		fresh.on('response', (r) => responses.push(r));
		await fresh.goto(server.base + '/');
		await fresh.waitForSelector('nav.side-nav a .count');
		await fresh.waitForTimeout(1000); // the live stream never idles: no 'networkidle'
		let bytes = 0;
		for (const r of responses) {
			if (r.url().includes('/api/v1/stream')) continue;
			const s = await r.request().sizes();
			bytes += s.responseBodySize + s.responseHeadersSize;
		}
		console.log(`# first load: ${bytes} bytes transferred in ${responses.length} responses`);
		assert.ok(bytes < 200 * 1024, `${bytes} bytes`);
		await context.close();
	});
});
