/*
 * page-admins.js — the administrators (superadmins only): list, add a
 * superadmin or a domain admin, change role/domains/password, delete.
 */
import { replace } from './dom.js';
import { api, enc } from './api.js';
import { list_view, page, button, actions, form_dialog, confirm_action, attempt } from './ui.js';

function domains_of(text) {
	return String(text).split(/[\s,;]+/).map(d => d.trim()).filter(Boolean);
}

function admin_fields(a) {
	return [
		a ? null : { name: 'login', label: 'Login', required: true },
		{ name: 'password', label: a ? 'New password (empty = unchanged)' : 'Password', type: 'password',
		  required: !a, autocomplete: 'new-password' },
		{ name: 'role', label: 'Role', type: 'select', options: ['superadmin', 'domain'], value: a ? a.role : 'domain' },
		{ name: 'domains', label: 'Domains (domain admins; comma separated)', value: a ? (a.domains || []).join(', ') : '' },
	].filter(Boolean);
}

export async function render(main) {
	let list = null;
	const edit = async a => {
		const v = await form_dialog(a ? 'Administrator ' + a.login : 'New administrator', admin_fields(a), v => {
			const body = { role: v.role, domains: domains_of(v.domains) };
			if (v.password)
				body.password = v.password;
			if (a)
				return api('PATCH', '/admins/' + enc(a.login), body);
			return api('POST', '/admins', { login: v.login.trim(), ...body });
		}, a ? 'Save' : 'Create');
		if (v)
			list.reload();
	};
	list = list_view({
		path: '/admins',
		columns: [
			{ label: 'Login', sort: 'login', value: a => a.login },
			{ label: 'Role', value: a => a.role },
			{ label: 'Domains', value: a => a.domains },
			{ label: '', value: a => actions(
				button('Edit', () => edit(a)),
				button('Delete', async () => {
					if (!await confirm_action(`Delete the administrator ${a.login}?`))
						return;
					await attempt(() => api('DELETE', '/admins/' + enc(a.login)), `${a.login} deleted`);
					list.reload();
				}, 'danger')) },
		],
	});
	replace(main, page('Administrators', button('New administrator', () => edit(null), 'primary'), list.el));
}
