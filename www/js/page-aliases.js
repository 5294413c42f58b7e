/*
 * page-aliases.js — aliases and distribution lists (an alias with several
 * targets): list, create, edit targets and reject_external, delete.
 */
import { h, replace } from './dom.js';
import { api, enc } from './api.js';
import { list_view, page, button, actions, form_dialog, confirm_action, attempt } from './ui.js';

/* "a@x, b@y\nc@z" -> ["a@x", "b@y", "c@z"] */
function targets_of(text) {
	return String(text).split(/[\s,;]+/).map(t => t.trim()).filter(Boolean);
}

const REJECT_LABEL = 'Only authenticated senders or senders of this domain may write to it';

export async function render(main, params) {
	const domain = params.get('domain') || '';
	let list = null;
	const edit = async a => {
		const v = await form_dialog('Alias ' + a.address, [
			{ name: 'targets', label: 'Targets (one per line)', type: 'textarea', value: (a.targets || []).join('\n') },
			{ name: 'reject_external', label: REJECT_LABEL, type: 'checkbox', value: a.reject_external },
		], v => api('PATCH', '/aliases/' + enc(a.address),
			    { targets: targets_of(v.targets), reject_external: v.reject_external }));
		if (v)
			list.reload();
	};
	list = list_view({
		path: '/aliases',
		params: () => ({ domain }),
		columns: [
			{ label: 'Address', sort: 'address', value: a => a.address },
			{ label: 'Targets', value: a => h('span', { class: 'targets' }, (a.targets || []).join(', ')) },
			{ label: 'Kind', value: a => (a.targets || []).length > 1 ? 'list' : 'alias' },
			{ label: 'Internal only', value: a => a.reject_external },
			{ label: '', value: a => actions(
				button('Edit', () => edit(a)),
				button('Delete', async () => {
					if (!await confirm_action(`Delete the alias ${a.address}?`))
						return;
					await attempt(() => api('DELETE', '/aliases/' + enc(a.address)), `${a.address} deleted`);
					list.reload();
				}, 'danger')) },
		],
	});
	const create = button('New alias or list', async () => {
		const v = await form_dialog('New alias or distribution list', [
			{ name: 'address', label: 'Address (@domain for a catch-all)', required: true,
			  placeholder: domain ? 'team@' + domain : 'team@example.com' },
			{ name: 'targets', label: 'Targets (one per line)', type: 'textarea', required: true },
			{ name: 'reject_external', label: REJECT_LABEL, type: 'checkbox' },
		], v => api('POST', '/aliases', { address: v.address.trim(), targets: targets_of(v.targets),
						  reject_external: v.reject_external }), 'Create');
		if (v)
			list.reload();
	}, 'primary');
	replace(main, page(domain ? 'Aliases of ' + domain : 'Aliases & distribution lists', create, list.el));
}
