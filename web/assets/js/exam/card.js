// card.js: a sitting's report card (docs/exams.md), printable; trainers
// (supervisor and admin tokens) review a conversation from it.
import { get, post, whoami, signOut } from "/js/api.js";
import { apply, switcher, t } from "/js/i18n.js";
import { el, gateText, fmtValue } from "./common.js";

const id = new URLSearchParams(location.search).get("sitting");
let me = null;

function render(card) {
  const verdict = document.getElementById("verdict");
  verdict.replaceChildren(
    el("div", { class: "big verdict " + (card.passed ? "pass" : "fail"), dataTestid: "card-passed", dataPassed: String(card.passed) },
      card.passed ? t("c.passed") : t("c.failed")),
    el("div", { class: "facts" },
      el("div", {}, t("c.score"), el("b", { dataTestid: "card-score" }, card.score.toFixed(2))),
      el("div", {}, t("c.band"), el("b", {}, card.band)),
      el("div", {}, t("c.exam"), el("b", {}, card.exam)),
      el("div", {}, card.candidate, el("b", {}, new Date(card.ended).toLocaleString()))),
    el("p", { class: "muted" }, t("c.version") + " " + card.exam_version.slice(0, 12) + (card.reviewed ? " · " + t("c.reviewed", { n: card.reviewed, score: card.automatic_score.toFixed(2) }) : "")),
  );
  document.getElementById("gates").replaceChildren(el("table", {},
    el("tr", {}, el("th", {}, t("c.gate")), el("th", { class: "num" }, t("c.value")), el("th"), el("th")),
    ...card.gates.map((g) => el("tr", { dataTestid: "gate", dataMet: String(g.met) },
      el("td", {}, gateText(g)), el("td", { class: "num" }, fmtValue(g)),
      el("td", { class: g.met ? "good" : "bad" }, g.met ? t("c.met") : t("c.missed")), el("td", { class: "muted" }, g.detail || "")))));
  const dims = ["timeliness", "resolution", "compliance", "communication", "efficiency"];
  document.getElementById("dims").replaceChildren(el("table", {},
    ...dims.map((d) => el("tr", {}, el("td", {}, t("d." + d)), el("td", { class: "num" }, card.dimensions[d].toFixed(2) + " / " + card.weights[d])))));
  document.getElementById("items").replaceChildren(...card.items.map(item));
}

function item(it) {
  const head = el("h3", {}, el("span", {}, it.item), el("span", { class: "muted" }, t("c.case") + " " + it.case),
    el("span", { class: "num" }, it.score.toFixed(2)),
    it.reached ? el("span", { class: it.correct ? "good" : "bad" }, it.correct ? t("c.correct") : t("c.wrong")) : el("span", { class: "muted" }, t("c.notreached")),
    it.hard_fail ? el("span", { class: "bad" }, t("c.hard")) : null,
    it.escalated ? el("span", { class: "muted" }, t("c.escalated")) : null);
  const box = el("div", { class: "item", dataTestid: "card-item", dataItem: it.item }, head);
  if (it.review) {
    box.append(el("p", { class: "muted" }, t("c.auto", { score: it.automatic.score.toFixed(2) }) + " · " + t("c.review", { by: it.review.by, reason: it.review.reason })));
  }
  if (it.deductions.length) {
    box.append(el("div", {}, t("c.lost")), el("ul", {}, ...it.deductions.map((d) => el("li", {}, `${t("d." + d.dimension)} −${d.points}: ${d.reason}`))));
  }
  if (it.customer_lines.length) {
    box.append(el("div", { class: "lines" }, t("c.said") + ": " + it.customer_lines.join(" / ")));
  }
  if (me && (me.role === "supervisor" || me.role === "admin") && it.reached) box.append(reviewForm(it));
  return box;
}

function reviewForm(it) {
  const correct = el("select", {}, el("option", { value: "" }, "—"), el("option", { value: "true" }, t("c.correct")), el("option", { value: "false" }, t("c.wrong")));
  const hard = el("select", {}, el("option", { value: "" }, "—"), el("option", { value: "true" }, t("c.hard")), el("option", { value: "false" }, "✓"));
  const score = el("input", { type: "number", min: 0, max: 100, step: "0.01", placeholder: t("c.score") });
  const reason = el("input", { placeholder: t("c.reason"), required: true, size: 40 });
  const err = el("span", { class: "error" });
  const f = el("form", { dataTestid: "review-form" }, el("b", {}, t("c.doreview")), correct, hard, score, reason, el("button", { type: "submit" }, t("c.save")), err);
  f.onsubmit = async (e) => {
    e.preventDefault();
    const body = { item: it.item, reason: reason.value };
    if (correct.value) body.correct = correct.value === "true";
    if (hard.value) body.hard_fail = hard.value === "true";
    if (score.value !== "") body.score = Number(score.value);
    try {
      render(await post(`/api/sittings/${id}/reviews`, body));
    } catch (x) {
      err.textContent = String(x.message || x);
    }
  };
  return f;
}

async function main() {
  apply();
  switcher(document.getElementById("lang"));
  document.getElementById("signout").onclick = () => signOut();
  document.getElementById("print").onclick = () => print();
  me = await whoami();
  if (!me) return;
  try {
    render(await get(`/api/sittings/${id}/card`));
  } catch (e) {
    document.getElementById("verdict").textContent = String(e.message || e);
  }
}

main();
