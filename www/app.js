/*
 * app.js — the Petrel web admin's entry point: layout, navigation and the
 * hash router (#/accounts?domain=x). The set-up link printed by
 * `petrelctl admin setup-link` is /setup#token=T: that path shows the
 * first-run page; everything else needs a session (js/api.js), else the
 * login page. Each page lives in js/page-*.js and exports render(main, params).
 */
import { h, replace } from './js/dom.js';
import { session_get, session_is_superadmin, api_on_logged_out, api_logout } from './js/api.js';
import { flash_attach } from './js/ui.js';
import { login_render, setup_render } from './js/page-login.js';

const PAGES = [
	{ route: 'dashboard', label: 'Dashboard', module: './js/page-dashboard.js' },
	{ route: 'domains', label: 'Domains', module: './js/page-domains.js' },
	{ route: 'accounts', label: 'Accounts', module: './js/page-accounts.js' },
	{ route: 'aliases', label: 'Aliases & lists', module: './js/page-aliases.js' },
	{ route: 'queue', label: 'Queue', module: './js/page-queue.js', super: true },
	{ route: 'policy', label: 'Greylist, lists & bans', module: './js/page-policy.js', super: true },
	{ route: 'rules', label: 'Rules', module: './js/page-rules.js', super: true },
	{ route: 'settings', label: 'Settings', module: './js/page-settings.js' },
	{ route: 'dkim', label: 'DKIM', module: './js/page-dkim.js', super: true },
	{ route: 'admins', label: 'Administrators', module: './js/page-admins.js', super: true },
];

const root = document.getElementById('app');

function route_parse() {
	const hash = location.hash.replace(/^#\/?/, '');
	const [name, query] = hash.split('?');
	return { name: name || 'dashboard', params: new URLSearchParams(query || '') };
}

function layout(current) {
	const s = session_get();
	const who = s && s.admin ? `${s.admin.login} (${s.admin.role})` : '';
	const nav = h('nav', { class: 'side', 'aria-label': 'Main' },
		      h('div', { class: 'brand' }, 'Petrel'),
		      PAGES.filter(p => !p.super || session_is_superadmin()).map(p =>
			      h('a', { href: '#/' + p.route, class: p.route === current ? 'current' : null,
				       'data-page': p.route }, p.label)));
	const main = h('main', { id: 'main' });
	const flash_box = h('div', { class: 'flashes' });
	flash_attach(flash_box);
	const top = h('header', { class: 'top' },
		      h('span', { class: 'who' }, who),
		      h('button', { type: 'button', id: 'logout', onclick: async () => {
			      await api_logout();
			      render();
		      } }, 'Log out'));
	replace(root, h('div', { class: 'shell' }, nav, h('div', { class: 'content' }, top, flash_box, main)));
	return main;
}

async function render() {
	if (location.pathname === '/setup') {
		setup_render(root, () => {
			history.replaceState(null, '', '/#/dashboard');
			render();
		});
		return;
	}
	if (!session_get()) {
		login_render(root, render);
		return;
	}
	const { name, params } = route_parse();
	/* a superadmin page typed in by a domain admin falls back to the dashboard */
	const entry = PAGES.find(p => p.route === name && (!p.super || session_is_superadmin())) || PAGES[0];
	const main = layout(entry.route);
	document.title = entry.label + ' · Petrel admin';
	try {
		const mod = await import(entry.module);
		await mod.render(main, params);
	} catch (e) {
		replace(main, h('p', { class: 'form-error' }, 'This page failed to load: ' + String(e.message || e)));
	}
}

api_on_logged_out(() => render());
window.addEventListener('hashchange', render);
render();
