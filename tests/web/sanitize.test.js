// Every vector of tests/data/hostile-html, each received as an email, shown
// to an agent in Debian's chromium: no script runs (no dialog, no binding
// call, no marker), no request leaves for anywhere but deskd, and clicking
// every link and button in every email frame 20 times leaves the tab alive
// (a javascript: form in a sandboxed frame once closed the whole tab).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ADMIN, launch, loggedIn, screenshot, startServer } from './helpers.js';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'hostile-html');
const VECTORS = readdirSync(DIR).filter((f) => f.endsWith('.html')).sort();
// one ticket holds this many vectors, each its own email (its own frame)
const PER_TICKET = 12;
const CLICKS = 20;

function email(name, html, thread) {
	const id = `<${name}.${Date.now()}.${Math.random().toString(36).slice(2)}@evil.example>`;
	const head = [
		'From: Eve <eve@evil.example>', 'To: support@help.example', `Subject: Vectors ${thread.subject}`,
		`Message-ID: ${id}`, 'MIME-Version: 1.0', ...(thread.first ? [`In-Reply-To: ${thread.first}`, `References: ${thread.first}`] : []),
		'Content-Type: multipart/alternative; boundary="HH"', '',
		'--HH', 'Content-Type: text/plain; charset=utf-8', '', `Vector ${name}`,
		'--HH', 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', ''].join('\r\n');
	return { id, raw: Buffer.concat([Buffer.from(head), html, Buffer.from('\r\n--HH--\r\n')]) };
}

describe('hostile email HTML, sanitised and sandboxed', () => {
	let server, browser, page;
	const tickets = [];
	const fired = [];
	const outside = [];
	const lifecycle = [];

	before(async () => {
		server = await startServer();
		for (let i = 0; i < VECTORS.length; i += PER_TICKET) {
			const thread = { subject: `${i / PER_TICKET + 1}`, first: null };
			let ticketId;
			for (const name of VECTORS.slice(i, i + PER_TICKET)) {
				const { id, raw } = email(name, readFileSync(join(DIR, name)), thread);
				const res = await server.admin('POST', '/mail/inbound', raw);
				thread.first ||= id;
				ticketId ||= res.ticket_id;
				assert.equal(res.ticket_id, ticketId, `${name} threads into its batch's ticket`);
			}
			tickets.push({ id: ticketId, names: VECTORS.slice(i, i + PER_TICKET) });
		}
		browser = await launch();
		page = await loggedIn(browser, server.base, ADMIN);
		const context = page.context();
		// a vector that ran would call one of these
		await context.exposeBinding('__deskdPwned', ({ frame }) => fired.push('binding in ' + frame.url()));
		page.on('dialog', (d) => (fired.push(`${d.type()}: ${d.message()}`), d.dismiss().catch(() => {})));
		context.on('page', (p) => p !== page && fired.push('a new page: ' + p.url()));
		page.on('close', () => lifecycle.push('close'));
		page.on('crash', () => lifecycle.push('crash'));
		// every request of every frame passes here; only deskd's own may go
		await context.route('**/*', (route) => {
			const url = route.request().url();
			if (url.startsWith(server.base + '/') || url.startsWith('data:') || url.startsWith('about:')) return route.continue();
			outside.push(url);
			return route.abort();
		});
	});

	after(async () => {
		await browser?.close();
		await server?.stop();
	});

	test('the corpus is big enough to mean something', () => {
		assert.ok(VECTORS.length >= 100, `${VECTORS.length} vectors`);
	});

	test('no script runs, nothing leaves, and clicking everything 20 times keeps the tab', async () => {
		let clicked = 0;
		for (const t of tickets) {
			const { messages } = await server.admin('GET', `/tickets/${t.id}/messages`);
			const frames = messages.filter((m) => m.html).length;
			await page.evaluate((id) => (location.hash = '#/tickets/' + id), t.id);
			await page.waitForFunction((n) => document.querySelectorAll('.conversation iframe.email').length === n, frames, { timeout: 20000 });
			const handles = await page.$$('.conversation iframe.email');
			assert.equal(handles.length, frames);
			for (const h of handles) {
				const frame = await h.contentFrame();
				await frame.waitForLoadState('load');
				// what the sanitiser let through: no control that submits or runs anything
				assert.equal(await frame.locator('script, form, input, button, select, textarea, iframe, object, embed, svg, math, base').count(), 0,
					`a dangerous element in ticket ${t.id}: ${t.names.join(' ')}`);
				// the app's own policy, and no other
				assert.equal(await frame.locator('meta[http-equiv]').count(), 1, `ticket ${t.id}`);
				const targets = await frame.$$('a, button, input, summary, label, area, [onclick], [tabindex]');
				for (const el of targets) {
					await el.scrollIntoViewIfNeeded({ timeout: 2000 }).catch(() => {});
					const box = await el.boundingBox();
					if (!box || !box.width || !box.height) continue;
					for (let i = 0; i < CLICKS; i++) await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
					clicked++;
				}
				assert.equal(await page.evaluate(() => 1 + 1), 2, `the tab answers after clicks in ticket ${t.id}`);
			}
			assert.deepEqual(lifecycle, [], `ticket ${t.id}: ${t.names.join(' ')}`);
			assert.deepEqual(fired, [], `ticket ${t.id}: ${t.names.join(' ')}`);
			assert.equal(await page.evaluate(() => window.__pwned), undefined);
			assert.deepEqual(outside, [], `ticket ${t.id} asked the outside: ${t.names.join(' ')}`);
		}
		// the corpus has 36 <a> tags; those inside dropped elements (<svg>, <template>, ...) are gone
		assert.ok(clicked >= 30, `only ${clicked} links were clicked: the test would prove little`);
		assert.match(page.url(), /#\/tickets\//, 'still the app, on a ticket');
		assert.deepEqual(page.errors, []);
		await screenshot(page, 'sanitize-last-ticket');
	});
});
