// Shared by the browser tests: a real deskd on a free port with a fresh data
// folder, an admin and an agent; Debian's chromium through playwright-core;
// screenshots into one folder that is printed when the run ends.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = resolve(root, process.env.DESKD_BIN || 'build/deskd');
export const ADMIN = { email: 'admin@example.com', name: 'Admin', password: 'admin-password-1' };
export const AGENT = { email: 'agent@example.com', name: 'Kim Jimin', password: 'agent-password-1' };
export const SHOTS = join(tmpdir(), 'deskd-screenshots');

function deskd(args, input) {
	const r = spawnSync(BIN, args, { input, encoding: 'utf8', timeout: 30000 });
	if (r.status !== 0) throw new Error(`deskd ${args.join(' ')}: ${r.stderr || r.error}`);
	return r.stdout.trim();
}

function freePort() {
	return new Promise((ok, fail) => {
		const s = createServer();
		s.on('error', fail);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => ok(port));
		});
	});
}

/**
 * Starts deskd with an admin and an agent; returns {base, admin, agent, stop}
 * where admin and agent are REST clients (bearer tokens): client(method, path, body).
 * deskd gets this process's environment (DESKD_MAIL_POLL_SECONDS, say), and
 * --allow-private-targets unless allowPrivate is false: the tests' mail servers
 * and receivers are on 127.0.0.1.
 */
export async function startServer({ allowPrivate = true } = {}) {
	const data = mkdtempSync(join(tmpdir(), 'deskd-web-'));
	for (const u of [{ ...ADMIN, role: 'admin' }, { ...AGENT, role: 'agent' }])
		deskd(['user', 'add', '--data', data, '--email', u.email, '--name', u.name, '--role', u.role, '--password-stdin'], u.password + '\n');
	const tokens = [ADMIN, AGENT].map((u) => deskd(['token', 'create', '--data', data, '--user', u.email, '--name', 'web-tests']));
	const port = await freePort();
	const base = `http://127.0.0.1:${port}`;
	const proc = spawn(BIN, ['serve', '--data', data, '--listen', `127.0.0.1:${port}`, ...(allowPrivate ? ['--allow-private-targets'] : [])], {
		stdio: ['ignore', 'ignore', 'pipe'],
		env: { ...process.env, DESKD_ALLOW_PRIVATE_TARGETS: allowPrivate ? '1' : '0' },
	});
	let log = '';
	proc.stderr.on('data', (b) => (log = (log + b).slice(-4000)));
	const deadline = Date.now() + 15000;
	for (;;) {
		if (proc.exitCode !== null) throw new Error('deskd exited: ' + log);
		const ok = await fetch(base + '/healthz').then((r) => r.ok, () => false);
		if (ok) break;
		if (Date.now() > deadline) throw new Error('deskd did not start: ' + log);
		await new Promise((r) => setTimeout(r, 100));
	}
	// A Buffer body goes as it is (an email: message/rfc822), anything else as JSON.
	const client = (token) => async (method, path, body) => {
		const raw = Buffer.isBuffer(body);
		const type = raw ? 'message/rfc822' : 'application/json';
		const res = await fetch(base + '/api/v1' + path, {
			method,
			headers: { Authorization: 'Bearer ' + token, ...(body ? { 'Content-Type': type } : {}) },
			body: body ? (raw ? body : JSON.stringify(body)) : undefined,
		});
		const json = res.status === 204 ? null : await res.json();
		if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
		return json;
	};
	const stop = async () => {
		if (proc.exitCode === null) {
			proc.kill('SIGTERM');
			await new Promise((r) => proc.once('exit', r));
		}
		rmSync(data, { recursive: true, force: true });
	};
	return { base, admin: client(tokens[0]), agent: client(tokens[1]), stop };
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launch() {
	return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS });
}

/** A new browser context (its own cookies and storage) in English, logged in as user. */
export async function loggedIn(browser, base, user, { locale = 'en-US', shot } = {}) {
	const context = await browser.newContext({ locale, viewport: { width: 1280, height: 860 } });
	const page = await context.newPage();
	page.errors = [];
	page.on('pageerror', (e) => page.errors.push(e.message));
	await page.goto(base + '/');
	await page.fill('#login-email', user.email);
	await page.fill('#login-password', user.password);
	if (shot) await screenshot(page, shot);
	await page.click('form button.primary');
	await page.waitForSelector('nav.side-nav');
	return page;
}

export async function createTicket(client, { subject, body, customer, ...rest }) {
	const r = await client('POST', '/tickets', { subject, body, customer, ...rest });
	return r.ticket;
}

let shots = 0;
export async function screenshot(page, name) {
	mkdirSync(SHOTS, { recursive: true });
	await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
	shots++;
}

after(() => {
	if (shots) console.log(`# screenshots: ${SHOTS}`);
});

/** The form controls on the page that have no name for assistive technology. */
export function unlabelledControls(page) {
	return page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
		.filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.textContent.trim()))
		.map((el) => el.outerHTML.slice(0, 80)));
}

/** The visible texts on the page below WCAG AA contrast (4.5:1, 3:1 for large text). */
export function lowContrast(page) {
	return page.evaluate(() => {
		const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
		const lum = ([r, g, b]) => {
			const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
			return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
		};
		const background = (el) => {
			for (; el; el = el.parentElement) {
				const c = rgb(getComputedStyle(el).backgroundColor);
				if (c.length === 3 || c[3] > 0) return c;
			}
			return [255, 255, 255];
		};
		const out = [];
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n; (n = walk.nextNode());) {
			const el = n.parentElement;
			if (!n.textContent.trim() || !el.checkVisibility() || el.closest('[disabled], .sr-only, option')) continue;
			const s = getComputedStyle(el);
			const [l1, l2] = [lum(rgb(s.color)), lum(background(el))].sort((a, b) => b - a);
			const ratio = (l1 + 0.05) / (l2 + 0.05);
			const large = parseFloat(s.fontSize) >= 24 || (parseFloat(s.fontSize) >= 18.66 && Number(s.fontWeight) >= 700);
			if (ratio < (large ? 3 : 4.5)) out.push(`${ratio.toFixed(2)} ${el.tagName}.${el.className}: ${n.textContent.trim().slice(0, 30)}`);
		}
		return out;
	});
}
