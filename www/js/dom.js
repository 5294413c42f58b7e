/*
 * dom.js — building DOM nodes without HTML strings.
 *
 * Every value that comes from the API is turned into a text node here, so
 * a display name such as "<script>…" is shown as those characters and can
 * never become markup. No innerHTML anywhere in the UI.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

function dom_append(parent, child) {
	if (child === null || child === undefined || child === false)
		return;
	if (Array.isArray(child)) {
		child.forEach(c => dom_append(parent, c));
		return;
	}
	if (child instanceof Node)
		parent.appendChild(child);
	else
		parent.appendChild(document.createTextNode(String(child)));
}

function dom_set_attrs(el, attrs) {
	for (const [name, value] of Object.entries(attrs || {})) {
		if (value === null || value === undefined || value === false)
			continue;
		if (name.startsWith('on') && typeof value === 'function')
			el.addEventListener(name.slice(2), value);
		else if (name === 'value' && 'value' in el)
			el.value = value;
		else if (name === 'checked' && 'checked' in el)
			el.checked = Boolean(value);
		else
			el.setAttribute(name, value === true ? '' : String(value));
	}
}

/* h('button', {class: 'danger', onclick: f}, 'Delete') */
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	dom_set_attrs(el, attrs);
	dom_append(el, children);
	return el;
}

/* The same for SVG elements (the dashboard's chart). */
export function svg(tag, attrs, ...children) {
	const el = document.createElementNS(SVG_NS, tag);
	for (const [name, value] of Object.entries(attrs || {}))
		el.setAttribute(name, String(value));
	dom_append(el, children);
	return el;
}

export function clear(el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
}

export function replace(el, ...children) {
	clear(el);
	dom_append(el, children);
	return el;
}
