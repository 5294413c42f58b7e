/*
 * page-domains.js — the domains: list, create, delete, and links to each
 * domain's accounts, aliases, settings and DKIM keys.
 */
import { h, replace } from './dom.js';
import { api, enc, session_is_superadmin } from './api.js';
import { list_view, page, button, actions, form_dialog, confirm_action, attempt } from './ui.js';

export async function render(main) {
	const superadmin = session_is_superadmin();
	const list = list_view({
		path: '/domains',
		columns: [
			{ label: 'Domain', sort: 'name', value: d => d.name },
			{ label: 'Accounts', sort: 'accounts', value: d => d.accounts },
			{ label: 'Aliases', sort: 'aliases', value: d => d.aliases },
			{ label: 'Created', sort: 'created_at', value: d => d.created_at },
			{ label: '', value: d => actions(
				h('a', { href: '#/accounts?domain=' + enc(d.name) }, 'accounts'),
				h('a', { href: '#/aliases?domain=' + enc(d.name) }, 'aliases'),
				h('a', { href: '#/settings?domain=' + enc(d.name) }, 'settings'),
				h('a', { href: '#/dkim?domain=' + enc(d.name) }, 'DKIM'),
				superadmin ? button('Delete', async () => {
					if (!await confirm_action(`Delete the domain ${d.name}? Its accounts, aliases and mail go too.`))
						return;
					await attempt(() => api('DELETE', '/domains/' + enc(d.name)), `Domain ${d.name} deleted`);
					list.reload();
				}, 'danger') : null) },
		],
	});
	const create = superadmin ? button('New domain', async () => {
		const v = await form_dialog('New domain',
			[{ name: 'name', label: 'Domain name', required: true, placeholder: 'example.com' }],
			values => api('POST', '/domains', { name: values.name.trim() }), 'Create');
		if (v)
			list.reload();
	}, 'primary') : null;
	replace(main, page('Domains', create, list.el));
}
