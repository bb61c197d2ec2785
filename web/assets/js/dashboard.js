// dashboard.js: the live run at a glance. The state arrives from the
// server-sent events of /api/stream (on connect, at every scored
// conversation, every 2 s); when the stream cannot be opened at all the
// page polls /api/live instead, so a proxy that drops SSE still works.

import { get, stream } from "./api.js";
import { messages, t } from "./i18n.js";
import { lineChart, histogram, hbars, PALETTE } from "./charts.js";
import { renderTrial } from "./trial.js";
import {
  h, num, money, moneyValue, pct, secs, duration, dateTime, kpi, kpiName, kpiState, worst, cmp, KPIS, initPage, put,
} from "./format.js";

messages({
  en: {
    "d.title": "Live dashboard",
    "d.conn.connecting": "Connecting…", "d.conn.live": "Live", "d.conn.retry": "Reconnecting…",
    "d.conn.poll": "Polling (no stream)", "d.conn.ended": "Run ended", "d.conn.idle": "No live run",
    "d.scored": "Conversations scored", "d.queue": "Waiting in queue", "d.chatting": "In chats",
    "d.online": "Agents online", "d.refund": "Refund owed so far",
    "d.escalated": "{n} escalated", "d.load": "{chats} of {slots} chat slots in use", "d.fee": "of {fee} monthly fee",
    "d.run": "Run {id}", "d.scenario": "Scenario", "d.contract": "Contract", "d.speed": "Speed", "d.seed": "Seed",
    "d.started": "Started", "d.elapsed": "Running for", "d.ended": "Ended", "d.report": "Run report →",
    "d.idle": "No run is live. Past runs are in the run report.",
    "d.chart.queue": "Queue and chats, last hour", "d.chart.first": "First response p50 / p90, last hour",
    "d.hist.first": "First response, all conversations", "d.hist.response": "Average response time, by agent",
    "d.outcomes": "Customer outcomes", "d.agents": "Agents and their load", "d.conc": "at most {n} chats each",
    "d.refund.title": "Refund by clause", "d.refund.none": "No contract clauses evaluated yet.",
    "d.refund.met": "no refund", "d.refund.evidence": "{n} conversations →", "d.refund.skipped": "Skipped: {list}",
    "d.refund.total": "Total",
    "s.waiting": "waiting", "s.chatting": "chatting", "s.online": "agents online",
    "s.p50": "p50", "s.p90": "p90", "s.satisfaction": "satisfaction", "s.abandon": "abandonment",
    "d.target": "target {cmp}", "d.nodata": "No data yet", "d.noagents": "No agent connected",
    "d.served": "{n} served", "d.away": "away", "d.offline": "offline",
    "d.disputes": "Dispute refund rate", "d.dispute_refunds": "Refunded in disputes",
    "d.avgtarget": "target avg",
  },
  "zh-CN": {
    "d.title": "实时看板",
    "d.conn.connecting": "连接中…", "d.conn.live": "实时", "d.conn.retry": "重新连接中…",
    "d.conn.poll": "轮询中（无推送）", "d.conn.ended": "运行已结束", "d.conn.idle": "无进行中的运行",
    "d.scored": "已评分会话", "d.queue": "排队人数", "d.chatting": "接待中",
    "d.online": "在线客服", "d.refund": "当前应退款",
    "d.escalated": "{n} 个升级", "d.load": "已用 {chats}/{slots} 个接待位", "d.fee": "月服务费 {fee}",
    "d.run": "运行 {id}", "d.scenario": "场景", "d.contract": "合同", "d.speed": "倍速", "d.seed": "种子",
    "d.started": "开始", "d.elapsed": "已运行", "d.ended": "结束", "d.report": "运行报告 →",
    "d.idle": "当前没有进行中的运行。历史运行见运行报告。",
    "d.chart.queue": "排队与接待（近一小时）", "d.chart.first": "首响 p50 / p90（近一小时）",
    "d.hist.first": "首响时长分布（全部会话）", "d.hist.response": "平均响应时长分布（按客服）",
    "d.outcomes": "顾客结果", "d.agents": "客服及负载", "d.conc": "每人最多 {n} 个会话",
    "d.refund.title": "按条款的退款", "d.refund.none": "尚未评估任何合同条款。",
    "d.refund.met": "无退款", "d.refund.evidence": "{n} 个会话 →", "d.refund.skipped": "未评估：{list}",
    "d.refund.total": "合计",
    "s.waiting": "排队", "s.chatting": "接待中", "s.online": "在线客服",
    "s.p50": "p50", "s.p90": "p90", "s.satisfaction": "满意度", "s.abandon": "放弃率",
    "d.target": "目标 {cmp}", "d.nodata": "暂无数据", "d.noagents": "没有客服在线",
    "d.served": "已接待 {n}", "d.away": "离开", "d.offline": "离线",
    "d.disputes": "纠纷退款率", "d.dispute_refunds": "纠纷退款金额",
    "d.avgtarget": "均值目标",
  },
});

const $ = (id) => document.getElementById(id);
let last = null; // the last LiveState, redrawn on resize and language change
let conn = "connecting";

function setConn(state) {
  conn = state;
  $("conn").dataset.state = state;
  const key = "d.conn." + state;
  $("conn-text").dataset.i18n = key;
  $("conn-text").textContent = t(key);
}

function online(agents) {
  return agents.filter((a) => a.connected && !a.away);
}

function renderRun(run) {
  const elapsed = ((run.ended ? new Date(run.ended) : new Date()) - new Date(run.started)) / 1000;
  const item = (k, v) => h("span", {}, h("span", { class: "muted" }, t(k) + " "), h("b", {}, v));
  put($("run"),
    h("b", { class: "runid" }, t("d.run", { id: run.id })),
    item("d.scenario", run.scenario),
    item("d.contract", run.contract || "—"),
    item("d.speed", num(run.speed, 1) + "×"),
    item("d.started", dateTime(run.started)),
    run.ended ? item("d.ended", dateTime(run.ended)) : item("d.elapsed", duration(elapsed)),
    h("span", { class: "spacer" }),
    h("a", { href: "/report.html?run=" + encodeURIComponent(run.id) }, t("d.report")),
  );
}

function renderStats(st) {
  const agents = st.hub.agents || [];
  const on = online(agents);
  $("scored").textContent = num(st.review.conversations);
  $("queue").textContent = num(st.hub.waiting);
  $("escalated").textContent = st.hub.escalated ? t("d.escalated", { n: st.hub.escalated }) : "";
  $("chatting").textContent = num(st.hub.chatting);
  $("online").textContent = num(on.length);
  const chats = on.reduce((a, x) => a + x.chats, 0);
  $("load").textContent = st.concurrency ? t("d.load", { chats, slots: on.length * st.concurrency }) : "";
  const stmt = st.review.statement;
  const cur = stmt?.currency || "CNY";
  $("refund").textContent = money(st.refund_so_far ?? stmt?.total ?? 0, cur);
  $("refund").classList.toggle("bad", moneyValue(st.refund_so_far) > 0);
  $("refund-fee").textContent = stmt ? t("d.fee", { fee: money(stmt.monthly_fee, cur) }) : "";
}

// Tiles: the KPIs with a target first (the contract's order), then the
// rest in the catalogue's order, grey.
function renderTiles(kpis, targets) {
  const byKPI = new Map();
  for (const tg of targets) byKPI.set(tg.kpi, [...(byKPI.get(tg.kpi) || []), tg]);
  const ids = [...byKPI.keys(), ...Object.keys(KPIS).filter((id) => id in kpis && !byKPI.has(id)),
    ...Object.keys(kpis).filter((id) => !(id in KPIS) && !byKPI.has(id))];
  put($("tiles"),
    ...ids.map((id) => {
      const tgs = byKPI.get(id) || [];
      const v = kpis[id];
      const state = worst(tgs.map((tg) => kpiState(v, tg)));
      return h("div", { class: "tile", "data-testid": "kpi-tile", dataset: { kpi: id, state }, title: tgs.map((tg) => tg.clause).join(", ") || null },
        h("span", { class: "name" }, kpiName(id)),
        h("b", { class: "value" }, kpi(id, v)),
        h("span", { class: "target" },
          tgs.length ? tgs.map((tg) => t("d.target", { cmp: cmp(id, tg.target, tg.better) })).join(" · ") : t("state.none"),
          tgs.length ? h("span", { class: "state" }, t("state." + state)) : null),
      );
    }),
  );
}

function series(tl, key, label, color, dash) {
  return { label, color, dash, values: tl.map((p) => ({ t: p.t, v: p[key] })) };
}

function renderCharts(st) {
  const tl = st.timeline || [];
  const empty = t("d.nodata");
  lineChart($("chart-timeline"), [
    series(tl, "waiting", t("s.waiting"), PALETTE[0]),
    series(tl, "chatting", t("s.chatting"), PALETTE[1]),
    series(tl, "agents_online", t("s.online"), PALETTE[4], "4 3"),
  ], { format: (v) => num(v, 1), empty, height: 190, label: t("d.chart.queue") });
  lineChart($("chart-first-response"), [
    series(tl, "first_response_p50_s", t("s.p50"), PALETTE[1]),
    series(tl, "first_response_p90_s", t("s.p90"), PALETTE[0]),
  ], { format: (v) => num(v, 1) + " s", empty, height: 190, label: t("d.chart.first") });
  lineChart($("chart-outcomes"), [
    series(tl, "satisfaction", t("s.satisfaction"), PALETTE[2]),
    series(tl, "abandon_rate", t("s.abandon"), PALETTE[0]),
  ], { format: (v) => pct(v, 0), yMax: 1, empty, height: 150, label: t("d.outcomes") });

  const target = (id) => st.targets.find((x) => x.kpi === id);
  const marker = (id) => {
    const tg = target(id);
    return tg ? { value: tg.target, label: t("d.avgtarget") + " " + secs(tg.target) } : null;
  };
  const d = st.distributions || {};
  histogram($("hist-first"), d.first_response_s || [], { format: (v) => num(v, 1) + "s", empty, color: PALETTE[1], marker: marker("first_response_avg_s"), label: t("d.hist.first") });
  histogram($("hist-response"), d.response_avg_s || [], { format: (v) => num(v, 1) + "s", empty, color: PALETTE[3], marker: marker("response_avg_s"), label: t("d.hist.response") });
}

function renderOutcomes(st) {
  const k = st.review.kpis || {};
  const cur = st.review.statement?.currency || "CNY";
  const fig = (label, value, state) => h("div", { class: "fig", dataset: { state } }, h("span", { class: "muted" }, label), h("b", {}, value));
  const stateOf = (id) => worst(st.targets.filter((x) => x.kpi === id).map((x) => kpiState(k[id], x)));
  put($("outcomes"),
    fig(kpiName("satisfaction"), kpi("satisfaction", k.satisfaction), stateOf("satisfaction")),
    fig(kpiName("abandon_rate"), kpi("abandon_rate", k.abandon_rate), stateOf("abandon_rate")),
    fig(t("d.disputes"), kpi("dispute_refund_rate", k.dispute_refund_rate), stateOf("dispute_refund_rate")),
    fig(t("d.dispute_refunds"), money(st.review.dispute_refunds ?? 0, cur), "none"),
  );
}

function renderAgents(st) {
  const conc = st.concurrency || 3;
  $("conc").textContent = t("d.conc", { n: conc });
  const rows = [...(st.hub.agents || [])]
    .sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === "supervisor" ? 1 : -1))
    .map((a) => {
      const status = !a.connected ? t("d.offline") : a.away ? t("d.away") : "";
      return {
        label: a.name, value: a.chats, max: conc, muted: !a.connected || a.away,
        color: a.chats >= conc ? "#d97706" : a.role === "supervisor" ? PALETTE[3] : PALETTE[1],
        note: `${a.chats}/${conc} · ${status || t("d.served", { n: a.served })}`,
      };
    });
  hbars($("agents"), rows, { empty: t("d.noagents"), label: t("d.agents") });
}

// The refund breakdown: every evaluated clause, the ones that cost money
// first, each linked to its line (and evidence) in the run report.
function renderStatement(st) {
  const stmt = st.review.statement;
  if (!stmt || !(stmt.items || []).length) {
    put($("statement"), h("p", { class: "muted" }, t("d.refund.none")));
    return;
  }
  const cur = stmt.currency || "CNY";
  const items = [...stmt.items].sort((a, b) => moneyValue(b.amount) - moneyValue(a.amount));
  const rows = items.map((it) => {
    const owed = moneyValue(it.amount) > 0;
    const href = `/report.html?run=${encodeURIComponent(st.run.id)}#clause-${encodeURIComponent(it.clause)}`;
    return h("li", { class: owed ? "owed" : "met" },
      h("div", { class: "clause" },
        h("b", {}, it.clause),
        h("span", { class: "amount" }, owed ? money(it.amount, cur) : t("d.refund.met"))),
      h("div", { class: "muted small" },
        it.kpi ? `${kpiName(it.kpi)} ${kpi(it.kpi, it.measured)} (${cmp(it.kpi, it.target)})` : it.band,
        owed && it.ratio !== null ? ` · ${pct(it.ratio, 1)}` : ""),
      (it.evidence || []).length ? h("a", { href, class: "small" }, t("d.refund.evidence", { n: it.evidence.length })) : null,
    );
  });
  const skipped = (stmt.skipped || []).map((s) => s.clause);
  put($("statement"),
    h("ul", { class: "clauses" }, rows),
    h("div", { class: "total" }, h("span", {}, t("d.refund.total")), h("b", {}, money(stmt.total, cur))),
    skipped.length ? h("p", { class: "muted small" }, t("d.refund.skipped", { list: skipped.join(", ") })) : null,
  );
}

// hubOf reads the hub snapshot. hub.Snapshot's counts have no json tags
// yet and arrive as Waiting/Escalated/Chatting/Agents; the contract says
// snake_case, so both are read until the server settles.
function hubOf(x = {}) {
  return {
    waiting: x.waiting ?? x.Waiting ?? 0,
    escalated: x.escalated ?? x.Escalated ?? 0,
    chatting: x.chatting ?? x.Chatting ?? 0,
    agents: x.agents ?? x.Agents ?? [],
  };
}

function render(st) {
  last = st;
  if (!st || !st.run) return;
  document.querySelector("main").classList.remove("idle");
  if (st.run.ended && conn !== "idle") setConn("ended");
  st.targets = st.targets || [];
  st.hub = hubOf(st.hub || {});
  st.review = st.review || { kpis: {} };
  renderRun(st.run);
  renderStats(st);
  renderTrial($("trial"), st.trial);
  renderTiles(st.review.kpis || {}, st.targets);
  renderCharts(st);
  renderOutcomes(st);
  renderAgents(st);
  renderStatement(st);
  $("notes").textContent = (st.review.notes || []).join(" · ");
}

// idle: no run is live. The last picture stays if there was one (the run
// just stopped); a page opened with no run shows only the line.
function idle() {
  setConn("idle");
  document.querySelector("main").classList.toggle("idle", !last);
  put($("run"), h("span", {}, t("d.idle")), h("span", { class: "spacer" }), h("a", { href: "/report.html" }, t("d.report")));
}

// Polling is the fallback when EventSource gives up (it does on a non-200
// answer); the stream is tried again every 30 s.
let pollTimer = null;
function poll() {
  if (pollTimer) return;
  setConn("poll");
  const tick = async () => {
    try {
      render(await get("/api/live"));
    } catch (e) {
      if (e.status === 404 || e.status === 409 || e.status === 503) idle();
    }
  };
  tick();
  pollTimer = setInterval(tick, 5000);
  setTimeout(connect, 30000);
}

function connect() {
  const es = stream(
    (st) => {
      if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
      if (conn !== "live" && !st.run?.ended) setConn("live");
      render(st);
    },
    (up) => {
      if (up) { if (conn !== "ended") setConn("live"); return; }
      if (es.readyState === EventSource.CLOSED) poll();
      else if (conn !== "idle") setConn("retry");
    },
  );
  es.addEventListener("idle", idle);
}

let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => last && render(last), 150);
});

function relabel() {
  setConn(conn);
  const wasIdle = conn === "idle";
  if (last) render(last);
  if (wasIdle) idle();
}

const me = await initPage({ roles: ["viewer", "supervisor", "admin"], onLang: relabel });
if (me) {
  try {
    render(await get("/api/live"));
  } catch (e) {
    if (e.status === 404 || e.status === 409 || e.status === 503) idle();
  }
  connect();
}
