/*
 * page-rules.js — staged SMTP rules (/rules) and delivery-time rules
 * (/delivery-rules): list, create, edit, enable/disable, delete.
 * Conditions are edited one per line as "attribute operator value"; the
 * server validates them (and compiles regexes) and names the bad field.
 */
import { h, replace } from './dom.js';
import { api, enc } from './api.js';
import { list_view, page, button, actions, form_dialog, confirm_action, attempt } from './ui.js';

const STAGES = ['connect', 'helo', 'mail', 'rcpt', 'headers', 'complete'];

function conds_text(conds) {
	return (conds || []).map(c => `${c.attribute} ${c.operator} ${c.value}`).join('\n');
}

/* "rcpt_domain eq example.com" -> {attribute, operator, value} */
export function conds_parse(text) {
	return String(text).split('\n').map(l => l.trim()).filter(Boolean).map(line => {
		const m = /^(\S+)\s+(\S+)\s*(.*)$/.exec(line);
		if (!m)
			throw new Error(`condition "${line}": write "attribute operator value"`);
		return { attribute: m[1], operator: m[2], value: m[3] };
	});
}

function rule_fields(smtp, r) {
	r = r || { priority: 100, enabled: true };
	return [
		{ name: 'name', label: 'Name', required: true, value: r.name },
		{ name: 'priority', label: 'Priority (lower runs first)', type: 'number', value: r.priority },
		smtp ? { name: 'stage', label: 'Stage', type: 'select', options: STAGES, value: r.stage || 'rcpt' } : null,
		{ name: 'conditions', label: 'Conditions, one per line: attribute operator value',
		  type: 'textarea', value: conds_text(r.conditions) },
		{ name: 'action', label: 'Action', required: true, value: r.action,
		  placeholder: smtp ? 'reject, tempfail, accept, discard, redirect, tag_subject, …' : 'reject, …' },
		{ name: 'argument', label: 'Action argument', value: r.argument },
		smtp ? { name: 'weight', label: 'Weight', type: 'number', value: r.weight ?? 0 } : null,
		{ name: 'comment', label: 'Comment', value: r.comment },
		{ name: 'enabled', label: 'Enabled', type: 'checkbox', value: r.enabled },
	].filter(Boolean);
}

function rule_body(smtp, v) {
	const body = { name: v.name.trim(), priority: Number(v.priority), action: v.action.trim(),
		       argument: v.argument, comment: v.comment, enabled: v.enabled,
		       conditions: conds_parse(v.conditions) };
	if (smtp) {
		body.stage = v.stage;
		body.weight = Number(v.weight);
	}
	return body;
}

function rules_section(path, title, smtp) {
	let list = null;
	const edit = async r => {
		const v = await form_dialog(r ? 'Rule ' + r.name : 'New rule', rule_fields(smtp, r),
			v => r ? api('PATCH', path + '/' + enc(r.name), rule_body(smtp, v))
			       : api('POST', path, rule_body(smtp, v)), r ? 'Save' : 'Create');
		if (v)
			list.reload();
	};
	list = list_view({
		path, search: false,
		columns: [
			{ label: 'Name', value: r => r.name },
			{ label: 'Priority', value: r => r.priority },
			smtp ? { label: 'Stage', value: r => r.stage } : null,
			{ label: 'Conditions', value: r => h('code', null, conds_text(r.conditions)) },
			{ label: 'Action', value: r => r.argument ? `${r.action} ${r.argument}` : r.action },
			{ label: 'Enabled', value: r => r.enabled },
			{ label: '', value: r => actions(
				button('Edit', () => edit(r)),
				button(r.enabled ? 'Disable' : 'Enable', async () => {
					await attempt(() => api('PATCH', path + '/' + enc(r.name), { enabled: !r.enabled }));
					list.reload();
				}),
				button('Delete', async () => {
					if (!await confirm_action(`Delete the rule ${r.name}?`))
						return;
					await attempt(() => api('DELETE', path + '/' + enc(r.name)), `Rule ${r.name} deleted`);
					list.reload();
				}, 'danger')) },
		].filter(Boolean),
	});
	return h('section', { class: 'card' }, h('div', { class: 'page-head' }, h('h2', null, title),
		 button('New rule', () => edit(null), 'primary')), list.el);
}

export async function render(main) {
	replace(main, page('Rules', null,
		rules_section('/rules', 'SMTP rules', true),
		rules_section('/delivery-rules', 'Delivery rules', false)));
}
