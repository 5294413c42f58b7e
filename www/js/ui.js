/*
 * ui.js — the pieces every page shares: messages, modal dialogs (the
 * confirmation asked before every destructive action and small forms),
 * the paged/searchable list, key/value tables and value formatting.
 */
import { h, clear, replace } from './dom.js';
import { api, query_string } from './api.js';

/* ---- messages ---- */

let flash_box = null;

export function flash_attach(el) {
	flash_box = el;
}

export function flash(message, kind = 'ok') {
	if (!flash_box)
		return;
	const item = h('div', { class: 'flash ' + kind, role: kind === 'error' ? 'alert' : 'status' },
		       message);
	flash_box.appendChild(item);
	setTimeout(() => item.remove(), kind === 'error' ? 8000 : 4000);
}

export function error_text(e) {
	if (e && e.status !== undefined)
		return (e.field ? e.field + ': ' : '') + e.message + (e.status ? ` (${e.status})` : '');
	return String(e && e.message ? e.message : e);
}

/* Run an action; report its error instead of throwing. */
export async function attempt(action, success) {
	try {
		const result = await action();
		if (success)
			flash(success);
		return result;
	} catch (e) {
		flash(error_text(e), 'error');
		return undefined;
	}
}

/* ---- formatting ---- */

export function fmt_bytes(n) {
	if (n === null || n === undefined || n === '')
		return '';
	n = Number(n);
	const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	let i = 0;
	while (n >= 1024 && i < units.length - 1) {
		n /= 1024;
		i++;
	}
	return (i ? n.toFixed(1) : String(n)) + ' ' + units[i];
}

/* "10M", "2 GiB", "1048576" -> bytes; NaN when not a size. */
export function parse_bytes(text) {
	const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(String(text));
	if (!m)
		return NaN;
	const power = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2].toLowerCase()];
	return Math.round(Number(m[1]) * 1024 ** power);
}

export function fmt_duration(seconds) {
	seconds = Math.max(0, Math.floor(Number(seconds) || 0));
	const d = Math.floor(seconds / 86400), hr = Math.floor(seconds % 86400 / 3600);
	const min = Math.floor(seconds % 3600 / 60);
	if (d)
		return `${d}d ${hr}h`;
	if (hr)
		return `${hr}h ${min}m`;
	return `${min}m ${seconds % 60}s`;
}

/* Any JSON value as text (objects compactly). */
export function fmt_value(v) {
	if (v === null || v === undefined)
		return '';
	if (typeof v === 'boolean')
		return v ? 'yes' : 'no';
	if (Array.isArray(v))
		return v.map(fmt_value).join(', ');
	if (typeof v === 'object')
		return JSON.stringify(v);
	return String(v);
}

/* ---- dialogs ---- */

function dialog_open(build) {
	return new Promise(resolve => {
		const dlg = h('dialog', { class: 'modal' });
		const close = value => {
			dlg.close();
			dlg.remove();
			resolve(value);
		};
		dlg.addEventListener('cancel', ev => {
			ev.preventDefault();
			close(null);
		});
		build(dlg, close);
		document.body.appendChild(dlg);
		dlg.showModal();
		const first = dlg.querySelector('input, select, textarea, button.primary, button.danger');
		if (first)
			first.focus();
	});
}

/* The confirmation asked before every destructive action. */
export function confirm_action(message, action_label = 'Delete') {
	return dialog_open((dlg, close) => {
		dlg.append(
			h('p', { class: 'confirm-text' }, message),
			h('div', { class: 'buttons' },
			  h('button', { type: 'button', onclick: () => close(false) }, 'Cancel'),
			  h('button', { type: 'button', class: 'danger', 'data-confirm': 'yes',
					onclick: () => close(true) }, action_label)));
	}).then(v => v === true);
}

/* Show content in a modal with a Close button. */
export function info_dialog(title, ...content) {
	return dialog_open((dlg, close) => {
		dlg.append(h('h2', null, title), h('div', { class: 'info' }, content),
			   h('div', { class: 'buttons' },
			     h('button', { type: 'button', class: 'primary', onclick: () => close(true) }, 'Close')));
	});
}

/* A field of form_dialog() / form_inline():
   {name, label, type: text|password|number|checkbox|select|textarea,
    options: [...], value, required, placeholder} */
function field_input(f) {
	const common = { name: f.name, id: 'f-' + f.name, required: f.required,
			 placeholder: f.placeholder, autocomplete: f.autocomplete || 'off' };
	if (f.type === 'checkbox')
		return h('input', { ...common, type: 'checkbox', checked: f.value });
	if (f.type === 'select')
		return h('select', common, f.options.map(o => {
			const [value, label] = Array.isArray(o) ? o : [o, o];
			const opt = h('option', { value }, label);
			if (String(f.value) === String(value))
				opt.selected = true;
			return opt;
		}));
	if (f.type === 'textarea')
		return h('textarea', { ...common, rows: f.rows || 4, value: f.value ?? '' });
	return h('input', { ...common, type: f.type || 'text', value: f.value ?? '' });
}

function form_values(form, fields) {
	const values = {};
	for (const f of fields) {
		const el = form.elements[f.name];
		values[f.name] = f.type === 'checkbox' ? el.checked : el.value;
	}
	return values;
}

export function form_fields(fields) {
	return fields.map(f => f.type === 'checkbox'
		? h('label', { class: 'check' }, field_input(f), ' ', f.label)
		: h('label', { for: 'f-' + f.name }, f.label, field_input(f)));
}

/* A modal form; resolves to its values or null when cancelled. submit
   (values) may throw an ApiError: it is shown and the form stays open. */
export function form_dialog(title, fields, submit, submit_label = 'Save') {
	return dialog_open((dlg, close) => {
		const error = h('p', { class: 'form-error', role: 'alert' });
		const form = h('form', { class: 'dialog-form' },
			       h('h2', null, title), form_fields(fields), error,
			       h('div', { class: 'buttons' },
				 h('button', { type: 'button', onclick: () => close(null) }, 'Cancel'),
				 h('button', { type: 'submit', class: 'primary' }, submit_label)));
		form.addEventListener('submit', async ev => {
			ev.preventDefault();
			const values = form_values(form, fields);
			try {
				if (submit)
					await submit(values);
				close(values);
			} catch (e) {
				replace(error, error_text(e));
			}
		});
		dlg.append(form);
	});
}

/* ---- tables ---- */

/* columns: [{label, value: row => text|Node, sort: 'field'}] */
export function table(columns, rows, sort_state) {
	const head = h('tr', null, columns.map(c => {
		if (!c.sort || !sort_state)
			return h('th', null, c.label);
		const cur = sort_state.get();
		const arrow = cur === c.sort ? ' ▲' : cur === '-' + c.sort ? ' ▼' : '';
		return h('th', null, h('button', {
			type: 'button', class: 'link',
			onclick: () => sort_state.set(cur === c.sort ? '-' + c.sort : c.sort),
		}, c.label + arrow));
	}));
	const body = rows.length
		? rows.map(r => h('tr', null, columns.map(c => {
			const v = c.value(r);
			return h('td', null, v instanceof Node ? v : fmt_value(v));
		})))
		: h('tr', null, h('td', { colspan: columns.length, class: 'empty' }, 'Nothing here.'));
	return h('table', { class: 'grid' }, h('thead', null, head), h('tbody', null, body));
}

/* An object as a two-column table. */
export function kv_table(obj) {
	return h('table', { class: 'kv' }, h('tbody', null,
		Object.entries(obj || {}).map(([k, v]) =>
			h('tr', null, h('th', null, k), h('td', null, fmt_value(v))))));
}

export function actions(...buttons) {
	return h('span', { class: 'actions' }, buttons);
}

export function button(label, onclick, cls) {
	return h('button', { type: 'button', class: cls, onclick }, label);
}

/* A searchable, sortable, paged list of an API collection. opts:
   {path, columns, params: () => ({...extra query}), search: true,
    per_page: 25, default_sort}. Returns {el, reload}. */
export function list_view(opts) {
	const state = { page: 1, q: '', sort: opts.default_sort || '' };
	const per_page = opts.per_page || 25;
	const body = h('div', { class: 'list-body' });
	const pager = h('div', { class: 'pager' });
	const search = h('input', { type: 'search', placeholder: 'Search…', class: 'search',
				   'aria-label': 'Search' });
	let timer = null;
	search.addEventListener('input', () => {
		clearTimeout(timer);
		timer = setTimeout(() => {
			state.q = search.value.trim();
			state.page = 1;
			reload();
		}, 250);
	});
	const sort_state = {
		get: () => state.sort,
		set: v => { state.sort = v; state.page = 1; reload(); },
	};

	async function reload() {
		const params = { ...(opts.params ? opts.params() : {}), page: state.page,
				 per_page, q: state.q, sort: state.sort };
		let data;
		try {
			data = await api('GET', opts.path + query_string(params));
		} catch (e) {
			replace(body, h('p', { class: 'form-error' }, error_text(e)));
			clear(pager);
			return;
		}
		const items = data && Array.isArray(data.items) ? data.items : [];
		replace(body, table(opts.columns, items, sort_state));
		const total = Number(data && data.total) || items.length;
		const pages = Math.max(1, Math.ceil(total / per_page));
		replace(pager,
			button('‹ Previous', () => { state.page--; reload(); }, state.page <= 1 ? 'disabled' : ''),
			h('span', { class: 'page-info' }, `Page ${state.page} of ${pages} · ${total} total`),
			button('Next ›', () => { state.page++; reload(); }, state.page >= pages ? 'disabled' : ''));
		pager.querySelectorAll('button.disabled').forEach(b => { b.disabled = true; });
	}

	const el = h('div', { class: 'list' },
		     opts.search === false ? null : h('div', { class: 'toolbar' }, search),
		     body, pager);
	reload();
	return { el, reload };
}

/* A page's frame: title, toolbar buttons, content. */
export function page(title, toolbar, ...content) {
	return [h('div', { class: 'page-head' }, h('h1', null, title),
		  h('div', { class: 'page-tools' }, toolbar)), content];
}

/* The collection's items from GET path (for small lists). */
export async function items_of(path) {
	const data = await api('GET', path);
	return data && Array.isArray(data.items) ? data.items : Array.isArray(data) ? data : [];
}
