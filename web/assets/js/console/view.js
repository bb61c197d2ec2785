// view.js: renders the state of chats.js. Lists are synced by key rather
// than rebuilt, so focus, scroll position and screen readers' live region
// only see what changed.

import { t } from "/js/i18n.js";
import { state, list, selected, waitingSince, hubNow } from "./chats.js";
import { h, $, setText, setAttr } from "./dom.js";
import { clock, date, duration, money, describe, localeName, logistics } from "./format.js";

const items = new Map(); // chat key → <li> of the chat list
let logFor = null; // conversation the log shows
const rows = new Map(); // message key → <li> of the log

// rebuild forgets every rendered node (after a language change: system
// lines and labels are composed in JS).
export function rebuild() {
  items.clear();
  $("chat-list").replaceChildren();
  logFor = null;
  render();
}

export function render() {
  renderHeader();
  renderList();
  renderConversation();
  renderPanel();
  tick();
}

export function renderConnection(s, retryAt) {
  const el = $("connection");
  el.dataset.state = s;
  let text = t("conn." + s);
  if (s === "reconnecting" && retryAt) {
    const secs = Math.ceil((retryAt - Date.now()) / 1000);
    if (secs > 0) text = t("conn.reconnectingIn", { s: secs });
  }
  setText(el, text);
  $("reconnect").hidden = s !== "replaced";
}

function renderHeader() {
  const me = state.me;
  setText($("agent-name"), me.name);
  const role = $("agent-role");
  role.dataset.role = me.role;
  setText(role, me.role ? t("role." + me.role) : "");
  const st = $("status");
  st.dataset.status = state.status;
  st.setAttribute("aria-pressed", String(state.status === "away"));
  setText(st, "● " + t("status." + state.status));
  setText($("q-waiting"), String(state.queue.waiting));
  setText($("q-escalated"), String(state.queue.escalated));
  const held = list().filter((c) => !c.ended).length;
  setText($("q-load"), me.concurrency ? `${held}/${me.concurrency}` : String(held));
  // Escalations are the supervisor's queue: make it stand out for them.
  $("q-escalated-wrap").classList.toggle("mine", me.role === "supervisor");
  const p = state.profile;
  setText($("help-thresholds"), t("help.thresholds", { a: duration(p.answer_s), r: duration(p.reply_s) }));
}

function lastLine(chat) {
  for (let i = chat.messages.length - 1; i >= 0; i--) {
    const m = chat.messages[i];
    if (m.kind === "message") return m.text;
    if (m.kind === "evidence") return t("msg.evidence", { text: m.text });
    if (m.kind === "action") return describe(m.action);
  }
  return "";
}

function chatItem(chat) {
  const li = h("li", { "data-testid": "chat-item", "data-conversation": chat.id, "data-key": chat.key, class: "item" },
    h("button", { type: "button", class: "pick" },
      h("span", { class: "row" },
        h("span", { class: "name" }),
        h("span", { class: "badge esc", "data-testid": "escalated", text: t("badge.escalated") }),
        h("span", { class: "badge end" }),
        h("span", { class: "waiting", "data-testid": "waiting", title: t("waiting.title") })),
      h("span", { class: "row" },
        h("span", { class: "last" }),
        h("span", { class: "unread", "data-testid": "unread" }))),
    h("button", { type: "button", class: "dismiss", "data-testid": "dismiss", text: "×" }));
  return li;
}

function renderList() {
  const ul = $("chat-list");
  const chats = list();
  let prev = null;
  for (const chat of chats) {
    let li = items.get(chat.key);
    if (!li) {
      li = chatItem(chat);
      items.set(chat.key, li);
    }
    if ((prev ? prev.nextSibling : ul.firstChild) !== li) ul.insertBefore(li, prev ? prev.nextSibling : ul.firstChild);
    prev = li;
    const name = chat.customer.name || chat.id;
    setText(li.querySelector(".name"), name);
    li.querySelector(".esc").hidden = !chat.escalated;
    const end = li.querySelector(".end");
    end.hidden = !chat.ended;
    setText(end, chat.ended ? t("state." + chat.ended) : "");
    setText(li.querySelector(".last"), lastLine(chat));
    const un = li.querySelector(".unread");
    un.hidden = !chat.unread || !!chat.ended;
    setText(un, String(chat.unread));
    setAttr(un, "aria-label", chat.unread ? t("item.unread", { n: chat.unread }) : null);
    if (un.hidden) un.removeAttribute("data-testid");
    else un.setAttribute("data-testid", "unread");
    const dismiss = li.querySelector(".dismiss");
    dismiss.hidden = !chat.ended;
    dismiss.setAttribute("aria-label", t("item.dismiss", { name }));
    setAttr(li, "data-ended", chat.ended || null);
    li.classList.toggle("ended", !!chat.ended);
    const sel = state.selected === chat.key;
    li.classList.toggle("selected", sel);
    setAttr(li, "aria-current", sel ? "true" : null);
  }
  for (const [key, li] of items) {
    if (!state.chats.has(key)) {
      li.remove();
      items.delete(key);
    }
  }
  const empty = $("chat-empty");
  empty.hidden = chats.length > 0;
  setText(empty, t(state.status === "away" ? "list.emptyAway" : "list.empty"));
  $("clear-ended").hidden = !chats.some((c) => c.ended);
}

function senderName(chat, m) {
  if (m.sender === "customer") return chat.customer.name || t("panel.customer");
  // A supervisor's history holds the first agent's words too; only the
  // ones this console sent are "you".
  return m.local || state.me.role !== "supervisor" ? t("msg.you") : t("msg.agent");
}

function systemText(chat, m) {
  switch (m.kind) {
    case "action":
      return t("sys.action", { who: senderName(chat, m), what: describe(m.action) });
    case "rating":
      return t("sys.rating", { n: m.rating || "", text: m.text });
    case "dispute":
      return t("sys.dispute", { text: m.text });
    case "paid":
      return t("sys.paid");
    case "leave":
      return t("sys.leave", { text: m.text });
    case "close":
      return t("sys.closed");
    case "end":
      if (m.how === "closed") return t("sys.closed");
      if (m.how === "left") return t("sys.leave", { text: m.text });
      if (m.how === "returned") return t("sys.returned");
      if (m.how === "runover") return t("sys.runover");
      return t("sys.unassign", { text: m.text });
  }
  return m.text;
}

// Conversational lines are bubbles; everything else (actions, ratings,
// endings) is a centred system line.
function isBubble(m) {
  return m.kind === "message" || (m.kind === "evidence" && m.sender === "customer");
}

function messageRow(chat, m) {
  const who = isBubble(m) ? m.sender : "system";
  const li = h("li", { "data-testid": "message", "data-sender": m.sender, "data-kind": m.kind, class: `msg from-${who}` });
  const meta = h("div", { class: "meta" },
    isBubble(m) ? h("span", { class: "who", text: senderName(chat, m) }) : null,
    h("time", { class: "at" }),
    h("span", { class: "state" }));
  if (isBubble(m)) {
    const text = m.kind === "evidence" ? t("msg.evidence", { text: m.text }) : m.text;
    li.append(meta, h("div", { class: m.kind === "evidence" ? "bubble evidence" : "bubble", text }));
  } else {
    li.append(h("div", { class: "line", text: systemText(chat, m) }), meta);
  }
  return li;
}

function updateRow(li, m) {
  li.dataset.state = m.state;
  setText(li.querySelector(".at"), clock(m.at));
  let st = "";
  if (m.state === "pending") st = t("msg.pending");
  if (m.state === "failed") st = m.error === "lost" ? t("msg.lost") : `${t("msg.failed")}${m.error ? " — " + m.error : ""}`;
  setText(li.querySelector(".state"), st);
}

function renderConversation() {
  const chat = selected();
  const log = $("log");
  $("conv-empty").hidden = !!chat;
  $("conversation").dataset.conversation = chat ? chat.id : "";
  setText($("conv-title"), chat ? chat.customer.name || chat.id : "");
  const badges = $("conv-badges");
  badges.replaceChildren(
    ...(chat && chat.escalated ? [h("span", { class: "badge esc", text: t("badge.escalated") })] : []),
    ...(chat && chat.presales ? [h("span", { class: "badge", text: t("badge.presales") })] : []),
    ...(chat && chat.ended ? [h("span", { class: "badge end", text: t("state." + chat.ended) })] : []));
  if (!chat) {
    log.replaceChildren();
    rows.clear();
    logFor = null;
  } else {
    const switched = logFor !== chat.key;
    if (switched) {
      // Rebuilding for another chat is not news: keep the live region quiet.
      log.setAttribute("aria-busy", "true");
      log.replaceChildren();
      rows.clear();
      logFor = chat.key;
      log.setAttribute("aria-label", t("conv.log", { name: chat.customer.name || chat.id }));
    }
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    const keep = new Set();
    let prev = null;
    for (const m of chat.messages) {
      keep.add(m.key);
      let li = rows.get(m.key);
      if (!li) {
        li = messageRow(chat, m);
        rows.set(m.key, li);
      }
      const want = prev ? prev.nextSibling : log.firstChild;
      if (want !== li) log.insertBefore(li, want);
      updateRow(li, m);
      prev = li;
    }
    for (const [key, li] of rows) {
      if (!keep.has(key)) {
        li.remove();
        rows.delete(key);
      }
    }
    if (switched || atBottom) log.scrollTop = log.scrollHeight;
    if (switched) log.removeAttribute("aria-busy");
  }
  const open = !!chat && !chat.ended;
  const reply = $("reply");
  reply.disabled = !open;
  reply.placeholder = chat && chat.ended ? t("reply.ended") : t("reply.placeholder");
  $("send").disabled = !open;
  $("action-send").disabled = !open;
}

function field(label, value, cls) {
  return [h("dt", { text: label }), h("dd", { class: cls, text: value === undefined || value === null || value === "" ? "—" : String(value) })];
}

function renderPanel() {
  const panel = $("order-panel");
  const chat = selected();
  const head = h("h2", { id: "panel-customer", text: t("panel.customer") });
  if (!chat) {
    panel.replaceChildren(head, h("p", { class: "muted", text: t("panel.empty") }));
    panel.dataset.conversation = "";
    return;
  }
  panel.dataset.conversation = chat.id;
  const c = chat.customer;
  const o = chat.order;
  const parts = [head, h("dl", {}, field(t("f.name"), c.name), field(t("f.phone"), c.phone), field(t("f.address"), c.address), field(t("f.locale"), localeName(c.locale)))];
  parts.push(h("h2", { text: t("panel.order") }));
  if (!o || (!o.id && !o.product)) {
    parts.push(h("p", { class: "muted", text: t("order.none") }));
  } else {
    const refunds = Number(o.earlier_refunds || 0);
    parts.push(h("dl", {},
      field(t("f.order"), o.id, "mono"),
      field(t("f.product"), o.product),
      field(t("f.price"), o.price !== undefined ? "¥" + money(o.price) : ""),
      field(t("f.paid"), date(o.paid)),
      field(t("f.shipped"), date(o.shipped)),
      field(t("f.received"), date(o.received)),
      field(t("f.logistics"), logistics(o.logistics)),
      // Many refunds in 90 days is what a careful agent looks at twice.
      field(t("f.refunds"), refunds, refunds >= 3 ? "bad" : "")));
  }
  parts.push(h("h2", { text: t("panel.evidence") }));
  const ev = chat.messages.filter((m) => m.kind === "evidence" && m.sender === "customer");
  parts.push(ev.length
    ? h("ul", { class: "evidence-list" }, ev.map((m) => h("li", { "data-testid": "evidence" }, "📷 " + m.text, " ", h("time", { class: "muted", text: clock(m.at) }))))
    : h("p", { class: "muted", text: t("evidence.none") }));
  panel.replaceChildren(...parts);
}

// level colours a wait against the platform profile's thresholds.
function level(secs) {
  if (secs === null) return "none";
  if (secs < state.profile.answer_s) return "ok";
  if (secs <= state.profile.reply_s) return "warn";
  return "late";
}

// tick refreshes the waiting times; it runs every second.
export function tick() {
  const now = hubNow();
  for (const chat of list()) {
    const li = items.get(chat.key);
    if (!li) continue;
    const el = li.querySelector(".waiting");
    const since = chat.ended ? null : waitingSince(chat);
    const secs = since === null ? null : Math.max(0, (now - since) / 1000);
    el.dataset.level = level(secs);
    el.dataset.seconds = secs === null ? "" : String(Math.floor(secs));
    setText(el, secs === null ? (chat.ended ? "" : t("waiting.answered")) : duration(secs));
    if (chat.key === state.selected) {
      const cw = $("conv-waiting");
      cw.dataset.level = el.dataset.level;
      setText(cw, secs === null ? "" : t("waiting.label", { t: duration(secs) }));
    }
  }
  if (!selected()) setText($("conv-waiting"), "");
}
