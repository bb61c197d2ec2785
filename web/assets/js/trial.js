// trial.js: the trial panel of the dashboard and the run report: where a
// vendor's trial stands, the verdict if it ended now (or the final one),
// and each gate of the trial clause by finished day against its target,
// with the pooled value so far and the trend (docs/trial.md).

import { messages, t } from "./i18n.js";
import { h, money, kpi, kpiName, put } from "./format.js";

messages({
  en: {
    "t.title": "Trial", "t.days": "{done} of {days} days finished", "t.gate": "Gate", "t.target": "Target",
    "t.sofar": "So far", "t.trend": "Trend", "t.day": "Day {n}",
    "t.outcome.pass": "Pass", "t.outcome.refund": "Refund {amount}", "t.outcome.undecided": "Undecided",
    "t.provisional": "provisional: if the trial ended now", "t.final": "final",
    "t.state.running": "running", "t.state.closing": "time over, last conversations ending", "t.state.paused": "paused",
    "t.state.stopped": "stopped before its end", "t.state.final": "ended",
    "t.trend.improving": "↑ improving", "t.trend.worsening": "↓ worsening", "t.trend.steady": "→ steady", "t.trend.unknown": "–",
    "t.nodays": "No day of the trial has finished yet.",
    "t.cut": "{at}: {by} cut off {n} conversations: {missed} counted missed, {left} left out",
    "t.cut.end": "the run's end", "t.cut.interrupted": "an interruption",
    "t.open": "provisional: {n} of its conversations still open",
  },
  "zh-CN": {
    "t.title": "试用期", "t.days": "已完成 {done}/{days} 天", "t.gate": "考核项", "t.target": "目标",
    "t.sofar": "累计", "t.trend": "趋势", "t.day": "第 {n} 天",
    "t.outcome.pass": "通过", "t.outcome.refund": "退款 {amount}", "t.outcome.undecided": "未决",
    "t.provisional": "暂定：若试用期此刻结束", "t.final": "最终",
    "t.state.running": "进行中", "t.state.closing": "时间已到，等待最后的会话结束", "t.state.paused": "已暂停",
    "t.state.stopped": "提前停止", "t.state.final": "已结束",
    "t.trend.improving": "↑ 改善", "t.trend.worsening": "↓ 变差", "t.trend.steady": "→ 平稳", "t.trend.unknown": "–",
    "t.nodays": "试用期尚无完成的一天。",
    "t.cut": "{at}：{by}中断了 {n} 个会话：{missed} 个计为未达标，{left} 个不计入",
    "t.cut.end": "运行结束", "t.cut.interrupted": "运行中断",
    "t.open": "暂定：仍有 {n} 个会话未结束",
  },
});

// renderTrial fills el with trial status tr (GET /api/runs/{run}/trial
// or /api/live), or hides it when tr is null: the run is not a trial.
export function renderTrial(el, tr) {
  if (!tr) { el.hidden = true; return; }
  el.hidden = false;
  const v = tr.verdict || {};
  const cur = tr.currency || "CNY";
  const outcome = v.outcome === "refund" ? t("t.outcome.refund", { amount: money(v.refund, cur) }) : t("t.outcome." + (v.outcome || "undecided"));
  const days = tr.daily || [];
  const head = h("div", { class: "head" },
    h("h2", {}, t("t.title")),
    h("span", { "data-testid": "trial-days" }, t("t.days", { done: tr.days_done, days: tr.days })),
    h("span", { class: "muted" }, t("t.state." + tr.state)),
    h("span", { class: "verdict", "data-testid": "trial-verdict", dataset: { outcome: v.outcome, final: String(!!v.final), provisional: t("t.provisional") } },
      outcome + (v.final ? " · " + t("t.final") : "")),
  );
  // Each cut: how many buyers it counted missed and how many it left out.
  const cuts = h("ul", { class: "muted cuts", "data-testid": "trial-cuts" }, ...(tr.cuts || []).map((c) => h("li", { dataset: { missed: String(c.missed), leftOut: String(c.left_out) } },
    t("t.cut", { at: (c.at || "").replace("T", " ").slice(0, 19), by: t(c.kind === "run interrupted" ? "t.cut.interrupted" : "t.cut.end"),
      n: c.missed + c.left_out, missed: c.missed, left: c.left_out }))));
  if (!days.length) {
    put(el, head, h("p", { class: "muted" }, t("t.nodays")), cuts);
    return;
  }
  const op = (g) => (g.better === "lower" ? "≤ " : "≥ ");
  const rows = (tr.gates || []).map((g) => h("tr", { "data-kpi": g.kpi },
    h("td", { title: g.kpi }, kpiName(g.kpi)),
    h("td", {}, op(g) + kpi(g.kpi, g.target)),
    ...days.map((d, i) => {
      const val = g.daily[i];
      const state = val === null || val === undefined ? "none" : d.gates[g.kpi] ? "met" : "missed";
      return h("td", { "data-testid": "trial-cell", dataset: { date: d.date, kpi: g.kpi, state }, title: d.date },
        state === "none" ? "–" : kpi(g.kpi, val));
    }),
    h("td", { class: "sofar", dataset: { state: g.met === null || g.met === undefined ? "none" : g.met ? "met" : "missed" } }, g.value === null ? "–" : kpi(g.kpi, g.value)),
    h("td", { class: "trend", dataset: { direction: g.trend.direction }, title: g.trend.rule || "" }, t("t.trend." + g.trend.direction)),
  ));
  put(el, head,
    h("p", { class: "reason", "data-testid": "trial-reason" }, v.reason || ""),
    h("div", { class: "days" }, h("table", {},
      h("thead", {}, h("tr", {},
        h("th", {}, t("t.gate")), h("th", {}, t("t.target")),
        ...days.map((d) => h("th", { title: d.date + (d.final ? "" : " — " + t("t.open", { n: d.open || 0 })), dataset: { final: String(!!d.final), open: String(d.open || 0) } },
          d.date.slice(5) + (d.final ? "" : " *"))),
        h("th", {}, t("t.sofar")), h("th", {}, t("t.trend")))),
      h("tbody", {}, rows))),
    cuts,
  );
}
