// format.js: how the dashboard, report and admin pages write numbers,
// money, times and KPIs, plus the two things every one of those pages
// needs besides: a small DOM builder (so text from the API is never parsed
// as HTML) and the page header (nav by role, who is signed in, language,
// sign out). They live here because the pages share no other module.

import { whoami, signOut } from "./api.js";
import { lang, messages, apply, switcher, t } from "./i18n.js";

const DASH = "—";

function ok(v) {
  return v !== null && v !== undefined && v !== "" && Number.isFinite(Number(v));
}

// num writes v with grouping and at most `digits` decimals.
export function num(v, digits = 0) {
  if (!ok(v)) return DASH;
  return new Intl.NumberFormat(lang(), { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(Number(v));
}

// fixed writes v with exactly `digits` decimals and grouping.
export function fixed(v, digits) {
  if (!ok(v)) return DASH;
  return new Intl.NumberFormat(lang(), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(Number(v));
}

const SYMBOL = { CNY: "¥", USD: "$", EUR: "€", HKD: "HK$" };

// money writes an amount the API gives as a number (2200.00 arrives as
// 2200) or a string ("1234.50"). Strings are grouped digit by digit, so an
// exact amount is never rounded through a float.
export function money(v, currency = "CNY") {
  if (!ok(typeof v === "string" ? v.replace(/,/g, "") : v)) return DASH;
  let s = typeof v === "string" ? v.replace(/,/g, "").trim() : Number(v).toFixed(2);
  let sign = "";
  if (s.startsWith("-")) [sign, s] = ["-", s.slice(1)];
  let [whole, frac = ""] = s.split(".");
  frac = (frac + "00").slice(0, 2);
  whole = whole.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const sym = SYMBOL[currency] ?? currency + " ";
  return `${sign}${sym}${whole}.${frac}`;
}

// moneyValue reads an API amount as a number, for sums and comparisons.
export function moneyValue(v) {
  const n = Number(typeof v === "string" ? v.replace(/,/g, "") : v);
  return Number.isFinite(n) ? n : 0;
}

// pct writes a fraction (0..1) as a percentage.
export function pct(v, digits = 1) {
  if (!ok(v)) return DASH;
  return fixed(Number(v) * 100, digits) + "%";
}

// secs writes a wait in seconds: one decimal under 100 s.
export function secs(v) {
  if (!ok(v)) return DASH;
  const n = Number(v);
  if (n < 0) return t("fmt.never");
  return (n < 100 ? fixed(n, 1) : num(n, 0)) + " s";
}

// duration writes a span in seconds as 45 s, 3m 05s or 2h 04m.
export function duration(v) {
  if (!ok(v)) return DASH;
  let n = Math.max(0, Math.round(Number(v)));
  if (n < 60) return n + " s";
  const p2 = (x) => String(x).padStart(2, "0");
  if (n < 3600) return `${Math.floor(n / 60)}m ${p2(n % 60)}s`;
  n = Math.floor(n / 60);
  return `${Math.floor(n / 60)}h ${p2(n % 60)}m`;
}

// seed writes a run's seed. Seeds are uint64 and JSON numbers past 2^53
// lose digits in JavaScript, so an unsafe one is not shown at all (a wrong
// seed would reproduce a different run).
export function seed(v) {
  if (typeof v === "string") return v;
  return Number.isSafeInteger(v) ? String(v) : DASH;
}

export function dateTime(iso) {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (isNaN(d)) return DASH;
  return new Intl.DateTimeFormat(lang(), { dateStyle: "medium", timeStyle: "medium" }).format(d);
}

export function clock(iso) {
  const d = iso instanceof Date ? iso : new Date(iso);
  if (isNaN(d)) return DASH;
  return new Intl.DateTimeFormat(lang(), { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }).format(d);
}

// KPIs: the unit says how a value is written, `better` which way is good
// (the catalogue's direction, for pages that have no targets to read it
// from). Ids not listed (incident.NAME) are counts, lower better.
export const KPIS = {
  first_response_avg_s: { unit: "s", better: "lower" },
  response_avg_s: { unit: "s", better: "lower" },
  reply_rate_3min: { unit: "frac", better: "higher" },
  answer_rate_30s: { unit: "frac", better: "higher" },
  satisfaction: { unit: "frac", better: "higher" },
  dispute_refund_rate: { unit: "frac", better: "lower", digits: 2 },
  abandon_rate: { unit: "frac", better: "lower" },
  resolution_24h_rate: { unit: "frac", better: "higher" },
  timeouts_per_day: { unit: "count", better: "lower", digits: 1 },
  timeout_bad_day_share: { unit: "frac", better: "lower" },
  not_served_rate: { unit: "frac", better: "lower" },
  inquiry_conversion: { unit: "frac", better: "higher" },
  qa_hard_fails: { unit: "count", better: "lower" },
  training_pass_rate: { unit: "frac", better: "higher" },
};

export function kpiMeta(id) {
  return KPIS[id] || { unit: id.endsWith("_s") ? "s" : id.endsWith("_rate") ? "frac" : "count", better: "lower" };
}

// kpi writes a KPI value by its id: fractions as %, seconds as s.
export function kpi(id, v) {
  const m = kpiMeta(id);
  if (m.unit === "frac") return pct(v, m.digits ?? 1);
  if (m.unit === "s") return secs(v);
  return num(v, m.digits ?? 0);
}

export function kpiName(id) {
  const key = "kpi." + id;
  const s = t(key);
  return s === key ? id : s;
}

// kpiState compares a value with a contract target: good at the target or
// better beyond the amber line, warn between the target and the amber line
// (met, but one bad hour from a refund), bad when missed. `amber` is the
// line itself, as the server's Target documents (for a rate better higher,
// target + 2 points; for the others, 80 % of the target).
export function kpiState(v, target) {
  if (!target || !ok(v)) return "none";
  const x = Number(v);
  if (target.better === "higher") return x < target.target ? "bad" : x < target.amber ? "warn" : "good";
  return x > target.target ? "bad" : x > target.amber ? "warn" : "good";
}

const RANK = { none: 0, good: 1, warn: 2, bad: 3 };
export function worst(states) {
  return states.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), "none");
}

// cmp writes "≥ 90.0%" or "≤ 30.0 s": which side of the target is met.
export function cmp(id, target, better) {
  return ((better || kpiMeta(id).better) === "higher" ? "≥ " : "≤ ") + kpi(id, target);
}

// h builds an element: h("td", {class: "num", dataset: {kpi: id}}, "text", child).
// Strings become text nodes, so API text is never read as markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  el.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

// put replaces el's children, skipping null, undefined and false (the
// result of `cond ? node : null`).
export function put(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

// Where each role may go, in nav order. The console is the agents' page
// (others build it); admins join it as supervisors.
const PAGES = [
  { href: "/console.html", key: "nav.console", roles: ["agent", "supervisor", "admin"] },
  { href: "/dashboard.html", key: "nav.dashboard", roles: ["viewer", "supervisor", "admin"] },
  { href: "/report.html", key: "nav.report", roles: ["viewer", "supervisor", "admin"] },
  { href: "/admin.html", key: "nav.admin", roles: ["admin"] },
];

// initPage fills the header (#nav, #who, #lang, #signout), checks the role
// and returns whoami, or null when this role may not use the page (the
// main element then says so). onLang re-renders what JS wrote.
export async function initPage({ roles, onLang }) {
  apply();
  const sel = document.getElementById("lang");
  if (sel) {
    switcher(sel);
    // switcher's listener runs first and re-applies static strings; this
    // one re-renders the dynamic ones.
    if (onLang) sel.addEventListener("change", () => onLang());
  }
  document.getElementById("signout")?.addEventListener("click", () => {
    signOut();
    location.href = "/";
  });
  let me;
  try {
    me = await whoami();
  } catch (e) {
    fatal(e.message || String(e));
    return null;
  }
  if (!me) return null;
  const nav = document.getElementById("nav");
  if (nav) {
    nav.replaceChildren(
      ...PAGES.filter((p) => p.roles.includes(me.role)).map((p) =>
        h("a", { href: p.href, "data-i18n": p.key, "aria-current": location.pathname === p.href ? "page" : null }, t(p.key)),
      ),
    );
  }
  const who = document.getElementById("who");
  if (who) who.replaceChildren(h("b", {}, me.name), " · ", h("span", { "data-i18n": "role." + me.role }, t("role." + me.role)));
  if (!roles.includes(me.role)) {
    fatal(t("fmt.forbidden", { role: t("role." + me.role) }));
    return null;
  }
  return me;
}

// fatal replaces the page's main content with a message.
export function fatal(msg) {
  const main = document.querySelector("main");
  if (main) main.replaceChildren(h("div", { class: "panel error", role: "alert" }, msg));
}

messages({
  en: {
    "nav.console": "Console", "nav.dashboard": "Dashboard", "nav.report": "Run report", "nav.admin": "Admin",
    "role.admin": "admin", "role.supervisor": "supervisor", "role.viewer": "viewer", "role.agent": "agent", "role.customer": "customer",
    "fmt.never": "never", "fmt.forbidden": "This page is not open to {role} tokens.",
    "fmt.loading": "Loading…", "fmt.none": "None",
    "kpi.first_response_avg_s": "Avg first response", "kpi.response_avg_s": "Avg response time",
    "kpi.reply_rate_3min": "3-min reply rate", "kpi.answer_rate_30s": "30-s answer rate",
    "kpi.satisfaction": "Satisfaction", "kpi.dispute_refund_rate": "Dispute refund rate",
    "kpi.abandon_rate": "Abandonment", "kpi.resolution_24h_rate": "24-h resolution rate",
    "kpi.timeouts_per_day": "Timeouts per day", "kpi.timeout_bad_day_share": "Days over timeout limit",
    "kpi.not_served_rate": "Not served", "kpi.inquiry_conversion": "Inquiry conversion",
    "kpi.qa_hard_fails": "QA hard fails", "kpi.training_pass_rate": "Training pass rate",
    "state.good": "met", "state.warn": "close to refund", "state.bad": "missed", "state.none": "no target",
  },
  "zh-CN": {
    "nav.console": "工作台", "nav.dashboard": "实时看板", "nav.report": "运行报告", "nav.admin": "管理",
    "role.admin": "管理员", "role.supervisor": "主管", "role.viewer": "查看者", "role.agent": "客服", "role.customer": "顾客",
    "fmt.never": "未回复", "fmt.forbidden": "{role}令牌无权访问此页面。",
    "fmt.loading": "加载中…", "fmt.none": "无",
    "kpi.first_response_avg_s": "平均首响时长", "kpi.response_avg_s": "平均响应时长",
    "kpi.reply_rate_3min": "3分钟回复率", "kpi.answer_rate_30s": "30秒应答率",
    "kpi.satisfaction": "满意度", "kpi.dispute_refund_rate": "纠纷退款率",
    "kpi.abandon_rate": "放弃率", "kpi.resolution_24h_rate": "24小时解决率",
    "kpi.timeouts_per_day": "日均超时次数", "kpi.timeout_bad_day_share": "超时超限天数占比",
    "kpi.not_served_rate": "未接待率", "kpi.inquiry_conversion": "询单转化率",
    "kpi.qa_hard_fails": "质检严重违规", "kpi.training_pass_rate": "培训通过率",
    "state.good": "达标", "state.warn": "接近退款", "state.bad": "未达标", "state.none": "无目标",
  },
});
