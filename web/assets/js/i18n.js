// i18n.js: zh-CN and English. A page registers its strings with
// messages({en: {...}, "zh-CN": {...}}) and marks elements with
// data-i18n="key" (text) or data-i18n-title / data-i18n-placeholder.
// The choice is kept in localStorage; the default follows the browser.

const KEY = "deskdrill.lang";
const dict = { en: {}, "zh-CN": {} };

export function lang() {
  const saved = localStorage.getItem(KEY);
  if (saved === "en" || saved === "zh-CN") return saved;
  return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function setLang(l) {
  localStorage.setItem(KEY, l);
  document.documentElement.lang = l;
  apply();
}

export function messages(m) {
  for (const l of Object.keys(dict)) Object.assign(dict[l], m[l] || {});
}

// t returns the string for key with {name} placeholders filled.
export function t(key, vars = {}) {
  const s = dict[lang()][key] ?? dict.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? vars[k] : "{" + k + "}"));
}

export function apply(root = document) {
  document.documentElement.lang = lang();
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
}

// switcher wires a <select> to the language.
export function switcher(select) {
  select.value = lang();
  select.addEventListener("change", () => setLang(select.value));
}

messages({
  en: { "lang.en": "English", "lang.zh": "中文", signout: "Sign out" },
  "zh-CN": { "lang.en": "English", "lang.zh": "中文", signout: "退出" },
});
