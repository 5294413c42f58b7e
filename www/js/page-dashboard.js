/*
 * page-dashboard.js — the cluster at a glance: nodes and their health,
 * the queue by state, traffic of the last 24 h (an SVG chart drawn here
 * with DOM APIs, no library) and recent rejects from /stats.
 */
import { h, svg, replace } from './dom.js';
import { api, session_is_superadmin } from './api.js';
import { queue_summary_view } from './page-queue.js';
import { table, fmt_duration, error_text, page, button } from './ui.js';

/* A node not seen for this long is shown as down (nodes report every few s). */
const NODE_STALE_SECONDS = 60;

function section(title, id, wide) {
	const body = h('div', { class: 'card-body', id }, 'Loading…');
	return { el: h('section', { class: wide ? 'card wide' : 'card' }, h('h2', null, title), body), body };
}

async function fill(body, loader) {
	try {
		replace(body, await loader());
	} catch (e) {
		replace(body, h('p', { class: 'form-error' }, error_text(e)));
	}
}

function node_health(n) {
	const seen = Date.parse(n.last_seen);
	const up = !Number.isNaN(seen) && (Date.now() - seen) / 1000 < NODE_STALE_SECONDS;
	return h('span', { class: 'badge ' + (up ? 'ok' : 'bad') }, up ? 'up' : 'down');
}

async function nodes_table() {
	const data = await api('GET', '/nodes');
	const items = data.items || [];
	return table([
		{ label: 'Node', value: n => n.id },
		{ label: 'Host', value: n => n.host },
		{ label: 'Health', value: node_health },
		{ label: 'Version', value: n => n.version },
		{ label: 'Uptime', value: n => n.uptime_seconds !== undefined ? fmt_duration(n.uptime_seconds) : n.started_at },
		{ label: 'Last seen', value: n => n.last_seen },
		{ label: 'Sessions', value: n => n.sessions && typeof n.sessions === 'object'
			? Object.entries(n.sessions).map(([p, c]) => `${p}: ${c}`).join(', ') : n.sessions },
	], items);
}

function counts_table(obj, key_label) {
	if (obj && Array.isArray(obj.items))
		obj = obj.items;
	const rows = Array.isArray(obj) ? obj : Object.entries(obj || {}).map(([k, v]) => ({ k, v }));
	if (Array.isArray(obj)) {
		const keys = rows.length ? Object.keys(rows[0]) : [key_label, 'count'];
		return table(keys.map(k => ({ label: k, value: r => r[k] })), rows);
	}
	return table([{ label: key_label, value: r => r.k }, { label: 'count', value: r => r.v }], rows);
}

/* Two series (received, sent) per hour as bars, with hour labels. */
export function traffic_chart(traffic) {
	const W = 720, H = 220, PAD_L = 40, PAD_B = 28, PAD_T = 10;
	const n = Math.max(traffic.length, 1);
	const max = Math.max(1, ...traffic.map(t => Math.max(Number(t.received) || 0, Number(t.sent) || 0)));
	const slot = (W - PAD_L) / n, bar = Math.max(1, slot / 2 - 1);
	const y = v => H - PAD_B - (H - PAD_B - PAD_T) * v / max;
	const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img',
				   'aria-label': 'Messages per hour, last 24 hours' });
	chart.append(svg('line', { x1: PAD_L, y1: H - PAD_B, x2: W, y2: H - PAD_B, class: 'axis' }),
		     svg('text', { x: PAD_L - 4, y: PAD_T + 8, 'text-anchor': 'end', class: 'tick' }, String(max)),
		     svg('text', { x: PAD_L - 4, y: H - PAD_B, 'text-anchor': 'end', class: 'tick' }, '0'));
	traffic.forEach((t, i) => {
		const x = PAD_L + i * slot;
		const rec = Number(t.received) || 0, sent = Number(t.sent) || 0;
		chart.append(
			svg('rect', { x, y: y(rec), width: bar, height: H - PAD_B - y(rec), class: 'bar-received' },
			    svg('title', null, `${t.hour}: ${rec} received`)),
			svg('rect', { x: x + bar, y: y(sent), width: bar, height: H - PAD_B - y(sent), class: 'bar-sent' },
			    svg('title', null, `${t.hour}: ${sent} sent`)));
		if (i % 3 === 0) {
			const label = String(t.hour || '').replace(/^.*[T ](\d\d):.*$/, '$1h');
			chart.append(svg('text', { x: x + bar, y: H - 8, 'text-anchor': 'middle', class: 'tick' }, label));
		}
	});
	const totals = traffic.reduce((a, t) => [a[0] + (Number(t.received) || 0), a[1] + (Number(t.sent) || 0)], [0, 0]);
	return h('div', null, chart,
		 h('p', { class: 'legend' },
		   h('span', { class: 'swatch received' }), ` received: `, h('strong', { id: 'traffic-received' }, String(totals[0])),
		   '   ', h('span', { class: 'swatch sent' }), ` sent: `, h('strong', { id: 'traffic-sent' }, String(totals[1]))));
}

async function stats_parts(traffic_body, top_body, rejects_body) {
	let stats;
	try {
		stats = await api('GET', '/stats?hours=24');
	} catch (e) {
		for (const b of [traffic_body, top_body, rejects_body])
			replace(b, h('p', { class: 'form-error' }, error_text(e)));
		return;
	}
	replace(traffic_body, traffic_chart(Array.isArray(stats.traffic) ? stats.traffic : []));
	replace(top_body, h('div', { class: 'two' },
		h('div', null, h('h3', null, 'Top senders'), counts_table(stats.top_senders, 'sender')),
		h('div', null, h('h3', null, 'Top recipients'), counts_table(stats.top_recipients, 'recipient'))));
	replace(rejects_body, counts_table(stats.rejects_by_reason, 'reason'));
}

export async function render(main) {
	const superadmin = session_is_superadmin();
	const nodes = section('Nodes', 'dash-nodes', true), queue = section('Queue', 'dash-queue');
	const traffic = section('Traffic, last 24 hours', 'dash-traffic');
	const top = section('Top senders and recipients', 'dash-top');
	const rejects = section('Recent rejects by reason', 'dash-rejects');
	replace(main, page('Dashboard', button('Refresh', () => render(main))),
		h('div', { class: 'cards' }, nodes.el, queue.el, traffic.el, rejects.el, top.el));
	if (!superadmin) {
		for (const c of [nodes, queue, traffic, top, rejects])
			replace(c.body, 'Only superadmins see the cluster\'s state.');
		return;
	}
	await Promise.all([
		fill(nodes.body, nodes_table),
		fill(queue.body, async () => queue_summary_view(await api('GET', '/queue/summary'))),
		stats_parts(traffic.body, top.body, rejects.body),
	]);
}
