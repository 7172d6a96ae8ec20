// Preferences: the UI language and the time zone, kept in this browser.
import { html, useEffect, useState } from '../lib.js';
import { formatDate, setTimeZone, t, timeZone, timeZones } from '../i18n.js';
import { useApp } from '../state.js';
import { LanguagePicker } from './header.js';

export function SettingsPage() {
	const app = useApp();
	const [zone, setZone] = useState(timeZone());
	useEffect(() => {
		document.title = `${t('nav.settings')} · deskd`;
	});
	const changeZone = (e) => {
		setTimeZone(e.target.value);
		setZone(timeZone());
		app.changeLanguage(app.lang); // redraws every date in the new zone
	};
	return html`<section class="settings" aria-labelledby="settings-title">
		<h1 id="settings-title">${t('nav.settings')}</h1>
		<div class="field"><${LanguagePicker} id="settings-lang" lang=${app.lang} onChange=${app.changeLanguage} /></div>
		<div class="field">
			<label for="settings-tz">${t('settings.timezone')}</label>
			<select id="settings-tz" value=${zone} onChange=${changeZone}>
				${timeZones().map((z) => html`<option value=${z}>${z}</option>`)}
			</select>
		</div>
		<p>${t('settings.now', { time: formatDate(new Date().toISOString()) })}</p>
	</section>`;
}
