// dom.js: a tiny element builder. Text always goes in as text nodes, never
// as HTML: everything a customer writes is untrusted.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const $ = (id) => document.getElementById(id);

// setText changes text only when it differs, so ticking every second does
// not disturb selection or screen readers.
export function setText(el, s) {
  if (el.textContent !== s) el.textContent = s;
}

export function setAttr(el, name, v) {
  if (v === null || v === undefined || v === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== String(v)) {
    el.setAttribute(name, v);
  }
}
