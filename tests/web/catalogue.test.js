// Every string the UI shows comes from a catalogue, and no catalogue lacks one.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const web = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const load = async (lang) => (await import(join(web, 'i18n', lang + '.js'))).default;
const en = await load('en');

function values(v) {
	return typeof v === 'object' ? Object.values(v) : [v];
}

for (const lang of ['ko', 'ja', 'tr']) {
	test(`catalogue ${lang} has every English key, none empty, with the same placeholders`, async () => {
		const cat = await load(lang);
		assert.deepEqual(Object.keys(cat).filter((k) => !(k in en)), [], 'keys English does not have');
		for (const [key, v] of Object.entries(en)) {
			assert.ok(key in cat, `${lang} lacks ${key}`);
			const forms = values(cat[key]);
			assert.ok(forms.length && forms.every((s) => typeof s === 'string' && s.trim()), `${lang} ${key} is empty`);
			if (typeof v === 'object') assert.ok('other' in cat[key], `${lang} ${key} lacks the plural form "other"`);
			const names = (s) => [...new Set(s.match(/\{\w+\}/g) || [])].sort().join();
			for (const s of forms)
				assert.equal(names(s).replace('{n}', ''), names(values(v).at(-1)).replace('{n}', ''), `${lang} ${key} placeholders`);
		}
	});
}

test('every literal key the code asks for is in the English catalogue', () => {
	const files = ['.', 'views'].flatMap((d) => readdirSync(join(web, d)).filter((f) => f.endsWith('.js')).map((f) => join(web, d, f)));
	const used = new Set();
	for (const f of files)
		for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([a-z_]+\.[a-z_.-]+)'\s*[,)]/g)) used.add(m[1]);
	assert.ok(used.size > 100, `found only ${used.size} keys: the scan is broken`);
	assert.deepEqual([...used].filter((k) => !(k in en)), []);
});
