// charts.js: the few charts the pages draw, as plain SVG sized to their
// container (no library, nothing fetched). Each function replaces the
// contents of `el` and may be called again with new data: the live
// dashboard redraws every couple of seconds.

const NS = "http://www.w3.org/2000/svg";
export const PALETTE = ["#ff5000", "#2563eb", "#0d9488", "#7c3aed", "#64748b"];
const INK = "#6b7280";
const GRID = "#e3e6eb";

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, v);
  for (const c of children) el.append(typeof c === "string" ? document.createTextNode(c) : c);
  return el;
}

function svgBox(w, h, label) {
  return s("svg", { viewBox: `0 0 ${w} ${h}`, width: "100%", height: h, role: "img", "aria-label": label || "", "font-size": 11, "font-family": "inherit" });
}

function text(x, y, str, attrs = {}) {
  return s("text", { x, y, fill: INK, ...attrs }, String(str));
}

// niceStep is a round step (1, 2, 2.5, 5 × 10^k) cutting span in about n.
function niceStep(span, n) {
  const raw = span / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}

// ticks returns round values from 0 to at least max.
function ticks(max, n = 4) {
  if (!(max > 0)) max = 1;
  const st = niceStep(max, n);
  const out = [];
  for (let v = 0; v <= max + st * 0.999; v += st) out.push(+v.toPrecision(12));
  return out;
}

function emptyNote(el, w, h, msg) {
  const svg = svgBox(w, h, msg);
  svg.append(text(w / 2, h / 2, msg || "", { "text-anchor": "middle" }));
  el.replaceChildren(svg);
}

function width(el) {
  return Math.max(240, Math.floor(el.clientWidth || 480));
}

const TIME_STEPS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600].map((x) => x * 1000);

function hhmm(ms, seconds = false) {
  const d = new Date(ms);
  const p2 = (x) => String(x).padStart(2, "0");
  return p2(d.getHours()) + ":" + p2(d.getMinutes()) + (seconds ? ":" + p2(d.getSeconds()) : "");
}

// lineChart draws series over time.
//   series: [{label, color, values: [{t: Date|ms|ISO, v: number|null}], dash}]
//   opts: {height, format(v) for the y axis, yMax (at least), empty (text
//   when there is nothing to draw), label (for screen readers)}
// A null value breaks the line: no data is not zero.
export function lineChart(el, series, opts = {}) {
  const w = width(el), hgt = opts.height || 200;
  const m = { l: 48, r: 12, t: 10, b: 22 };
  const pts = series.map((sr) => sr.values.map((p) => ({ t: +new Date(p.t), v: p.v === null || p.v === undefined ? null : Number(p.v) })));
  const all = pts.flat();
  const vals = all.filter((p) => p.v !== null && Number.isFinite(p.v));
  if (all.length < 2 || vals.length === 0) return emptyNote(el, w, hgt, opts.empty);
  const t0 = Math.min(...all.map((p) => p.t)), t1 = Math.max(...all.map((p) => p.t));
  const ys = ticks(Math.max(opts.yMax || 0, ...vals.map((p) => p.v)));
  const yTop = ys[ys.length - 1];
  const fmt = opts.format || ((v) => String(v));
  const X = (t) => m.l + ((t - t0) / Math.max(1, t1 - t0)) * (w - m.l - m.r);
  const Y = (v) => hgt - m.b - (v / yTop) * (hgt - m.t - m.b);
  const svg = svgBox(w, hgt, opts.label);
  for (const v of ys) {
    svg.append(s("line", { x1: m.l, x2: w - m.r, y1: Y(v), y2: Y(v), stroke: GRID }));
    svg.append(text(m.l - 6, Y(v) + 4, fmt(v), { "text-anchor": "end" }));
  }
  const step = TIME_STEPS.find((st) => (t1 - t0) / st <= 6) || 3600e3;
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    svg.append(s("line", { x1: X(t), x2: X(t), y1: hgt - m.b, y2: hgt - m.b + 4, stroke: INK }));
    svg.append(text(X(t), hgt - 6, hhmm(t, step < 60e3), { "text-anchor": "middle" }));
  }
  series.forEach((sr, i) => {
    const color = sr.color || PALETTE[i % PALETTE.length];
    let d = "", pen = false;
    for (const p of pts[i]) {
      if (p.v === null || !Number.isFinite(p.v)) { pen = false; continue; }
      d += `${pen ? "L" : "M"}${X(p.t).toFixed(1)},${Y(p.v).toFixed(1)}`;
      pen = true;
    }
    if (d) svg.append(s("path", { d, fill: "none", stroke: color, "stroke-width": 2, "stroke-linejoin": "round", "stroke-dasharray": sr.dash || null }));
  });
  // Hover: a rule at the nearest sample with every series' value there.
  const rule = s("line", { y1: m.t, y2: hgt - m.b, stroke: INK, "stroke-dasharray": "3 3", visibility: "hidden" });
  const tip = document.createElement("div");
  tip.className = "chart-tip";
  tip.hidden = true;
  const hit = s("rect", { x: m.l, y: m.t, width: w - m.l - m.r, height: hgt - m.t - m.b, fill: "transparent" });
  hit.addEventListener("mousemove", (e) => {
    const r = svg.getBoundingClientRect();
    const t = t0 + ((e.clientX - r.left) * (w / r.width) - m.l) / (w - m.l - m.r) * (t1 - t0);
    const base = pts.find((p) => p.length) || [];
    let best = base[0];
    for (const p of base) if (Math.abs(p.t - t) < Math.abs(best.t - t)) best = p;
    rule.setAttribute("x1", X(best.t));
    rule.setAttribute("x2", X(best.t));
    rule.setAttribute("visibility", "visible");
    const lines = series.map((sr, i) => {
      const p = pts[i].find((q) => q.t === best.t);
      return `${sr.label}: ${p && p.v !== null ? fmt(p.v) : "—"}`;
    });
    tip.textContent = [hhmm(best.t, true), ...lines].join("\n");
    tip.hidden = false;
    tip.style.left = Math.min(X(best.t) * (r.width / w) + 8, r.width - 160) + "px";
  });
  hit.addEventListener("mouseleave", () => {
    rule.setAttribute("visibility", "hidden");
    tip.hidden = true;
  });
  svg.append(rule, hit);
  el.replaceChildren(svg, tip, legend(series));
}

function legend(series) {
  const box = document.createElement("div");
  box.className = "chart-legend";
  series.forEach((sr, i) => {
    const item = document.createElement("span");
    const sw = document.createElement("i");
    sw.style.background = sr.color || PALETTE[i % PALETTE.length];
    item.append(sw, sr.label);
    box.append(item);
  });
  return box;
}

// histogram draws how values spread. The domain ends at a round value
// above the 98th percentile; the last bin also holds the longer tail, so
// one 20-minute wait does not squash every other bar.
//   opts: {bins, height, format(v) for edges, color, marker: {value, label},
//   empty, label}
export function histogram(el, values, opts = {}) {
  const w = width(el), hgt = opts.height || 180;
  const xs = values.map(Number).filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b);
  if (!xs.length) return emptyNote(el, w, hgt, opts.empty);
  const m = { l: 36, r: 12, t: 10, b: 22 };
  const hi = Math.max(xs[Math.min(xs.length - 1, Math.floor(xs.length * 0.98))], opts.marker?.value || 0, 1e-9);
  const step = niceStep(hi, opts.bins || 12);
  const n = Math.max(1, Math.ceil(hi / step + 1e-9));
  const counts = new Array(n).fill(0);
  for (const v of xs) counts[Math.min(n - 1, Math.floor(v / step))]++;
  const tail = xs[xs.length - 1] >= n * step;
  const ys = ticks(Math.max(...counts), 3);
  const yTop = ys[ys.length - 1];
  const fmt = opts.format || ((v) => String(v));
  const X = (v) => m.l + (v / (n * step)) * (w - m.l - m.r);
  const Y = (c) => hgt - m.b - (c / yTop) * (hgt - m.t - m.b);
  const svg = svgBox(w, hgt, opts.label);
  for (const c of ys) {
    svg.append(s("line", { x1: m.l, x2: w - m.r, y1: Y(c), y2: Y(c), stroke: GRID }));
    svg.append(text(m.l - 6, Y(c) + 4, c, { "text-anchor": "end" }));
  }
  const color = opts.color || PALETTE[1];
  counts.forEach((c, i) => {
    const x = X(i * step), bw = Math.max(1, X((i + 1) * step) - x - 1);
    const last = i === n - 1 && tail;
    const range = last ? `≥ ${fmt(i * step)}` : `${fmt(i * step)} – ${fmt((i + 1) * step)}`;
    svg.append(s("rect", { x, y: Y(c), width: bw, height: Math.max(0, hgt - m.b - Y(c)), fill: color, opacity: 0.85 }, s("title", {}, `${range}: ${c}`)));
  });
  const every = Math.ceil((n + 1) / Math.max(2, Math.floor((w - m.l - m.r) / 56)));
  // Edge labels every `every` bins, always including the last edge (with
  // "+" when the last bin holds the tail).
  const edges = [];
  for (let i = 0; i <= n; i += every) edges.push(i);
  if (edges[edges.length - 1] !== n) {
    if (edges.length > 1 && n - edges[edges.length - 1] < every) edges.pop();
    edges.push(n);
  }
  for (const i of edges) {
    svg.append(text(X(i * step), hgt - 6, fmt(i * step) + (i === n && tail ? "+" : ""), { "text-anchor": i === n ? "end" : "middle" }));
  }
  if (opts.marker && Number.isFinite(opts.marker.value)) {
    const x = X(Math.min(opts.marker.value, n * step));
    svg.append(s("line", { x1: x, x2: x, y1: m.t, y2: hgt - m.b, stroke: opts.marker.color || "#dc2626", "stroke-width": 1.5, "stroke-dasharray": "4 3" }));
    svg.append(text(x + 4, m.t + 10, opts.marker.label || "", { fill: opts.marker.color || "#dc2626" }));
  }
  el.replaceChildren(svg);
}

// hbars draws one horizontal bar per row against its own maximum.
//   rows: [{label, value, max, color, note (text at the right), muted}]
//   opts: {labelWidth, rowHeight, empty, label}
export function hbars(el, rows, opts = {}) {
  const w = width(el), rh = opts.rowHeight || 22;
  if (!rows.length) return emptyNote(el, w, 60, opts.empty);
  const lw = opts.labelWidth || Math.min(170, Math.floor(w * 0.35)), nw = 64;
  const hgt = rows.length * rh + 4;
  const svg = svgBox(w, hgt, opts.label);
  rows.forEach((r, i) => {
    const y = i * rh + 2, bx = lw + 8, bwid = w - bx - nw;
    const share = r.max > 0 ? Math.min(1, r.value / r.max) : 0;
    const label = r.label.length > 26 ? "…" + r.label.slice(-25) : r.label;
    const name = text(lw, y + rh / 2 + 4, label, { "text-anchor": "end", fill: r.muted ? "#9ca3af" : "#1d2330" });
    name.append(s("title", {}, r.label));
    svg.append(name);
    svg.append(s("rect", { x: bx, y: y + 4, width: bwid, height: rh - 8, rx: 3, fill: "#f1f3f6" }));
    if (share > 0) svg.append(s("rect", { x: bx, y: y + 4, width: Math.max(2, bwid * share), height: rh - 8, rx: 3, fill: r.muted ? "#cbd5e1" : r.color || PALETTE[1] }));
    svg.append(text(w - 4, y + rh / 2 + 4, r.note ?? `${r.value}/${r.max}`, { "text-anchor": "end" }));
  });
  el.replaceChildren(svg);
}
