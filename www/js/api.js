/*
 * api.js — the client of /api/v1.
 *
 * Tokens live in sessionStorage (gone with the tab) and travel only in the
 * Authorization header, never in cookies, so other sites cannot make the
 * browser act on the admin's behalf (no CSRF). On a 401 the request is
 * retried once after a refresh with the refresh token; if that fails too
 * the session is dropped and the login page shown.
 */

const BASE = '/api/v1';
const STORE_KEY = 'petrel.session';

export class ApiError extends Error {
	constructor(status, code, message, field) {
		super(message || `HTTP ${status}`);
		this.status = status;
		this.code = code || '';
		this.field = field || null;
	}
}

let on_logged_out = () => {};

export function api_on_logged_out(callback) {
	on_logged_out = callback;
}

export function session_get() {
	try {
		return JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null');
	} catch (e) {
		return null;
	}
}

/* Whether the logged-in administrator is a superadmin (the pages a
   domain admin is offered depend on it; the server checks every call). */
export function session_is_superadmin() {
	const s = session_get();
	return Boolean(s && s.admin && s.admin.role === 'superadmin');
}

/* The logged-in administrator's domains ([] for a superadmin). */
export function session_domains() {
	const s = session_get();
	return (s && s.admin && s.admin.domains) || [];
}

/* Keep the answer of POST /auth, /auth/refresh or /setup. */
export function session_save(answer) {
	const old = session_get() || {};
	sessionStorage.setItem(STORE_KEY, JSON.stringify({
		access_token: answer.access_token,
		refresh_token: answer.refresh_token,
		admin: answer.admin || old.admin || null,
	}));
}

export function session_clear() {
	sessionStorage.removeItem(STORE_KEY);
}

/* "/accounts/" + enc(address): one path segment, '@' and '/' escaped. */
export function enc(segment) {
	return encodeURIComponent(String(segment));
}

/* {page: 2, q: ''} -> "?page=2" (empty values left out). */
export function query_string(params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params || {}))
		if (v !== undefined && v !== null && v !== '')
			q.set(k, String(v));
	const s = q.toString();
	return s ? '?' + s : '';
}

async function api_fetch(method, path, body, token) {
	const headers = { Accept: 'application/json' };
	if (token)
		headers.Authorization = 'Bearer ' + token;
	const init = { method, headers, cache: 'no-store', credentials: 'omit' };
	if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	let response;
	try {
		response = await fetch(BASE + path, init);
	} catch (e) {
		throw new ApiError(0, 'network', 'The server cannot be reached');
	}
	const text = await response.text();
	let data = null;
	if (text) {
		try {
			data = JSON.parse(text);
		} catch (e) {
			data = null;
		}
	}
	return { status: response.status, ok: response.ok, data };
}

function api_error_of(res) {
	const err = res.data && res.data.error ? res.data.error : {};
	return new ApiError(res.status, err.code, err.message || `HTTP ${res.status}`, err.field);
}

let refreshing = null;

/* One refresh at a time: parallel 401s wait for the same new pair. */
async function api_refresh() {
	const session = session_get();
	if (!session || !session.refresh_token)
		return false;
	if (!refreshing) {
		refreshing = api_fetch('POST', '/auth/refresh',
				       { refresh_token: session.refresh_token }, null)
			.then(res => {
				if (!res.ok || !res.data || !res.data.access_token)
					return false;
				session_save(res.data);
				return true;
			})
			.catch(() => false)
			.finally(() => { refreshing = null; });
	}
	return refreshing;
}

/* The parsed JSON answer (null for 204); throws ApiError. */
export async function api(method, path, body) {
	const session = session_get();
	let res = await api_fetch(method, path, body, session && session.access_token);
	if (res.status === 401 && session) {
		if (await api_refresh())
			res = await api_fetch(method, path, body, session_get().access_token);
		if (res.status === 401) {
			session_clear();
			on_logged_out();
		}
	}
	if (!res.ok)
		throw api_error_of(res);
	return res.data;
}

/* For the public routes (auth, setup): no token, no refresh. */
export async function api_public(method, path, body) {
	const res = await api_fetch(method, path, body, null);
	if (!res.ok)
		throw api_error_of(res);
	return res.data;
}

export async function api_logout() {
	const session = session_get();
	if (session && session.access_token) {
		try {
			await api_fetch('POST', '/auth/logout', undefined, session.access_token);
		} catch (e) {
			/* the session is dropped locally anyway */
		}
	}
	session_clear();
}
