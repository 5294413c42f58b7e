/*
 * page-policy.js — greylist (look, flush), white and black lists (add,
 * delete) and bans of failed logins (lift), on one page in tabs.
 */
import { h, replace } from './dom.js';
import { api, enc } from './api.js';
import { list_view, page, button, form_dialog, confirm_action, attempt } from './ui.js';

function greylist_tab() {
	const list = list_view({
		path: '/greylist', search: false,
		columns: ['network', 'sender', 'recipient', 'state', 'attempts', 'passes', 'first_seen',
			  'last_seen', 'expires_at'].map(k => ({ label: k.replace('_', ' '), value: e => e[k] })),
	});
	const flush = button('Flush greylist', async () => {
		if (!await confirm_action('Forget every greylist entry? Senders will be greylisted again.', 'Flush'))
			return;
		await attempt(() => api('DELETE', '/greylist'), 'Greylist flushed');
		list.reload();
	}, 'danger');
	return [h('div', { class: 'toolbar' }, flush), list.el];
}

function lists_tab(kind) {
	const list = list_view({
		path: '/lists', search: false, params: () => ({ kind }),
		columns: [
			{ label: 'Value', value: e => e.value },
			{ label: 'Type', value: e => e.type },
			{ label: 'Comment', value: e => e.comment },
			{ label: 'Added', value: e => e.created_at },
			{ label: '', value: e => button('Delete', async () => {
				if (!await confirm_action(`Remove ${e.value} from the ${kind} list?`))
					return;
				await attempt(() => api('DELETE', '/lists/' + enc(e.id)), `${e.value} removed`);
				list.reload();
			}, 'danger') },
		],
	});
	const add = button(`Add to the ${kind} list`, async () => {
		const v = await form_dialog(`Add to the ${kind} list`, [
			{ name: 'value', label: 'IP, network, domain or address', required: true },
			{ name: 'comment', label: 'Comment' },
		], v => api('POST', '/lists', { kind, value: v.value.trim(), comment: v.comment }), 'Add');
		if (v)
			list.reload();
	}, 'primary');
	return [h('div', { class: 'toolbar' }, add), list.el];
}

function bans_tab() {
	const list = list_view({
		path: '/bans', search: false,
		columns: [
			{ label: 'IP', value: b => b.ip },
			{ label: 'Reason', value: b => b.reason },
			{ label: 'Since', value: b => b.created_at },
			{ label: 'Until', value: b => b.expires_at },
			{ label: '', value: b => button('Lift', async () => {
				if (!await confirm_action(`Lift the ban of ${b.ip}?`, 'Lift'))
					return;
				await attempt(() => api('DELETE', '/bans/' + enc(b.ip)), `Ban of ${b.ip} lifted`);
				list.reload();
			}, 'danger') },
		],
	});
	return [list.el];
}

const TABS = [
	['greylist', 'Greylist', greylist_tab],
	['white', 'White list', () => lists_tab('white')],
	['black', 'Black list', () => lists_tab('black')],
	['bans', 'Bans', bans_tab],
];

export async function render(main, params) {
	const current = TABS.find(t => t[0] === params.get('tab')) || TABS[0];
	const tabs = h('div', { class: 'tabs', role: 'tablist' }, TABS.map(([id, label]) =>
		h('a', { href: '#/policy?tab=' + id, role: 'tab', class: id === current[0] ? 'current' : null }, label)));
	replace(main, page('Greylist, lists & bans', null, tabs, current[2]()));
}
