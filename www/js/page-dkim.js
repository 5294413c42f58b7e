/*
 * page-dkim.js — DKIM keys: list (by domain), generate (RSA or Ed25519),
 * the DNS record to publish, delete.
 */
import { h, replace } from './dom.js';
import { api, enc } from './api.js';
import { list_view, page, button, actions, form_dialog, confirm_action, attempt, info_dialog } from './ui.js';

async function dns_show(k) {
	const data = await attempt(() => api('GET', `/dkim/${enc(k.domain)}/${enc(k.selector)}`));
	if (!data)
		return;
	await info_dialog(`DKIM ${k.selector}._domainkey.${k.domain}`,
		h('p', null, 'Publish this TXT record in the domain\'s DNS:'),
		h('dl', { class: 'dns' }, h('dt', null, 'Name'), h('dd', null, h('code', { id: 'dns-name' }, data.dns_name)),
		  h('dt', null, 'Type'), h('dd', null, 'TXT'),
		  h('dt', null, 'Value'), h('dd', null, h('code', { id: 'dns-record', class: 'wrap' }, data.dns_record))));
}

export async function render(main, params) {
	const domain = params.get('domain') || '';
	let list = null;
	list = list_view({
		path: '/dkim', search: false, params: () => ({ domain }),
		columns: [
			{ label: 'Domain', value: k => k.domain },
			{ label: 'Selector', value: k => k.selector },
			{ label: 'Algorithm', value: k => k.algorithm },
			{ label: 'Created', value: k => k.created_at },
			{ label: '', value: k => actions(
				button('DNS record', () => dns_show(k)),
				button('Delete', async () => {
					if (!await confirm_action(`Delete the DKIM key ${k.selector} of ${k.domain}? ` +
								  'Mail signed with it stops verifying once its DNS record goes.'))
						return;
					await attempt(() => api('DELETE', `/dkim/${enc(k.domain)}/${enc(k.selector)}`), 'Key deleted');
					list.reload();
				}, 'danger')) },
		],
	});
	const create = button('Generate key', async () => {
		let created = null;
		const v = await form_dialog('Generate a DKIM key', [
			{ name: 'domain', label: 'Domain', required: true, value: domain },
			{ name: 'selector', label: 'Selector', required: true, value: 'petrel' },
			{ name: 'algorithm', label: 'Algorithm', type: 'select', options: ['rsa', 'ed25519'], value: 'rsa' },
		], async v => {
			created = await api('POST', '/dkim', { domain: v.domain.trim(), selector: v.selector.trim(),
							       algorithm: v.algorithm });
		}, 'Generate');
		if (v) {
			list.reload();
			await dns_show(created && created.domain ? created : v);
		}
	}, 'primary');
	replace(main, page(domain ? 'DKIM keys of ' + domain : 'DKIM keys', create, list.el));
}
