/*
 * page-queue.js — the outbound queue: summary, list (state filter, search,
 * paging), a message's recipients, retry, delete, flush (retry all now).
 */
import { h, replace } from './dom.js';
import { api, enc } from './api.js';
import { list_view, page, button, actions, confirm_action, attempt, fmt_bytes, kv_table,
	 info_dialog, table } from './ui.js';

const STATES = ['', 'queued', 'deferred', 'delivering', 'done'];

/* GET /queue/summary: {messages, recipients, states: {...}, top_domains}. */
export function queue_summary_view(sum) {
	const states = sum.states || {};
	return h('div', { class: 'queue-summary' },
		 h('p', null, `${sum.messages ?? 0} messages, ${sum.recipients ?? 0} recipients`),
		 h('ul', { class: 'states' }, Object.entries(states).map(([k, v]) =>
			 h('li', null, h('span', { class: 'state-name' }, k), ' ', h('strong', null, String(v))))),
		 Array.isArray(sum.top_domains) && sum.top_domains.length
			 ? table([{ label: 'Destination domain', value: d => d.domain },
				  { label: 'Waiting', value: d => d.waiting }], sum.top_domains)
			 : null);
}

async function message_show(m) {
	const data = await attempt(() => api('GET', '/queue/' + enc(m.id)));
	if (!data)
		return;
	const { recipients, ...message } = data;
	await info_dialog('Queued message ' + m.id, kv_table(message),
		h('h3', null, 'Recipients'),
		table(['recipient', 'state', 'attempts', 'next_attempt', 'last_code', 'last_error']
			.map(k => ({ label: k.replace('_', ' '), value: r => r[k] })), recipients || []));
}

export async function render(main, params) {
	let state = params.get('state') || '';
	const summary = h('div', { class: 'card' }, 'Loading…');
	const load_summary = async () => {
		try {
			replace(summary, queue_summary_view(await api('GET', '/queue/summary')));
		} catch (e) {
			replace(summary, String(e.message));
		}
	};
	let list = null;
	const reload = () => { list.reload(); load_summary(); };
	list = list_view({
		path: '/queue',
		params: () => ({ state }),
		default_sort: '-queued_at',
		columns: [
			{ label: 'Id', value: m => m.id },
			{ label: 'Sender', value: m => m.sender || '<>' },
			{ label: 'Recipients', value: m => `${m.pending}/${m.recipient_count} pending` },
			{ label: 'Size', value: m => fmt_bytes(m.size) },
			{ label: 'Queued', sort: 'queued_at', value: m => m.queued_at },
			{ label: 'Next attempt', value: m => m.next_attempt },
			{ label: 'Last error', value: m => m.last_error },
			{ label: '', value: m => actions(
				button('Show', () => message_show(m)),
				button('Retry', async () => {
					await attempt(() => api('POST', '/queue/' + enc(m.id) + '/retry'),
						      `Message ${m.id} will be retried now`);
					reload();
				}, 'btn-retry'),
				button('Delete', async () => {
					if (!await confirm_action(`Delete the queued message ${m.id}? It will not be delivered.`))
						return;
					await attempt(() => api('DELETE', '/queue/' + enc(m.id)), `Message ${m.id} deleted`);
					reload();
				}, 'danger')) },
		],
	});
	const filter = h('select', { 'aria-label': 'State', id: 'queue-state', onchange: ev => {
		state = ev.target.value;
		list.reload();
	} }, STATES.map(s => {
		const o = h('option', { value: s }, s || 'any state');
		o.selected = s === state;
		return o;
	}));
	const flush = button('Retry all now', async () => {
		if (!await confirm_action('Retry every deferred message now?', 'Flush'))
			return;
		await attempt(() => api('POST', '/queue/flush'), 'Queue flushed');
		reload();
	}, 'danger');
	replace(main, page('Queue', [filter, ' ', flush], summary, list.el));
	load_summary();
}
