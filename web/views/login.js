// The login page (POST /api/v1/auth/login: a session cookie and a CSRF token).
import { post } from '../api.js';
import { html, useState } from '../lib.js';
import { t } from '../i18n.js';
import { LanguagePicker } from './header.js';

export function Login({ lang, changeLanguage, onLogin }) {
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	const submit = async (e) => {
		e.preventDefault();
		const form = new FormData(e.target);
		setBusy(true);
		setError(null);
		try {
			onLogin(await post('/auth/login', { email: form.get('email'), password: form.get('password') }));
		} catch (err) {
			setError(err.status === 401 ? 'login.failed' : err.status === 429 ? 'login.throttled' : 'login.error');
			setBusy(false);
		}
	};
	return html`<main class="login" id="main">
		<form onSubmit=${submit} aria-labelledby="login-title">
			<h1 id="login-title">${t('login.title')}</h1>
			<label for="login-email">${t('login.email')}</label>
			<input id="login-email" name="email" type="email" autocomplete="username" required autofocus />
			<label for="login-password">${t('login.password')}</label>
			<input id="login-password" name="password" type="password" autocomplete="current-password" required />
			${error && html`<p class="error" role="alert">${t(error)}</p>`}
			<button class="primary" disabled=${busy}>${t('login.submit')}</button>
		</form>
		<${LanguagePicker} id="login-lang" lang=${lang} onChange=${changeLanguage} />
	</main>`;
}
