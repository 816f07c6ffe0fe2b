// DOM helpers. Everything is built with createElement and textContent: no HTML strings,
// no inline styles, no inline handlers (the page's CSP allows none of them).

// h creates an element. props: class, text, testid, screen, on<event> handlers, and
// attributes (true → present, false/null/undefined → absent).
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'style') throw new Error('no inline styles');
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'testid') el.dataset.testid = v;
    else if (k === 'screen') el.dataset.screen = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (k === 'checked' && 'checked' in el) el.checked = !!v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

let uid = 0;
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

const SVG = 'http://www.w3.org/2000/svg';

// Icons: 24×24 stroke drawings, decorative (aria-hidden).
const ICONS = {
  back: [['path', { d: 'M15 18l-6-6 6-6' }]],
  close: [['path', { d: 'M18 6L6 18M6 6l12 12' }]],
  search: [['circle', { cx: 11, cy: 11, r: 7 }], ['path', { d: 'M20 20l-3.5-3.5' }]],
  chevron: [['path', { d: 'M9 18l6-6-6-6' }]],
  lock: [['rect', { x: 5, y: 11, width: 14, height: 10, rx: 2 }], ['path', { d: 'M8 11V7a4 4 0 0 1 8 0v4' }]],
  check: [['path', { d: 'M20 6L9 17l-5-5' }]],
  alert: [['circle', { cx: 12, cy: 12, r: 9 }], ['path', { d: 'M12 7.5v5' }], ['path', { d: 'M12 16.2v.1' }]],
  clock: [['circle', { cx: 12, cy: 12, r: 9 }], ['path', { d: 'M12 7v5l3 2' }]],
  shield: [['path', { d: 'M12 21s7.5-3.5 7.5-9.5V5.5L12 3 4.5 5.5v6C4.5 17.5 12 21 12 21z' }], ['path', { d: 'M9 12l2 2 4-4' }]],
  link: [['path', { d: 'M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7' }], ['path', { d: 'M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7' }]],
  unplug: [['path', { d: 'M7 7l10 10' }], ['path', { d: 'M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-3.4-8.5' }], ['path', { d: 'M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 3.4 8.5' }]],
  key: [['circle', { cx: 8, cy: 15, r: 4 }], ['path', { d: 'M10.8 12.2L20 3M16 7l3 3M14 9l2 2' }]],
  send: [['path', { d: 'M7 17L17 7' }], ['path', { d: 'M8 7h9v9' }]],
  wallet: [['rect', { x: 3, y: 6, width: 18, height: 14, rx: 3 }], ['path', { d: 'M3 10h18' }], ['path', { d: 'M16 15h2' }], ['path', { d: 'M6 6l9-3 1.5 3' }]],
  ban: [['circle', { cx: 12, cy: 12, r: 9 }], ['path', { d: 'M5.7 5.7l12.6 12.6' }]],
  pen: [['path', { d: 'M4 20h4L19 9l-4-4L4 16v4z' }], ['path', { d: 'M13.5 6.5l4 4' }]],
  minus: [['path', { d: 'M7 12h10' }]],
  info: [['circle', { cx: 12, cy: 12, r: 9 }], ['path', { d: 'M12 11v5' }], ['path', { d: 'M12 7.8v.1' }]],
};

export function icon(name, cls = 'icon') {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  for (const [tag, attrs] of ICONS[name] || []) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.appendChild(el);
  }
  return svg;
}
