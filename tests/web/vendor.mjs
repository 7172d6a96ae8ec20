// Copies the web app's one library (Preact, its hooks, htm) from node_modules
// into web/vendor/, so the app runs with no build step and no CDN.
// Run after changing their versions in package.json: `npm install && npm run vendor`.
// Browsers cannot resolve the bare specifier "preact" without an import map,
// so the hooks' import is rewritten to the relative file.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const mods = join(root, 'node_modules');
const out = join(root, 'web', 'vendor');

function copy(from, to, fix = (s) => s) {
	let s = readFileSync(join(mods, from), 'utf8');
	s = fix(s).replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
	writeFileSync(join(out, to), s);
}

copy('preact/dist/preact.module.js', 'preact.js');
copy('preact/hooks/dist/hooks.module.js', 'hooks.js', (s) => {
	const t = s.replace(/from\s*"preact"/, 'from"./preact.js"');
	if (t === s) throw new Error('hooks: import of "preact" not found');
	return t;
});
copy('htm/dist/htm.module.js', 'htm.js');

const license = (pkg) => readFileSync(join(mods, pkg, 'LICENSE'), 'utf8');
const version = (pkg) => JSON.parse(readFileSync(join(mods, pkg, 'package.json'), 'utf8')).version;
writeFileSync(join(out, 'LICENSES.txt'),
	`preact ${version('preact')} (preact.js, hooks.js)\n\n${license('preact')}\n\n` +
	`htm ${version('htm')} (htm.js)\n\n${license('htm')}`);
console.log('web/vendor: preact', version('preact'), 'htm', version('htm'));
