/*
 * page-settings.js — settings with their inheritance: at server, domain
 * or account scope, each setting's value set here, the effective value and
 * where it comes from (account, domain, server or default). Set = PUT,
 * reset to the inherited value = DELETE.
 */
import { h, replace } from './dom.js';
import { api, enc, session_domains, session_is_superadmin } from './api.js';
import { list_view, page, button, actions, form_dialog, confirm_action, attempt } from './ui.js';

/* A domain admin has no server scope: it starts at its first domain. */
function scope_of(params) {
	if (!session_is_superadmin() && !params.get('account') && !params.get('domain')) {
		const domains = session_domains();
		params = new URLSearchParams(domains.length ? { domain: domains[0] } : {});
	}
	if (params.get('account'))
		return { kind: 'account', name: params.get('account'),
			 path: '/accounts/' + enc(params.get('account')) + '/settings' };
	if (params.get('domain'))
		return { kind: 'domain', name: params.get('domain'),
			 path: '/domains/' + enc(params.get('domain')) + '/settings' };
	return { kind: 'server', name: '', path: '/settings' };
}

function scope_picker(scope, superadmin) {
	const kinds = superadmin ? ['server', 'domain', 'account'] : ['domain', 'account'];
	const kind = h('select', { id: 'scope-kind', 'aria-label': 'Scope' },
		       kinds.map(k => {
			       const o = h('option', { value: k }, k);
			       o.selected = k === scope.kind;
			       return o;
		       }));
	const name = h('input', { id: 'scope-name', value: scope.name, 'aria-label': 'Domain or account',
				  placeholder: 'domain or address' });
	const form = h('form', { class: 'toolbar' }, 'Scope ', kind, ' ', name, ' ',
		       h('button', { type: 'submit' }, 'Show'));
	form.addEventListener('submit', ev => {
		ev.preventDefault();
		const q = kind.value === 'server' ? '' : `?${kind.value}=${enc(name.value.trim())}`;
		location.hash = '#/settings' + q;
	});
	return form;
}

export async function render(main, params) {
	const scope = scope_of(params);
	let list = null;
	const set = async s => {
		const v = await form_dialog(`${s.name} (${scope.kind}${scope.name ? ' ' + scope.name : ''})`, [
			{ name: 'value', label: `Value (${s.type}; default ${s.default})`, value: s.value ?? s.effective },
		], v => api('PUT', scope.path + '/' + enc(s.name), { value: v.value }));
		if (v)
			list.reload();
	};
	list = list_view({
		path: scope.path,
		columns: [
			{ label: 'Setting', sort: 'name', value: s => h('span', { title: s.description }, s.name) },
			{ label: 'Set here', value: s => s.value ?? '' },
			{ label: 'Effective', value: s => s.effective },
			{ label: 'Source', value: s => h('span', { class: 'badge source-' + s.source }, s.source) },
			{ label: 'Default', value: s => s.default },
			{ label: 'Description', value: s => h('span', { class: 'desc' }, s.description) },
			{ label: '', value: s => actions(
				button('Set', () => set(s)),
				s.value !== null && s.value !== undefined ? button('Reset', async () => {
					if (!await confirm_action(`Remove ${s.name} at this scope (inherit it again)?`, 'Reset'))
						return;
					await attempt(() => api('DELETE', scope.path + '/' + enc(s.name)), `${s.name} reset`);
					list.reload();
				}, 'danger') : null) },
		],
	});
	const title = scope.kind === 'server' ? 'Server settings' : `Settings of ${scope.kind} ${scope.name}`;
	const superadmin = session_is_superadmin();
	if (scope.kind === 'server' && !superadmin) {
		replace(main, page('Settings', null, h('p', null, 'You administer no domain.')));
		return;
	}
	replace(main, page(title, null, scope_picker(scope, superadmin), list.el));
}
