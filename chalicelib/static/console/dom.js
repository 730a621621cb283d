// Building DOM nodes without markup strings: text is always text, never parsed as HTML.

/** An element with attributes, listeners (onclick: fn) and children (nodes or text). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

/** Appends nodes or text, skipping null, undefined and false. */
export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** An SVG element (the usage chart). */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return append(element, children);
}

let ids = 0;
/** A document-unique id for label and description wiring. */
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** Says something to screen readers without moving focus. */
export function announce(text) {
  const region = document.getElementById('announcer');
  region.textContent = '';
  // A fresh text node after a tick, so the same message twice is read twice.
  setTimeout(() => { region.textContent = text; }, 50);
}

const ICONS = {
  edit: 'M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4',
  rotate: 'M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7',
  revoke: 'M5 7h14M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3',
};

/** A 20 px line icon, hidden from screen readers (its button names the action). */
export function icon(name) {
  return svg('svg', { class: 'icon', viewBox: '0 0 24 24', width: 20, height: 20, 'aria-hidden': 'true', focusable: 'false' },
    svg('path', { d: ICONS[name] }));
}

/** A button whose visible part is an icon and whose accessible name is ``label``. */
export function iconButton(name, label, onclick, danger = false) {
  return h('button', { type: 'button', class: `icon-button${danger ? ' icon-button--danger' : ''}`, title: label, onclick },
    icon(name), h('span', { class: 'visually-hidden' }, label));
}

/** A badge: ``kind`` picks its colour class. */
export function badge(kind, text) {
  return h('span', { class: `badge badge--${kind}` }, text);
}
