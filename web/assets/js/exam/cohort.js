// cohort.js: the trainer's view of a cohort (docs/exams.md, Cohorts).
import { get, whoami, signOut } from "/js/api.js";
import { apply, switcher, t } from "/js/i18n.js";
import { el, pct } from "./common.js";

function show(r) {
  const fmt = (v) => (v == null ? "–" : Number(v).toFixed(3));
  document.getElementById("summary").replaceChildren(
    el("h2", {}, `${r.cohort} · ${r.exam}`),
    el("div", { class: "facts" },
      el("div", {}, t("k.n"), el("b", { dataTestid: "cohort-n" }, String(r.n))),
      el("div", {}, t("k.pass"), el("b", { dataTestid: "cohort-pass-rate" }, r.pass_rate == null ? "–" : pct(r.pass_rate))),
      el("div", {}, t("k.training"), el("b", {}, r.training_pass_rate == null ? "–" : r.training_pass_rate.toFixed(4))),
      el("div", {}, t("k.mean"), el("b", {}, r.mean_score == null ? "–" : r.mean_score.toFixed(2))),
      el("div", {}, t("k.alpha") + ` (n=${r.n})`, el("b", {}, fmt(r.alpha))),
      el("div", {}, t("k.kappa") + ` (${r.reviews.reviewed})`, el("b", {}, fmt(r.reviews.kappa)))),
    ...(r.notes || []).map((n) => el("p", { class: "warn" }, n)));
  document.getElementById("board").replaceChildren(r.candidates.length ? el("table", {},
    el("tr", {}, el("th", {}, "#"), el("th", {}, t("k.name")), el("th", { class: "num" }, t("c.score")), el("th", {}, t("c.band")),
      el("th", {}, t("k.passed")), el("th", { class: "num" }, t("k.sittings")), el("th")),
    ...r.candidates.map((c, i) => el("tr", { dataTestid: "cohort-row" },
      el("td", {}, String(i + 1)), el("td", {}, c.name), el("td", { class: "num" }, c.score.toFixed(2)), el("td", {}, c.band),
      el("td", { class: c.passed ? "good" : "bad" }, c.passed ? "✓" : "✗"), el("td", { class: "num" }, String(c.sittings)),
      el("td", {}, c.run ? el("a", { href: "/card.html?sitting=" + c.run }, t("x.card")) : null)))) : el("p", { class: "muted" }, t("k.none")));
  const top = Math.max(1, ...(r.distribution || []).map((b) => b.count));
  document.getElementById("dist").replaceChildren(...(r.distribution || []).map((b) =>
    el("div", { style: `height:${(100 * b.count) / top}%`, title: `${b.from}–${b.to}: ${b.count}` }, el("span", {}, String(b.from)))));
  document.getElementById("items").replaceChildren(el("table", {},
    el("tr", {}, el("th", {}, "item"), el("th", {}, t("c.case")), el("th", { class: "num" }, t("k.difficulty")), el("th", { class: "num" }, t("k.discrimination")), el("th", { class: "num" }, "n")),
    ...(r.items || []).map((it) => el("tr", {}, el("td", {}, it.item), el("td", {}, it.case), el("td", { class: "num" }, fmt(it.difficulty)),
      el("td", { class: "num" }, fmt(it.discrimination)), el("td", { class: "num" }, String(it.n))))));
}

async function load(cohort) {
  try {
    show(await get("/api/cohorts/" + encodeURIComponent(cohort)));
  } catch (e) {
    document.getElementById("summary").textContent = String(e.message || e);
  }
}

async function main() {
  apply();
  switcher(document.getElementById("lang"));
  document.getElementById("signout").onclick = () => signOut();
  if (!(await whoami())) return;
  const input = document.getElementById("cohort");
  const q = new URLSearchParams(location.search).get("cohort");
  document.getElementById("pick").onsubmit = (e) => {
    e.preventDefault();
    history.replaceState(null, "", "?cohort=" + encodeURIComponent(input.value));
    load(input.value);
  };
  if (q) {
    input.value = q;
    load(q);
  }
}

main();
