// format.js: how times, money, durations and actions read on screen.

import { t, lang } from "/js/i18n.js";

// money reads "399.00" from a JSON number (399) or string ("399.00").
export function money(x) {
  const n = Number(x);
  return Number.isFinite(n) ? n.toFixed(2) : "";
}

export function clock(ms) {
  if (!Number.isFinite(ms)) return "";
  return new Date(ms).toLocaleTimeString(lang(), { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

// date reads an order date; Go's zero time (year 1) means "not yet".
export function date(s) {
  const ms = Date.parse(s || "");
  if (!Number.isFinite(ms) || new Date(ms).getUTCFullYear() < 1971) return "—";
  // 2026-11-08 21:14 reads the same in both languages and stays narrow.
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

// duration reads seconds as 0:07, 2:35 or 1:02:03.
export function duration(s) {
  s = Math.max(0, Math.floor(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

export function kindName(kind) {
  return t("kind." + kind);
}

// describe reads an action with its arguments: "Refund ¥399.00".
export function describe(a) {
  if (!a) return "";
  const kind = kindName(a.kind);
  if (a.amount !== undefined && a.amount !== null && a.amount !== "") return t("do.amount", { kind, amount: money(a.amount) });
  if (a.shipping_payer) return t("do.payer", { kind, payer: t("payer." + a.shipping_payer) });
  if (a.reason) return t("do.reason", { kind, reason: a.reason });
  return kind;
}

export function localeName(l) {
  return l ? t("locale." + l) : "—";
}

export function logistics(s) {
  if (!s) return "—";
  const k = "logistics." + s;
  const v = t(k);
  return v === k ? s : v;
}
