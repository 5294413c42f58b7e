/*
 * page-accounts.js — the accounts: search and paging (done by the server
 * in SQL), create, block/unblock, quota, password, delete, details.
 */
import { h, replace } from './dom.js';
import { api, enc } from './api.js';
import { list_view, page, button, actions, form_dialog, confirm_action, attempt, fmt_bytes,
	 parse_bytes, kv_table, info_dialog } from './ui.js';

function quota_of(text) {
	if (String(text).trim() === '')
		return 0;
	const n = parse_bytes(text);
	if (Number.isNaN(n))
		throw new Error('The quota is a size such as 500M or 2G (0 = unlimited)');
	return n;
}

async function account_create(domain) {
	return form_dialog('New account', [
		{ name: 'address', label: 'Address', required: true, placeholder: domain ? 'user@' + domain : 'user@example.com' },
		{ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password' },
		{ name: 'display_name', label: 'Display name' },
		{ name: 'quota', label: 'Quota (e.g. 1G; empty = unlimited)' },
		{ name: 'status', label: 'Status', type: 'select', options: ['active', 'blocked'], value: 'active' },
		{ name: 'is_master', label: 'Master user (may log in as any account)', type: 'checkbox' },
	], v => api('POST', '/accounts', {
		address: v.address.trim(), password: v.password, display_name: v.display_name,
		quota_bytes: quota_of(v.quota), status: v.status, is_master: v.is_master,
	}), 'Create');
}

export async function render(main, params) {
	const domain = params.get('domain') || '';
	let list = null;
	const patch = async (a, body, done) => {
		await attempt(() => api('PATCH', '/accounts/' + enc(a.address), body), done);
		list.reload();
	};
	const row_actions = a => actions(
		button(a.status === 'blocked' ? 'Unblock' : 'Block', () =>
			patch(a, { status: a.status === 'blocked' ? 'active' : 'blocked' },
			      `${a.address} ${a.status === 'blocked' ? 'unblocked' : 'blocked'}`),
		       'btn-block'),
		button('Quota', async () => {
			const v = await form_dialog('Quota of ' + a.address,
				[{ name: 'quota', label: 'Quota (e.g. 1G; 0 = unlimited)', value: a.quota_bytes ? fmt_bytes(a.quota_bytes) : '0' }],
				v => api('PATCH', '/accounts/' + enc(a.address), { quota_bytes: quota_of(v.quota) }));
			if (v)
				list.reload();
		}),
		button('Password', () => form_dialog('New password for ' + a.address,
			[{ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password' }],
			v => api('PATCH', '/accounts/' + enc(a.address), { password: v.password }))),
		button('Details', () => account_details(a)),
		h('a', { href: '#/settings?account=' + enc(a.address) }, 'settings'),
		button('Delete', async () => {
			if (!await confirm_action(`Delete the account ${a.address} and all its mail?`))
				return;
			await attempt(() => api('DELETE', '/accounts/' + enc(a.address)), `${a.address} deleted`);
			list.reload();
		}, 'danger'));
	list = list_view({
		path: '/accounts',
		params: () => ({ domain }),
		columns: [
			{ label: 'Address', sort: 'address', value: a => a.address },
			{ label: 'Name', sort: 'display_name', value: a => a.display_name },
			{ label: 'Status', value: a => h('span', { class: 'badge ' + (a.status === 'blocked' ? 'bad' : 'ok') }, a.status) },
			{ label: 'Used', sort: 'used_bytes', value: a => fmt_bytes(a.used_bytes) },
			{ label: 'Quota', sort: 'quota_bytes', value: a => a.quota_bytes ? fmt_bytes(a.quota_bytes) : 'unlimited' },
			{ label: 'Messages', value: a => a.messages },
			{ label: '', value: row_actions },
		],
	});
	const create = button('New account', async () => {
		if (await account_create(domain))
			list.reload();
	}, 'primary');
	replace(main, page(domain ? 'Accounts of ' + domain : 'Accounts', create,
			   domain ? h('p', null, h('a', { href: '#/accounts' }, 'All domains')) : null, list.el));
}

/* The account as the API has it (aliases pointing to it included). */
async function account_details(a) {
	const data = await attempt(() => api('GET', '/accounts/' + enc(a.address)));
	if (data)
		await info_dialog(a.address, kv_table(data));
}
