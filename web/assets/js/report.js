// report.js: one run's review, made to be read and printed: the KPIs
// against the contract, the refund statement with the conversations
// behind each line, the agents, and the lowest-scored conversations as
// annotated transcripts (each deduction beside the event it refers to).

import { get, download } from "./api.js";
import { renderTrial } from "./trial.js";
import { messages, t } from "./i18n.js";
import {
  h, num, fixed, money, moneyValue, pct, secs, duration, dateTime, kpi, kpiName, kpiMeta, kpiState, worst, cmp, KPIS, initPage, fatal, put, seed,
} from "./format.js";

messages({
  en: {
    "r.title": "Run report", "r.kpis": "KPIs against the contract", "r.statement": "Refund statement", "r.agents": "Agents",
    "r.worst": "The ten lowest-scored conversations: where and why points were lost",
    "r.transcript": "Annotated transcript", "r.close": "Close",
    "r.run": "Run {id}", "r.live": "live", "r.snapshot": "Live run: a snapshot taken {at}.", "r.refresh": "Refresh",
    "r.scenario": "Scenario", "r.contract": "Contract", "r.period": "Period", "r.speed": "Speed", "r.seed": "Seed",
    "r.started": "Started", "r.ended": "Ended", "r.length": "Length", "r.scored": "Conversations scored", "r.mean": "Mean score",
    "r.refund": "Refund owed", "r.choose": "Run",
    "r.interrupted": "interrupted", "r.stop": "Interrupted", "r.resumed": "resumed {at}", "r.notresumed": "not resumed",
    "r.unmarked": "its hub is gone; the next serve marks it",
    "r.dl.json": "Report (JSON)", "r.dl.csv": "Conversations (CSV)", "r.dl.stmt": "Statement (CSV)", "r.dl.jsonl": "Transcripts (JSON lines)",
    "r.print": "Print / PDF", "r.dlfail": "Download failed: {err}",
    "r.col.kpi": "KPI", "r.col.measured": "Measured", "r.col.target": "Target", "r.col.status": "Status", "r.col.refund": "Refund",
    "r.col.evidence": "Conversations behind it", "r.col.clause": "Clause", "r.col.period": "Period", "r.col.band": "Band",
    "r.col.ratio": "Ratio", "r.col.amount": "Amount", "r.col.agent": "Agent", "r.col.convs": "Conversations",
    "r.col.mean": "Mean score", "r.col.correct": "Resolved correctly", "r.col.hard": "Hard fails",
    "r.monthly": "Monthly fee {fee} · currency {cur} · periods {periods}", "r.total": "Total refund",
    "r.skipped": "Not evaluated", "r.nostatement": "This run's contract has no refund statement.",
    "r.disputes": "Refunded to customers in platform disputes: {amount}",
    "r.more": "+{n} more", "r.noconvs": "No conversation has been scored yet.", "r.noagents": "No agent held a scored conversation.",
    "r.none": "—", "r.formula": "Formula", "r.reason": "Why",
    "r.t.agent": "Agent", "r.t.case": "Case", "r.t.persona": "Persona", "r.t.order": "Order", "r.t.first": "First reply",
    "r.t.rating": "Rating", "r.t.dispute": "dispute", "r.t.abandoned": "abandoned", "r.t.hard": "hard fail", "r.t.presales": "pre-sales",
    "r.t.correct": "resolved correctly", "r.t.wrong": "not resolved correctly",
    "r.t.whole": "Whole conversation", "r.t.nodeds": "No points lost.", "r.t.loadfail": "Could not load {id}: {err}",
    "r.t.open": "Open transcript", "r.t.score": "Score",
    "dim.timeliness": "Timeliness", "dim.resolution": "Resolution", "dim.compliance": "Compliance",
    "dim.communication": "Communication", "dim.efficiency": "Efficiency",
    "snd.customer": "Customer", "snd.agent": "Agent", "snd.system": "System",
    "ev.assign": "Assigned to {agent}", "ev.requeue": "Back to the queue", "ev.leave": "Customer left",
    "ev.close": "Conversation closed", "ev.paid": "Customer paid the order", "ev.rating": "Rated {stars}",
    "ev.dispute": "Opened a platform dispute", "ev.evidence": "Evidence",
    "act.refund": "Refund", "act.approve_return": "Approve return", "act.exchange": "Exchange", "act.reship": "Reship",
    "act.intercept": "Intercept parcel", "act.compensate": "Compensate", "act.request_evidence": "Request evidence",
    "act.escalate": "Escalate", "act.reject": "Reject", "act.close": "Close", "act.answer": "Answer",
    "act.payer": "shipping paid by {who}",
  },
  "zh-CN": {
    "r.title": "运行报告", "r.kpis": "KPI 与合同目标", "r.statement": "退款明细", "r.agents": "客服",
    "r.worst": "得分最低的十个会话：在哪里、为什么扣分",
    "r.transcript": "带批注的会话记录", "r.close": "关闭",
    "r.run": "运行 {id}", "r.live": "进行中", "r.snapshot": "进行中的运行：{at} 的快照。", "r.refresh": "刷新",
    "r.scenario": "场景", "r.contract": "合同", "r.period": "结算周期", "r.speed": "倍速", "r.seed": "种子",
    "r.started": "开始", "r.ended": "结束", "r.length": "时长", "r.scored": "已评分会话", "r.mean": "平均得分",
    "r.refund": "应退款", "r.choose": "运行",
    "r.interrupted": "已中断", "r.stop": "中断于", "r.resumed": "{at} 恢复", "r.notresumed": "未恢复",
    "r.unmarked": "服务进程已停止；下次启动时标记",
    "r.dl.json": "报告（JSON）", "r.dl.csv": "会话（CSV）", "r.dl.stmt": "退款明细（CSV）", "r.dl.jsonl": "会话记录（JSON Lines）",
    "r.print": "打印 / PDF", "r.dlfail": "下载失败：{err}",
    "r.col.kpi": "KPI", "r.col.measured": "实测", "r.col.target": "目标", "r.col.status": "状态", "r.col.refund": "退款",
    "r.col.evidence": "相关会话", "r.col.clause": "条款", "r.col.period": "周期", "r.col.band": "档位",
    "r.col.ratio": "比例", "r.col.amount": "金额", "r.col.agent": "客服", "r.col.convs": "会话数",
    "r.col.mean": "平均得分", "r.col.correct": "正确解决", "r.col.hard": "严重违规",
    "r.monthly": "月服务费 {fee} · 币种 {cur} · 周期 {periods}", "r.total": "退款合计",
    "r.skipped": "未评估", "r.nostatement": "该运行的合同没有退款明细。",
    "r.disputes": "平台纠纷中退给顾客的金额：{amount}",
    "r.more": "另有 {n} 个", "r.noconvs": "尚无已评分的会话。", "r.noagents": "没有客服接待过已评分的会话。",
    "r.none": "—", "r.formula": "公式", "r.reason": "原因",
    "r.t.agent": "客服", "r.t.case": "案例", "r.t.persona": "顾客类型", "r.t.order": "订单", "r.t.first": "首次回复",
    "r.t.rating": "评价", "r.t.dispute": "纠纷", "r.t.abandoned": "放弃", "r.t.hard": "严重违规", "r.t.presales": "售前",
    "r.t.correct": "正确解决", "r.t.wrong": "未正确解决",
    "r.t.whole": "整个会话", "r.t.nodeds": "未扣分。", "r.t.loadfail": "无法加载 {id}：{err}",
    "r.t.open": "查看会话记录", "r.t.score": "得分",
    "dim.timeliness": "及时性", "dim.resolution": "解决", "dim.compliance": "合规",
    "dim.communication": "沟通", "dim.efficiency": "效率",
    "snd.customer": "顾客", "snd.agent": "客服", "snd.system": "系统",
    "ev.assign": "分配给 {agent}", "ev.requeue": "重新排队", "ev.leave": "顾客离开",
    "ev.close": "会话结束", "ev.paid": "顾客已付款", "ev.rating": "评价 {stars}",
    "ev.dispute": "发起平台纠纷", "ev.evidence": "凭证",
    "act.refund": "退款", "act.approve_return": "同意退货", "act.exchange": "换货", "act.reship": "补发",
    "act.intercept": "拦截包裹", "act.compensate": "补偿", "act.request_evidence": "要求凭证",
    "act.escalate": "升级", "act.reject": "拒绝", "act.close": "结束会话", "act.answer": "答复",
    "act.payer": "运费由{who}承担",
  },
});

const $ = (id) => document.getElementById(id);
const DIMS = ["timeliness", "resolution", "compliance", "communication", "efficiency"];
let data = null; // {run, review}
let runs = [];
const convs = new Map(); // conversation id → {conversation, score} or {error}
let loadedAt = null;
let trialStatus = null; // the run's trial (GET /api/runs/{run}/trial), null when it is not one

function tr(key, vars) {
  const s = t(key, vars);
  return s === key ? key.split(".").pop() : s;
}

// Targets of a past run come from its statement: each evaluated clause
// names its KPI and target; the direction is the catalogue's.
function targetsOf(review) {
  const out = new Map();
  for (const it of review.statement?.items || []) {
    if (!it.kpi || it.target === null || it.target === undefined) continue;
    const better = kpiMeta(it.kpi).better;
    out.set(it.kpi, [...(out.get(it.kpi) || []), { ...it, better, amber: it.target }]);
  }
  return out;
}

function renderSummary() {
  const { run, review } = data;
  const stmt = review.statement;
  const cur = stmt?.currency || "CNY";
  const state = run.state || (run.ended ? "ended" : "live");
  const live = state === "live";
  const stops = run.interruptions || [];
  const lastStop = stops.length ? stops[stops.length - 1] : null;
  // An interrupted run stopped at its last event; a live or ended one
  // runs on to now or its end.
  const end = run.ended ? new Date(run.ended) : state === "interrupted" && lastStop ? new Date(lastStop.at) : loadedAt;
  const len = (end - new Date(run.started)) / 1000;
  const stopText = (s) => dateTime(s.at) + " · " +
    (s.resumed ? t("r.resumed", { at: dateTime(s.resumed) }) : s.found ? t("r.notresumed") : t("r.unmarked"));
  const badge = live ? h("span", { class: "badge live" }, t("r.live"))
    : state === "interrupted" ? h("span", { class: "badge bad", "data-testid": "interrupted" }, t("r.interrupted")) : null;
  const item = (k, v, attrs = {}) => h("div", { class: "kv" }, h("span", { class: "muted" }, t(k)), h("b", attrs, v));
  const picker = h("select", { id: "run-select", "aria-label": t("r.choose"), onchange: (e) => (location.search = "?run=" + e.target.value) },
    runs.map((r) => h("option", { value: r.id, selected: r.id === run.id ? true : null },
      `${t("r.run", { id: r.id })} · ${r.scenario} · ${dateTime(r.started)}${
        (r.state || (r.ended ? "ended" : "live")) === "ended" ? "" : " · " + t(r.state === "interrupted" ? "r.interrupted" : "r.live")}`)));
  const dl = (testid, key, path, name) => h("button", { type: "button", "data-testid": testid, onclick: () => save(path, name) }, t(key));
  const base = `/api/runs/${encodeURIComponent(run.id)}`;
  put($("summary"),
    h("div", { class: "summary-head" },
      h("h2", { class: "run-title" }, t("r.run", { id: run.id }), " · ", run.scenario, badge),
      h("span", { class: "spacer" }),
      h("div", { class: "tools" }, picker,
        live ? h("button", { type: "button", onclick: () => load(run.id) }, t("r.refresh")) : null,
        h("button", { type: "button", onclick: () => window.print() }, t("r.print")))),
    h("div", { class: "kvs" },
      item("r.contract", run.contract || stmt?.contract || "—"),
      item("r.period", review.period || "—"),
      item("r.started", dateTime(run.started)),
      run.ended ? item("r.ended", dateTime(run.ended)) : null,
      ...stops.map((s) => item("r.stop", stopText(s), { "data-testid": "interruption" })),
      item("r.length", duration(len)),
      item("r.speed", num(run.speed, 1) + "×"),
      item("r.seed", seed(run.seed)),
      item("r.scored", num(review.conversations), { "data-testid": "scored-count" }),
      item("r.mean", review.conversations ? fixed(review.mean_score, 1) : "—"),
      item("r.refund", money(stmt?.total ?? 0, cur), { class: moneyValue(stmt?.total) > 0 ? "bad" : "" })),
    live ? h("p", { class: "muted small" }, t("r.snapshot", { at: dateTime(loadedAt) })) : null,
    (review.notes || []).length ? h("ul", { class: "notes muted small" }, review.notes.map((n) => h("li", {}, n))) : null,
    h("div", { class: "downloads" },
      dl("download-json", "r.dl.json", base + "/report.json", `run-${run.id}-report.json`),
      dl("download-csv", "r.dl.csv", base + "/conversations.csv", `run-${run.id}-conversations.csv`),
      dl("download-statement-csv", "r.dl.stmt", base + "/statement.csv", `run-${run.id}-statement.csv`),
      dl("download-transcripts", "r.dl.jsonl", base + "/transcripts", `run-${run.id}-transcripts.jsonl`),
      h("span", { id: "dl-error", class: "error small", role: "alert" })),
  );
}

async function save(path, name) {
  $("dl-error").textContent = "";
  try {
    await download(path, name);
  } catch (e) {
    $("dl-error").textContent = t("r.dlfail", { err: e.message || e });
  }
}

// evidence lists conversation ids as buttons that open the transcript; a
// long list shows its first 24 and a button for the rest.
function evidence(ids = []) {
  if (!ids.length) return h("span", { class: "muted" }, t("r.none"));
  // All are in the page (print shows them all); the screen hides the tail.
  const chip = (id, i) => h("button", { type: "button", class: i < 24 ? "chip" : "chip extra", dataset: { conversation: id }, title: t("r.t.open"), onclick: () => openConversation(id) }, id);
  const box = h("div", { class: "chips" }, ids.map(chip));
  if (ids.length > 24) {
    const more = h("button", { type: "button", class: "chip more" }, t("r.more", { n: ids.length - 24 }));
    more.addEventListener("click", () => {
      box.classList.add("all");
      more.remove();
    });
    box.append(more);
  }
  return box;
}

function renderKPIs() {
  const { review } = data;
  const targets = targetsOf(review);
  const kpis = review.kpis || {};
  const ids = [...targets.keys(), ...Object.keys(KPIS).filter((id) => id in kpis && !targets.has(id)),
    ...Object.keys(kpis).filter((id) => !(id in KPIS) && !targets.has(id))];
  const cur = review.statement?.currency || "CNY";
  const rows = ids.map((id) => {
    const tgs = targets.get(id) || [];
    const v = kpis[id] ?? tgs[0]?.measured;
    // Met or missed as the statement judged it: a line that costs money is
    // missed even where the measured value sits on the boundary.
    const owed = tgs.reduce((a, x) => a + moneyValue(x.amount), 0);
    const state = tgs.length ? worst([...tgs.map((x) => kpiState(v, x)), owed > 0 ? "bad" : "good"]) : "none";
    return h("tr", { dataset: { kpi: id, state } },
      h("td", {}, kpiName(id), h("div", { class: "muted small" }, id)),
      h("td", { class: "num" }, kpi(id, v)),
      h("td", { class: "num" }, tgs.length ? tgs.map((x) => cmp(id, x.target)).join(" · ") : t("r.none")),
      h("td", {}, h("span", { class: "state-badge", dataset: { state } }, t("state." + state))),
      h("td", { class: "num" }, tgs.length ? money(owed, cur) : t("r.none")),
      h("td", {}, evidence(review.evidence?.[id] || [])),
    );
  });
  put($("kpis"), h("table", { class: "kpi-table" },
    h("thead", {}, h("tr", {}, ["r.col.kpi", "r.col.measured", "r.col.target", "r.col.status", "r.col.refund", "r.col.evidence"].map((k, i) =>
      h("th", { class: i === 1 || i === 2 || i === 4 ? "num" : null }, t(k))))),
    h("tbody", {}, rows)));
}

function renderStatement() {
  const { review } = data;
  const stmt = review.statement;
  if (!stmt) {
    put($("statement"), h("p", { class: "muted" }, t("r.nostatement")));
    return;
  }
  const cur = stmt.currency || "CNY";
  const lines = (stmt.items || []).map((it) => {
    const owed = moneyValue(it.amount) > 0;
    return h("tbody", { class: "line " + (owed ? "owed" : "met"), "data-testid": "statement-line", dataset: { clause: it.clause, period: it.period }, id: "clause-" + it.clause },
      h("tr", {},
        h("td", {}, h("b", {}, it.clause), h("div", { class: "muted small" }, it.kind)),
        h("td", {}, it.period),
        h("td", {}, it.kpi ? kpiName(it.kpi) : t("r.none")),
        h("td", { class: "num" }, it.kpi ? kpi(it.kpi, it.measured) : num(it.measured, 4)),
        h("td", { class: "num" }, it.kpi && it.target !== null && it.target !== undefined ? cmp(it.kpi, it.target) : num(it.target, 4)),
        h("td", {}, it.band || t("r.none")),
        h("td", { class: "num" }, it.ratio === null || it.ratio === undefined ? t("r.none") : pct(it.ratio, 2)),
        h("td", { class: "num amount" }, money(it.amount, cur))),
      h("tr", { class: "detail" },
        h("td", { colspan: 8 },
          h("div", { class: "why" }, h("span", { class: "muted" }, t("r.formula") + ": "), h("code", {}, it.formula || "")),
          h("div", { class: "why" }, h("span", { class: "muted" }, t("r.reason") + ": "), it.reason || ""),
          (it.evidence || []).length ? h("div", { class: "why" }, h("span", { class: "muted" }, t("r.col.evidence") + ": "), evidence(it.evidence)) : null)),
    );
  });
  const head = ["r.col.clause", "r.col.period", "r.col.kpi", "r.col.measured", "r.col.target", "r.col.band", "r.col.ratio", "r.col.amount"];
  put($("statement"),
    h("p", { class: "muted" }, `${stmt.contract} · `, t("r.monthly", { fee: money(stmt.monthly_fee, cur), cur, periods: (stmt.periods || []).join(", ") || review.period })),
    h("table", { class: "stmt-table" },
      h("thead", {}, h("tr", {}, head.map((k, i) => h("th", { class: i >= 3 && i !== 5 ? "num" : null }, t(k))))),
      ...lines,
      h("tfoot", {}, h("tr", {}, h("td", { colspan: 7 }, t("r.total")), h("td", { class: "num amount", "data-testid": "statement-total" }, money(stmt.total, cur))))),
    (stmt.skipped || []).length ? h("div", { class: "skipped" }, h("h3", {}, t("r.skipped")),
      h("ul", {}, stmt.skipped.map((s) => h("li", {}, h("b", {}, s.clause), ` (${s.period}${s.kpi ? ", " + s.kpi : ""}): ${s.reason}`)))) : null,
    moneyValue(review.dispute_refunds) > 0 ? h("p", { class: "muted small" }, t("r.disputes", { amount: money(review.dispute_refunds, cur) })) : null,
  );
}

function renderAgents() {
  const { review } = data;
  const agents = review.agents || [];
  if (!agents.length) {
    put($("agents"), h("p", { class: "muted" }, t("r.noagents")));
    return;
  }
  const targets = targetsOf(review);
  const cols = ["first_response_avg_s", "response_avg_s", "reply_rate_3min", "satisfaction", "abandon_rate"];
  const cell = (a, id) => {
    const v = a.kpis?.[id];
    const state = worst((targets.get(id) || []).map((x) => kpiState(v, x)));
    return h("td", { class: "num", dataset: { state } }, kpi(id, v));
  };
  put($("agents"), h("div", { class: "scroll" }, h("table", { class: "agent-table" },
    h("thead", {}, h("tr", {},
      h("th", {}, t("r.col.agent")), h("th", { class: "num" }, t("r.col.convs")), h("th", { class: "num" }, t("r.col.mean")),
      h("th", { class: "num" }, t("r.col.correct")), h("th", { class: "num" }, t("r.col.hard")),
      cols.map((id) => h("th", { class: "num" }, kpiName(id))))),
    h("tbody", {}, agents.map((a) => h("tr", { "data-testid": "agent-row", dataset: { agent: a.agent } },
      h("td", {}, a.agent),
      h("td", { class: "num" }, num(a.conversations)),
      h("td", { class: "num" }, fixed(a.mean_score, 1)),
      h("td", { class: "num" }, `${num(a.correct)} (${pct(a.conversations ? a.correct / a.conversations : null, 0)})`),
      h("td", { class: "num", dataset: { state: a.hard_fails > 0 ? "bad" : "none" } }, num(a.hard_fails)),
      cols.map((id) => cell(a, id)))))))) ;
}

// eventText says what happened at one event, in the page's language.
function eventText(e) {
  switch (e.kind) {
    case "message": return e.text || "";
    case "evidence": return [h("span", { class: "tag" }, t("ev.evidence")), " ", e.text || ""];
    case "action": {
      const a = e.action || {};
      const bits = [tr("act." + a.kind)];
      if (a.amount !== undefined && a.amount !== null && moneyValue(a.amount) > 0) bits.push(money(a.amount));
      if (a.shipping_payer) bits.push(t("act.payer", { who: a.shipping_payer }));
      if (a.reason) bits.push(a.reason);
      return [h("span", { class: "tag action" }, "⚙ " + bits.join(" · ")), e.text ? " " + e.text : ""];
    }
    case "assign": return h("span", { class: "muted" }, t("ev.assign", { agent: e.agent || "" }));
    case "requeue": return h("span", { class: "muted" }, t("ev.requeue"));
    case "leave": return h("span", { class: "muted" }, t("ev.leave"), e.text ? ` (${e.text})` : "");
    case "close": return h("span", { class: "muted" }, t("ev.close"));
    case "paid": return h("span", { class: "muted" }, t("ev.paid"));
    case "rating": return t("ev.rating", { stars: "★".repeat(e.rating || 0) + "☆".repeat(Math.max(0, 5 - (e.rating || 0))) });
    case "dispute": return [h("span", { class: "tag bad" }, t("ev.dispute")), e.text ? " " + e.text : ""];
    default: return e.text || e.kind;
  }
}

function deduction(d) {
  return h("div", { class: "deduction", "data-testid": "deduction", dataset: { dimension: d.dimension, event: d.event } },
    h("b", {}, "−" + fixed(d.points, 1)), " ", h("span", { class: "dim" }, tr("dim." + d.dimension)), " ", h("span", {}, d.reason));
}

// transcript renders a conversation with its deductions beside the events
// they refer to; conversation-wide ones (event −1, or an index past the
// end) come last.
function transcript(id, got, cs) {
  const box = h("article", { class: "transcript", "data-testid": "transcript", dataset: { conversation: id } });
  if (!got || got.error) {
    box.append(h("p", { class: "error" }, t("r.t.loadfail", { id, err: got?.error || "?" })));
    return box;
  }
  const c = got.conversation, sc = got.score || cs?.score || {};
  const events = c.events || [];
  const byEvent = new Map();
  const whole = [];
  for (const d of sc.deductions || []) {
    if (d.event >= 0 && d.event < events.length) byEvent.set(d.event, [...(byEvent.get(d.event) || []), d]);
    else whole.push(d);
  }
  const lost = {};
  for (const d of sc.deductions || []) lost[d.dimension] = (lost[d.dimension] || 0) + d.points;
  const t0 = new Date(c.arrived || events[0]?.at);
  const flags = [
    sc.hard_fail ? h("span", { class: "badge bad" }, t("r.t.hard")) : null,
    sc.resolution_judged === false ? null : h("span", { class: "badge " + (sc.correct ? "good" : "bad") }, t(sc.correct ? "r.t.correct" : "r.t.wrong")),
    cs?.abandoned ? h("span", { class: "badge" }, t("r.t.abandoned")) : null,
    cs?.dispute ? h("span", { class: "badge bad" }, t("r.t.dispute")) : null,
    c.presales ? h("span", { class: "badge" }, t("r.t.presales")) : null,
  ];
  const meta = (k, v) => (v === undefined || v === null || v === "" ? null : h("span", {}, h("span", { class: "muted" }, t(k) + " "), v));
  box.append(
    h("header", { class: "t-head" },
      h("div", { class: "t-title" },
        h("h3", {}, c.id || id),
        h("span", { class: "score", dataset: { state: sc.total < 60 ? "bad" : sc.total < 80 ? "warn" : "good" } }, fixed(sc.total, 1)),
        flags),
      h("div", { class: "t-meta" },
        meta("r.t.agent", cs?.agent),
        meta("r.t.case", c.case),
        meta("r.t.persona", c.persona),
        meta("r.t.order", c.order && c.order.price !== undefined ? `${c.order.product || ""} ${money(c.order.price)}` : null),
        meta("r.t.first", cs ? secs(cs.first_reply_s) : null),
        meta("r.t.rating", cs?.rating ? "★".repeat(cs.rating) : null)),
      h("div", { class: "dims" }, DIMS.map((d) => {
        const kept = sc[d] ?? 0, of = kept + (lost[d] || 0);
        return h("span", { class: "dimbar", dataset: { lost: lost[d] ? "yes" : "no" } }, tr("dim." + d), " ", h("b", {}, `${fixed(kept, 1)}/${fixed(of, 1)}`));
      }))),
    h("ol", { class: "events" }, events.map((e, i) => {
      const ds = byEvent.get(i) || [];
      const off = (new Date(e.at) - t0) / 1000;
      return h("li", { class: `ev s-${e.sender} k-${e.kind}${ds.length ? " lost" : ""}`, dataset: { index: i } },
        h("span", { class: "at", title: dateTime(e.at) }, "+" + duration(off)),
        h("span", { class: "who" }, tr("snd." + e.sender), e.sender === "agent" && e.agent ? h("small", { class: "muted" }, " " + e.agent.split("/").pop()) : null),
        h("div", { class: "body" }, eventText(e)),
        h("div", { class: "deds" }, ds.map(deduction)));
    })),
    h("div", { class: "whole" },
      whole.length ? [h("h4", {}, t("r.t.whole")), whole.map(deduction)] : (sc.deductions || []).length ? null : h("p", { class: "muted" }, t("r.t.nodeds")),
      (sc.notes || []).length ? h("ul", { class: "muted small" }, sc.notes.map((n) => h("li", {}, n))) : null),
  );
  return box;
}

async function fetchConversation(id) {
  if (!convs.has(id)) {
    try {
      convs.set(id, await get(`/api/runs/${encodeURIComponent(data.run.id)}/conversations/${encodeURIComponent(id)}`));
    } catch (e) {
      convs.set(id, { error: e.message || String(e) });
    }
  }
  return convs.get(id);
}

function scoreOf(id) {
  return (data.review.scores || []).find((s) => s.id === id);
}

function worstScores() {
  return [...(data.review.scores || [])]
    .sort((a, b) => a.score.total - b.score.total || (b.score.hard_fail ? 1 : 0) - (a.score.hard_fail ? 1 : 0) || a.id.localeCompare(b.id))
    .slice(0, 10);
}

function renderWorst() {
  const list = worstScores();
  if (!list.length) {
    put($("worst"), h("p", { class: "muted" }, t("r.noconvs")));
    return;
  }
  put($("worst"), ...list.map((cs) => (convs.has(cs.id) ? transcript(cs.id, convs.get(cs.id), cs) : h("p", { class: "muted", dataset: { pending: cs.id } }, `${cs.id} · ${t("fmt.loading")}`))));
}

async function loadWorst() {
  await Promise.all(worstScores().map((cs) => fetchConversation(cs.id)));
  renderWorst();
}

let openId = null;
async function openConversation(id) {
  openId = id;
  const dlg = $("conv-dialog");
  put($("conv-body"), h("p", { class: "muted" }, t("fmt.loading")));
  if (!dlg.open) dlg.showModal();
  const got = await fetchConversation(id);
  if (openId === id) put($("conv-body"), transcript(id, got, scoreOf(id)));
}

function renderAll() {
  if (!data) return;
  document.title = `deskdrill · ${t("r.run", { id: data.run.id })} · ${t("r.title")}`;
  renderSummary();
  renderTrial($("trial"), trialStatus);
  renderKPIs();
  renderStatement();
  renderAgents();
  renderWorst();
  if (openId && $("conv-dialog").open) put($("conv-body"), transcript(openId, convs.get(openId), scoreOf(openId)));
}

// jumpToHash brings a statement line (#clause-ID, from the dashboard)
// into view and marks it.
function jumpToHash() {
  const id = decodeURIComponent(location.hash.slice(1));
  const el = id && document.getElementById(id);
  if (!el) return;
  el.scrollIntoView({ block: "center" });
  el.classList.add("flash");
  setTimeout(() => el.classList.remove("flash"), 2500);
}

async function load(which) {
  try {
    data = await get(`/api/runs/${encodeURIComponent(which)}`);
  } catch (e) {
    // No live run: show the newest recorded one instead.
    if (which === "current" && runs.length) {
      const newest = runs.reduce((a, b) => (b.id > a.id ? b : a));
      history.replaceState(null, "", `?run=${newest.id}${location.hash}`);
      return load(String(newest.id));
    }
    fatal(e.message || String(e));
    return;
  }
  loadedAt = new Date();
  try {
    trialStatus = (await get(`/api/runs/${encodeURIComponent(data.run.id)}/trial`)).trial || null;
  } catch {
    trialStatus = null;
  }
  if (!data.run.ended) convs.clear(); // a live run's picture moves on
  renderAll();
  jumpToHash();
  await loadWorst();
}

$("conv-close").addEventListener("click", () => $("conv-dialog").close());
$("conv-dialog").addEventListener("close", () => (openId = null));
window.addEventListener("hashchange", jumpToHash);

const me = await initPage({ roles: ["viewer", "supervisor", "admin"], onLang: renderAll });
if (me) {
  try {
    runs = (await get("/api/runs")) || [];
  } catch {
    runs = [];
  }
  await load(new URLSearchParams(location.search).get("run") || "current");
}
