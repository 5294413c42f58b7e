/*
 * page-login.js — the login page and the first-run set-up page (the link
 * /setup#token=T: the token is in the fragment so it never reaches logs).
 */
import { h, replace } from './dom.js';
import { api_public, session_save } from './api.js';
import { error_text } from './ui.js';

function auth_card(title, intro, fields, label, submit) {
	const error = h('p', { class: 'form-error', role: 'alert' });
	const form = h('form', { class: 'auth-form' }, h('h1', null, title),
		       intro ? h('p', null, intro) : null, fields, error,
		       h('button', { type: 'submit', class: 'primary' }, label));
	form.addEventListener('submit', async ev => {
		ev.preventDefault();
		replace(error);
		try {
			await submit(form);
		} catch (e) {
			replace(error, error_text(e));
		}
	});
	return h('div', { class: 'auth' }, form);
}

function input(name, label, type, autocomplete) {
	return h('label', null, label,
		 h('input', { name, type, required: true, autocomplete, id: 'login-' + name }));
}

export function login_render(root, done) {
	document.title = 'Log in · Petrel admin';
	replace(root, auth_card('Petrel admin', null,
		[input('login', 'Login', 'text', 'username'),
		 input('password', 'Password', 'password', 'current-password')],
		'Log in', async form => {
			const answer = await api_public('POST', '/auth', {
				login: form.elements.login.value,
				password: form.elements.password.value,
			});
			session_save(answer);
			done();
		}));
	root.querySelector('input').focus();
}

export async function setup_render(root, done) {
	document.title = 'Set up · Petrel admin';
	const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('token') || '';
	let valid = false;
	if (token) {
		try {
			const answer = await api_public('GET', '/setup?token=' + encodeURIComponent(token));
			valid = Boolean(answer && answer.valid);
		} catch (e) {
			valid = false;
		}
	}
	if (!valid) {
		replace(root, h('div', { class: 'auth' }, h('div', { class: 'auth-form' },
			h('h1', null, 'Set-up link not valid'),
			h('p', null, 'This set-up link is unknown, used or expired. ' +
			  'Print a new one with "petrelctl admin setup-link".'),
			h('a', { href: '/' }, 'Go to the login page'))));
		return;
	}
	replace(root, auth_card('Welcome to Petrel',
		'Choose the login and password of the first administrator (a superadmin).',
		[input('login', 'Login', 'text', 'username'),
		 input('password', 'Password', 'password', 'new-password'),
		 input('password2', 'Password again', 'password', 'new-password')],
		'Create administrator', async form => {
			if (form.elements.password.value !== form.elements.password2.value)
				throw new Error('The two passwords differ');
			const answer = await api_public('POST', '/setup', {
				token, login: form.elements.login.value,
				password: form.elements.password.value,
			});
			session_save(answer);
			done();
		}));
}
