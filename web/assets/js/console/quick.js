// quick.js: quick replies (话术) from GET /api/quick-replies, one list per
// customer language, loaded once each. The list shown follows the selected
// customer's locale: an English-speaking agent still answers a Chinese
// customer in Chinese.

import { get } from "/js/api.js";
import { t } from "/js/i18n.js";
import { h, $, setText } from "./dom.js";

const cache = new Map(); // locale → Promise<[{title, text}]>
let shown = []; // the list on screen, for Alt+1..9
let shownLocale = null;

export function localeOf(chat, uiLang) {
  const l = (chat && chat.customer && chat.customer.locale) || uiLang;
  return String(l).toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

function load(locale) {
  if (!cache.has(locale)) {
    const p = get("/api/quick-replies?locale=" + encodeURIComponent(locale)).then((list) =>
      // The Go struct may come without json tags: accept Title/Text too.
      (Array.isArray(list) ? list : []).map((q) => ({ title: q.title ?? q.Title ?? "", text: q.text ?? q.Text ?? "" })).filter((q) => q.text));
    p.catch(() => cache.delete(locale)); // try again next time
    cache.set(locale, p);
  }
  return cache.get(locale);
}

// show renders the quick replies of locale; onPick(text) inserts one.
export async function show(locale, onPick, force = false) {
  if (locale === shownLocale && !force) return;
  shownLocale = locale;
  setText($("quick-locale"), t("quick.for", { locale: t("locale." + locale) }));
  const box = $("quick-list");
  try {
    const list = await load(locale);
    if (shownLocale !== locale) return;
    shown = list;
    box.replaceChildren(...(list.length ? list.map((q, i) =>
      h("button", { type: "button", class: "qr", "data-testid": "quick-reply", "data-index": i + 1, title: q.text, onclick: () => onPick(q.text) },
        i < 9 ? h("kbd", { text: String(i + 1) }) : null, q.title || q.text.slice(0, 12))) : [h("span", { class: "muted", text: t("quick.none") })]));
  } catch {
    if (shownLocale !== locale) return;
    shown = [];
    shownLocale = null;
    box.replaceChildren(h("span", { class: "muted", text: t("quick.failed") }));
  }
}

export function nth(n) {
  const q = shown[n - 1];
  return q ? q.text : null;
}

export function redraw() {
  shownLocale = null;
}
