// The REST API client (docs/API.md): JSON in and out, the session cookie,
// and the CSRF token that every cookie-authenticated write needs.

export class ApiError extends Error {
	constructor(status, code, message) {
		super(message);
		this.status = status;
		this.code = code;
	}
}

let csrf = null;
let unauthorized = () => {};

export function setCsrf(token) {
	csrf = token || null;
}

/** Calls fn whenever the server says the session is gone (401). */
export function onUnauthorized(fn) {
	unauthorized = fn;
}

export function query(params = {}) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params))
		if (v !== undefined && v !== null && v !== '') q.set(k, v);
	const s = q.toString();
	return s ? '?' + s : '';
}

export async function api(method, path, body, { keepalive = false } = {}) {
	const headers = {};
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
	const res = await fetch('/api/v1' + path, {
		method,
		headers,
		keepalive,
		credentials: 'same-origin',
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	let data = null;
	if (res.status !== 204) data = await res.json().catch(() => null);
	if (!res.ok) {
		const e = (data && data.error) || {};
		if (res.status === 401 && path !== '/auth/login') unauthorized();
		throw new ApiError(res.status, e.code || 'http_' + res.status, e.message || res.statusText);
	}
	return data;
}

export const get = (path, params) => api('GET', path + query(params));
export const post = (path, body) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

/** The largest attachment the server takes (docs/API.md, Attachments). */
export const ATTACHMENT_MAX = 25 * 1024 * 1024;

/**
 * Uploads one file as an attachment: the raw bytes, its type and its name.
 * XMLHttpRequest rather than fetch, for upload progress: onProgress(0..1).
 * Returns {done, abort}; done resolves to the attachment object.
 */
export function upload(file, onProgress) {
	const xhr = new XMLHttpRequest();
	const done = new Promise((resolve, reject) => {
		xhr.open('POST', '/api/v1/attachments' + query({ filename: file.name }));
		xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
		if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
		xhr.responseType = 'json';
		xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
		xhr.onload = () => {
			const data = xhr.response;
			if (xhr.status === 201 && data?.attachment) return resolve(data.attachment);
			const e = data?.error || {};
			if (xhr.status === 401) unauthorized();
			reject(new ApiError(xhr.status, e.code || 'http_' + xhr.status, e.message || xhr.statusText));
		};
		xhr.onerror = () => reject(new ApiError(0, 'network', 'network error'));
		xhr.onabort = () => reject(new ApiError(0, 'aborted', 'aborted'));
		xhr.send(file);
	});
	return { done, abort: () => xhr.abort() };
}

// Customers by id, shared by every view; a list shows names without asking twice.
const customers = new Map();

export function customer(id, fresh = false) {
	if (fresh || !customers.has(id)) {
		const p = get('/customers/' + id).then((r) => r.customer);
		p.catch(() => customers.delete(id));
		customers.set(id, p);
	}
	return customers.get(id);
}
