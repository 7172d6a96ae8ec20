// The keyboard shortcuts, shown with "?".
import { html } from '../lib.js';
import { t } from '../i18n.js';
import { Dialog } from './common.js';

const KEYS = [
	['j', 'help.next'], ['k', 'help.prev'], ['Enter', 'help.open_ticket'], ['x', 'help.select'],
	['r', 'help.reply'], ['n', 'help.note'], ['a', 'help.assign'], ['s', 'help.solve'],
	['/', 'help.search'], ['?', 'help.help'], ['Ctrl+Enter', 'help.send'], ['Esc', 'help.escape'],
];

export function Help({ open, onClose }) {
	return html`<${Dialog} id="help" open=${open} onClose=${onClose} title=${t('help.title')}>
		<table class="keys">
			<thead><tr><th scope="col">${t('help.key')}</th><th scope="col">${t('help.action')}</th></tr></thead>
			<tbody>${KEYS.map(([k, label]) => html`<tr key=${k}><td><kbd>${k}</kbd></td><td>${t(label)}</td></tr>`)}</tbody>
		</table>
	<//>`;
}
