// admin.js: tokens and runs. A token is shown once, when it is made (the
// server keeps only its hash), so the page offers a copy button and says
// so; the tokens a new run prints are shown the same way. Each token can
// be revoked: refused from then on, its open connections closed.

import { get, post } from "./api.js";
import { messages, t } from "./i18n.js";
import { h, num, dateTime, duration, initPage, put, seed } from "./format.js";

messages({
  en: {
    "a.title": "Admin", "a.current": "Live run", "a.stop": "Stop the live run", "a.start": "Start a run",
    "a.scenario": "Scenario", "a.speed": "Speed (×)", "a.bots": "Bot agents", "a.skill": "Bot skill (0–1)",
    "a.customers": "Customers", "a.internal": "internal (in-process swarm)", "a.external": "external (deskdrill customers)",
    "a.count": "Customers to send", "a.count.hint": "0 sends the scenario's whole duration.",
    "a.startbtn": "Start run", "a.startnote": "Starting a run stops the live one.",
    "a.tokens": "Tokens", "a.role": "Role", "a.name": "Name", "a.name.ph": "e.g. alice",
    "a.name.hint": "An agent token's name is the agent's name.", "a.create": "Create token", "a.existing": "Existing tokens",
    "a.runs": "Runs",
    "a.none": "No run is live.", "a.live": "live", "a.ended": "ended", "a.interrupted": "interrupted",
    "a.runinfo": "Run {id} · {scenario} · {speed}× · started {started}",
    "a.scored": "{n} conversations scored", "a.waiting": "{n} waiting",
    "a.confirm.stop": "Stop run {id}? Customers leave, chats in flight are recorded as they stand.",
    "a.confirm.start": "Start a new run of {scenario}? The live run {id} stops first.",
    "a.stopped": "Run {id} stopped.", "a.started": "Run {id} started.", "a.starting": "Starting…", "a.stopping": "Stopping…",
    "a.once": "Shown once: copy it now. deskdrill keeps only its hash.",
    "a.copy": "Copy", "a.copied": "Copied", "a.copyfail": "Select and copy by hand",
    "a.created": "Token “{name}” ({role}) created.",
    "a.col.id": "Run", "a.col.scenario": "Scenario", "a.col.contract": "Contract", "a.col.speed": "Speed", "a.col.seed": "Seed",
    "a.col.started": "Started", "a.col.length": "Length", "a.col.status": "Status", "a.col.links": "",
    "a.col.name": "Name", "a.col.role": "Role", "a.col.created": "Created", "a.col.token": "Token", "a.col.use": "For",
    "a.report": "Report", "a.dashboard": "Dashboard", "a.noruns": "No runs yet.", "a.notokens": "No tokens.",
    "a.tok.agent": "agents (join the console)", "a.tok.trainee": "a trainee agent (join the console)",
    "a.tok.supervisor": "supervisors (escalations)", "a.tok.viewer": "viewers (dashboard, reports)",
    "a.tok.dashboard": "viewers (dashboard, reports)", "a.tok.customer": "customers (deskdrill customers)",
    "a.tok.swarm": "the customer swarm (deskdrill customers)", "a.tok.bots": "the in-process bot agents",
    "a.tok.bot-supervisors": "the in-process bot supervisors",
    "a.revoke": "Revoke",
    "a.confirm.revoke": "Revoke token #{id} “{name}” ({role})? It is refused from now on and its open connections close.",
    "a.revoked": "Token #{id} “{name}” revoked (connections closed: {n}).",
  },
  "zh-CN": {
    "a.title": "管理", "a.current": "进行中的运行", "a.stop": "停止当前运行", "a.start": "开始运行",
    "a.scenario": "场景", "a.speed": "倍速（×）", "a.bots": "机器人客服数", "a.skill": "机器人水平（0–1）",
    "a.customers": "顾客", "a.internal": "内部（进程内顾客群）", "a.external": "外部（deskdrill customers）",
    "a.count": "发送顾客数", "a.count.hint": "0 表示按场景的完整时长发送。",
    "a.startbtn": "开始运行", "a.startnote": "开始新运行会停止当前运行。",
    "a.tokens": "令牌", "a.role": "角色", "a.name": "名称", "a.name.ph": "例如 小王",
    "a.name.hint": "客服令牌的名称即客服的名字。", "a.create": "创建令牌", "a.existing": "已有令牌",
    "a.runs": "运行记录",
    "a.none": "当前没有进行中的运行。", "a.live": "进行中", "a.ended": "已结束", "a.interrupted": "已中断",
    "a.runinfo": "运行 {id} · {scenario} · {speed}× · 开始于 {started}",
    "a.scored": "已评分 {n} 个会话", "a.waiting": "排队 {n} 人",
    "a.confirm.stop": "停止运行 {id}？顾客将离开，进行中的会话按当前状态记录。",
    "a.confirm.start": "开始 {scenario} 的新运行？当前运行 {id} 会先停止。",
    "a.stopped": "运行 {id} 已停止。", "a.started": "运行 {id} 已开始。", "a.starting": "正在开始…", "a.stopping": "正在停止…",
    "a.once": "仅显示一次：请立即复制。deskdrill 只保存其哈希。",
    "a.copy": "复制", "a.copied": "已复制", "a.copyfail": "请手动选择并复制",
    "a.created": "已创建令牌“{name}”（{role}）。",
    "a.col.id": "运行", "a.col.scenario": "场景", "a.col.contract": "合同", "a.col.speed": "倍速", "a.col.seed": "种子",
    "a.col.started": "开始", "a.col.length": "时长", "a.col.status": "状态", "a.col.links": "",
    "a.col.name": "名称", "a.col.role": "角色", "a.col.created": "创建时间", "a.col.token": "令牌", "a.col.use": "用途",
    "a.report": "报告", "a.dashboard": "看板", "a.noruns": "尚无运行记录。", "a.notokens": "没有令牌。",
    "a.tok.agent": "客服（登录工作台）", "a.tok.trainee": "受训客服（登录工作台）",
    "a.tok.supervisor": "主管（处理升级）", "a.tok.viewer": "查看者（看板、报告）",
    "a.tok.dashboard": "查看者（看板、报告）", "a.tok.customer": "顾客（deskdrill customers）",
    "a.tok.swarm": "顾客群（deskdrill customers）", "a.tok.bots": "进程内机器人客服",
    "a.tok.bot-supervisors": "进程内机器人主管",
    "a.revoke": "吊销",
    "a.confirm.revoke": "吊销令牌 #{id}“{name}”（{role}）？此后它将被拒绝，已打开的连接会关闭。",
    "a.revoked": "令牌 #{id}“{name}”已吊销，关闭了 {n} 个连接。",
  },
});

const $ = (id) => document.getElementById(id);
let scenarios = [];
let runs = [];
let tokens = [];
let live = null; // LiveState of the live run, or null
let shown = { run: null, runTokens: null, token: null }; // secrets on screen, kept for a language switch

// state is live, ended or interrupted (a run whose hub stopped without
// ending it).
function state(r) {
  return r.state || (r.ended ? "ended" : "live");
}

function liveRun() {
  return runs.find((r) => state(r) === "live") || null;
}

async function copy(text, btn) {
  try {
    await navigator.clipboard.writeText(text);
    btn.textContent = t("a.copied");
  } catch {
    // Not a secure context (or no permission): select it for the person.
    const code = btn.parentElement.querySelector("code");
    if (code) getSelection().selectAllChildren(code);
    btn.textContent = t("a.copyfail");
  }
  setTimeout(() => (btn.textContent = t("a.copy")), 2000);
}

function copyButton(text) {
  const b = h("button", { type: "button", class: "copy" }, t("a.copy"));
  b.addEventListener("click", () => copy(text, b));
  return b;
}

function renderCurrent() {
  const r = liveRun();
  $("stop").disabled = !r;
  if (!r) {
    put($("current"), h("span", { class: "muted" }, t("a.none")));
    return;
  }
  const bits = [h("span", { class: "badge live" }, t("a.live")),
    h("b", {}, t("a.runinfo", { id: r.id, scenario: r.scenario, speed: num(r.speed, 1), started: dateTime(r.started) }))];
  if (live && live.run?.id === r.id) {
    bits.push(h("span", { class: "muted" }, t("a.scored", { n: num(live.review?.conversations) })));
    bits.push(h("span", { class: "muted" }, t("a.waiting", { n: num(live.hub?.waiting ?? live.hub?.Waiting) })));
  }
  bits.push(h("a", { href: "/dashboard.html" }, t("a.dashboard")), h("a", { href: `/report.html?run=${r.id}` }, t("a.report")));
  put($("current"), ...bits);
}

function renderScenarios() {
  const sel = $("scenario");
  const keep = sel.value;
  put(sel, ...scenarios.map((s) => h("option", { value: s.name }, s.name)));
  // Default to the live run's scenario: the likeliest one to run again.
  const pick = keep || liveRun()?.scenario;
  if (pick && scenarios.some((s) => s.name === pick)) sel.value = pick;
  describe();
}

function describe() {
  const s = scenarios.find((x) => x.name === $("scenario").value);
  $("scenario-desc").textContent = s?.description || "";
  if (s && !$("speed").dataset.touched) $("speed").value = s.speed || 1;
}

function renderRunTokens() {
  const { run, runTokens } = shown;
  if (!run) return put($("run-tokens"));
  put($("run-tokens"),
    h("p", { class: "secret-note small" }, t("a.once")),
    h("table", { class: "secrets" },
      h("thead", {}, h("tr", {}, h("th", {}, t("a.col.use")), h("th", {}, t("a.col.token")), h("th", {}))),
      h("tbody", {}, Object.entries(runTokens || {}).map(([k, v]) => h("tr", { dataset: { token: k } },
        h("td", {}, t("a.tok." + k) === "a.tok." + k ? k : t("a.tok." + k)),
        h("td", {}, h("code", {}, v)),
        h("td", {}, copyButton(v)))))),
  );
}

function renderNewToken() {
  const tk = shown.token;
  if (!tk) return put($("new-token"));
  put($("new-token"),
    h("p", { class: "small good" }, t("a.created", { name: tk.name, role: t("role." + tk.role) })),
    h("div", { class: "secret" }, h("code", { "data-testid": "token-value" }, tk.token), copyButton(tk.token)),
    h("p", { class: "small muted" }, t("a.once")),
  );
}

function revokeButton(x) {
  const b = h("button", { type: "button", class: "danger small", "data-testid": "token-revoke" }, t("a.revoke"));
  b.addEventListener("click", async () => {
    if (!confirm(t("a.confirm.revoke", { id: x.id, name: x.name, role: t("role." + x.role) }))) return;
    b.disabled = true;
    try {
      const res = await post(`/api/tokens/${x.id}/revoke`, {});
      message("token-msg", t("a.revoked", { id: x.id, name: x.name, n: num(res?.connections_closed ?? 0) }));
    } catch (e) {
      b.disabled = false;
      message("token-msg", e.message || String(e), true);
    }
    await refresh();
  });
  return b;
}

function renderTokens() {
  if (!tokens.length) return put($("tokens"), h("p", { class: "muted" }, t("a.notokens")));
  const sorted = [...tokens].sort((a, b) => b.id - a.id);
  put($("tokens"), h("table", {},
    h("thead", {}, h("tr", {}, h("th", { class: "num" }, "#"), h("th", {}, t("a.col.name")), h("th", {}, t("a.col.role")), h("th", {}, t("a.col.created")), h("th", {}))),
    h("tbody", {}, sorted.map((x) => h("tr", { "data-testid": "token-row", dataset: { role: x.role, id: x.id } },
      h("td", { class: "num" }, x.id), h("td", {}, x.name), h("td", {}, t("role." + x.role)), h("td", {}, dateTime(x.created)),
      h("td", {}, revokeButton(x)))))));
}

function renderRuns() {
  if (!runs.length) return put($("runs"), h("p", { class: "muted" }, t("a.noruns")));
  const sorted = [...runs].sort((a, b) => b.id - a.id);
  const head = ["a.col.id", "a.col.scenario", "a.col.contract", "a.col.speed", "a.col.seed", "a.col.started", "a.col.length", "a.col.status", "a.col.links"];
  put($("runs"), h("table", {},
    h("thead", {}, h("tr", {}, head.map((k) => h("th", { class: k === "a.col.speed" || k === "a.col.length" ? "num" : null }, t(k))))),
    h("tbody", {}, sorted.map((r) => {
      const st = state(r);
      const stops = r.interruptions || [];
      const end = r.ended ? new Date(r.ended) : st === "interrupted" && stops.length ? new Date(stops[stops.length - 1].at) : new Date();
      const len = (end - new Date(r.started)) / 1000;
      return h("tr", { "data-testid": "run-row", dataset: { run: r.id, live: st === "live" ? "true" : "false", state: st } },
        h("td", {}, h("b", {}, r.id)), h("td", {}, r.scenario), h("td", {}, r.contract || "—"),
        h("td", { class: "num" }, num(r.speed, 1) + "×"), h("td", { class: "muted small" }, seed(r.seed)),
        h("td", {}, dateTime(r.started)), h("td", { class: "num" }, duration(len)),
        h("td", {}, h("span", { class: "badge" + (st === "live" ? " live" : "") }, t("a." + st))),
        h("td", {}, h("a", { href: `/report.html?run=${r.id}` }, t("a.report")),
          st === "live" ? [" · ", h("a", { href: "/dashboard.html" }, t("a.dashboard"))] : null));
    }))));
}

function renderAll() {
  renderCurrent();
  renderScenarios();
  renderRunTokens();
  renderNewToken();
  renderTokens();
  renderRuns();
}

async function refresh() {
  const [rs, ts] = await Promise.allSettled([get("/api/runs"), get("/api/tokens")]);
  if (rs.status === "fulfilled") runs = rs.value || [];
  if (ts.status === "fulfilled") tokens = ts.value || [];
  live = null;
  if (liveRun()) {
    try {
      live = await get("/api/live");
    } catch {
      live = null;
    }
  }
  renderCurrent();
  renderTokens();
  renderRuns();
}

function message(id, text, isError) {
  $(id).textContent = text;
  $(id).className = "small " + (isError ? "error" : "good");
}

$("scenario").addEventListener("change", () => {
  delete $("speed").dataset.touched;
  describe();
});
$("speed").addEventListener("input", () => ($("speed").dataset.touched = "1"));

$("start-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const cur = liveRun();
  const scenario = $("scenario").value;
  if (cur && !confirm(t("a.confirm.start", { scenario, id: cur.id }))) return;
  const body = {
    scenario,
    speed: Number($("speed").value),
    bots: parseInt($("bots").value, 10) || 0,
    bot_skill: Number($("skill").value),
    customers: $("customers").value,
    count: parseInt($("count").value, 10) || 0,
  };
  $("start").disabled = true;
  message("start-msg", t("a.starting"));
  try {
    const res = await post("/api/runs", body);
    shown.run = res.run;
    shown.runTokens = res.tokens;
    message("start-msg", t("a.started", { id: res.run?.id }));
    renderRunTokens();
  } catch (x) {
    message("start-msg", x.message || String(x), true);
  } finally {
    $("start").disabled = false;
  }
  await refresh();
});

$("stop").addEventListener("click", async () => {
  const cur = liveRun();
  if (!cur || !confirm(t("a.confirm.stop", { id: cur.id }))) return;
  $("stop").disabled = true;
  message("stop-msg", t("a.stopping"));
  try {
    const res = await post("/api/runs/current/stop", {});
    message("stop-msg", t("a.stopped", { id: res?.run?.id ?? cur.id }));
  } catch (x) {
    message("stop-msg", x.message || String(x), true);
  }
  await refresh();
});

$("token-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  message("token-msg", "");
  try {
    const res = await post("/api/tokens", { role: $("token-role").value, name: $("token-name").value.trim() });
    shown.token = res;
    $("token-name").value = "";
    renderNewToken();
  } catch (x) {
    shown.token = null;
    renderNewToken();
    message("token-msg", x.message || String(x), true);
  }
  await refresh();
});

const me = await initPage({ roles: ["admin"], onLang: renderAll });
if (me) {
  try {
    scenarios = (await get("/api/scenarios")) || [];
  } catch (x) {
    message("start-msg", x.message || String(x), true);
  }
  await refresh();
  renderScenarios();
  setInterval(refresh, 10000);
}
