// main.js: the agent console. It signs in with the token (api.js), keeps
// one WebSocket to /ws/agent (socket.js) speaking docs/protocol.md and
// nothing else, and wires the page: the frames go into chats.js, the state
// is drawn by view.js, the person's input goes out as frames.

import { whoami, wsURL, setToken, signOut } from "/js/api.js";
import { apply, switcher, lang, t } from "/js/i18n.js";
import "./messages.js";
import * as chats from "./chats.js";
import { state } from "./chats.js";
import * as view from "./view.js";
import * as actions from "./actions.js";
import * as quick from "./quick.js";
import * as notice from "./notice.js";
import * as sounds from "./sounds.js";
import { install as installKeys } from "./keys.js";
import { Socket } from "./socket.js";
import * as sitting from "./sitting.js";
import { $ } from "./dom.js";

let socket = null;
let seq = 0;
const sent = new Map(); // our frame id → {type, conversation, kind}
let resuming = false; // between a reconnect's welcome and its queue frame
let lastSelected = null;

// changed batches the re-render of everything one frame (or click) did.
let queued = false;
function changed() {
  if (queued) return;
  queued = true;
  queueMicrotask(() => {
    queued = false;
    if (state.selected !== lastSelected) selectionChanged();
    view.render();
    notice.setUnread(chats.totalUnread());
  });
}

// selectionChanged restores the chat's draft, resets the action bar (a
// refund is prefilled with this chat's price) and shows the quick replies
// in this customer's language.
function selectionChanged() {
  lastSelected = state.selected;
  const chat = chats.selected();
  $("reply").value = chat ? chat.draft || "" : "";
  actions.reset(chat);
  actions.setNote("");
  replyError("");
  quick.show(quick.localeOf(chat, lang()), insertText);
}

function replyError(s) {
  $("reply-error").textContent = s;
}

function nextId(prefix) {
  return `${prefix}-${++seq}`;
}

// ---- frames from the hub ----

function onFrame(f) {
  if (f.at) chats.observeClock(f.at);
  switch (f.type) {
    case "welcome":
      state.me = { name: f.agent || state.me.name, role: f.role || state.me.role, concurrency: f.concurrency || 0 };
      if (f.profile) state.profile = { name: f.profile.name, answer_s: Number(f.profile.answer_s) || 30, reply_s: Number(f.profile.reply_s) || 180 };
      chats.setRun(f.run ?? null);
      chats.markStale();
      resuming = true;
      // Joining makes the hub count us online; say again that we are away.
      if (state.status === "away") socket.send({ type: "status", id: nextId("s"), status: "away" });
      break;
    case "assign": {
      const { chat, isNew } = chats.assign(f);
      if (isNew) {
        notice.flash(t("notice", { name: chat.customer.name || chat.id }));
        sounds.chime();
      }
      break;
    }
    case "message":
    case "evidence":
      chats.customerSaid(f);
      break;
    case "left":
      chats.end(f.conversation, "left", f.text, f.at);
      break;
    case "unassign":
      chats.end(f.conversation, "unassigned", f.text, f.at);
      break;
    case "closed":
      chats.end(f.conversation, "closed", "", f.at);
      break;
    case "queue":
      state.queue = { waiting: f.waiting ?? 0, escalated: f.escalated ?? 0 };
      // The hub sends the queue right after a reconnect's assigns: a chat
      // not re-assigned by now went back to the queue during the grace.
      if (resuming) {
        resuming = false;
        chats.dropStale();
      }
      break;
    case "ack":
      acked(f);
      break;
    case "error":
      refused(f);
      break;
    default:
      return; // pong and frames of later versions: nothing to draw
  }
  changed();
}

function acked(f) {
  const s = sent.get(f.ref);
  if (!s) return;
  sent.delete(f.ref);
  const found = chats.findSent(f.ref);
  if (found) {
    found.m.state = "sent";
    found.m.at = Date.parse(f.at) || found.m.at; // the hub's time is the record's
  }
  if (s.type === "action" && s.conversation === state.selected) actions.setNote(t("action.done", { kind: t("kind." + s.kind) }));
}

function refused(f) {
  const s = f.ref ? sent.get(f.ref) : null;
  const text = t("err.frame", { code: f.code || "error", text: f.text || "" });
  if (!s) {
    actions.setError(text, f.ref);
    return;
  }
  sent.delete(f.ref);
  const found = chats.findSent(f.ref);
  if (found) {
    found.m.state = "failed";
    found.m.error = text;
  }
  if (s.type === "action") {
    actions.setNote("");
    actions.setError(actions.refused(s.kind, f), f.ref);
    // Give the refused action back to the bar to correct, unless the
    // person has moved on.
    if (s.conversation === state.selected) actions.restore(s.action);
  } else {
    if (s.type === "message") replyError(text);
    actions.setError(text, f.ref);
  }
}

// ---- what the person does ----

function sendReply() {
  const chat = chats.selected();
  const box = $("reply");
  const text = box.value.trim();
  if (!chat || chat.ended || !text) return;
  const id = nextId("m");
  if (!socket.send({ type: "message", id, conversation: chat.id, text })) {
    replyError(t("err.offline"));
    return;
  }
  sent.set(id, { type: "message", conversation: chat.id });
  chats.local(chat.id, "message", id, text);
  box.value = "";
  chat.draft = "";
  replyError("");
  changed();
}

function sendAction() {
  const chat = chats.selected();
  actions.setNote("");
  if (!chat || chat.ended) return actions.setError(t("val.noChat"));
  const r = actions.read();
  if (r.error) {
    actions.setError(r.error);
    $(r.field).focus();
    return;
  }
  const id = nextId("a");
  if (!socket.send({ type: "action", id, conversation: chat.id, action: r.action })) {
    actions.setError(t("err.offline"));
    return;
  }
  sent.set(id, { type: "action", conversation: chat.id, kind: r.action.kind, action: r.action });
  chats.local(chat.id, "action", id, "", r.action);
  // Cleared now, not on the ack: a second click must not repeat a refund,
  // and the next action may already be chosen when the ack arrives.
  actions.reset(chat);
  actions.setNote(t("action.sent", { kind: t("kind." + r.action.kind) }));
  changed();
}

// insertText puts a quick reply at the cursor (replacing a selection), so
// a person can combine one with their own words.
function insertText(text) {
  const box = $("reply");
  const chat = chats.selected();
  if (box.disabled || !chat) return;
  box.setRangeText(text, box.selectionStart, box.selectionEnd, "end");
  box.focus();
  chat.draft = box.value;
}

function selectChat(key) {
  if (!state.chats.has(key)) return;
  chats.select(key);
  changed();
  queueMicrotask(() => !$("reply").disabled && $("reply").focus());
}

function step(d) {
  const keys = chats.list().map((c) => c.key);
  if (!keys.length) return;
  const i = keys.indexOf(state.selected);
  const j = i < 0 ? 0 : Math.max(0, Math.min(keys.length - 1, i + d));
  selectChat(keys[j]);
}

function toggleStatus() {
  state.status = state.status === "away" ? "online" : "away";
  const id = nextId("s");
  // Sent now if connected; otherwise the welcome of the next connection
  // repeats it.
  if (socket && socket.send({ type: "status", id, status: state.status })) sent.set(id, { type: "status" });
  changed();
}

function wire() {
  $("reply-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sendReply();
  });
  $("reply").addEventListener("input", () => {
    const chat = chats.selected();
    if (chat) chat.draft = $("reply").value;
    replyError("");
  });
  $("action-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sendAction();
  });
  for (const type of ["change", "input"]) {
    $("action-kind").addEventListener(type, () => {
      actions.prefill(chats.selected());
      actions.showParams();
      actions.setError("");
    });
  }
  // A prefilled amount is replaced by typing, not appended to.
  const amount = $("action-amount");
  let justFocused = false;
  amount.addEventListener("focus", () => {
    amount.select();
    justFocused = true;
  });
  // The click that focused the field would otherwise drop the selection.
  amount.addEventListener("mouseup", (e) => {
    if (justFocused) e.preventDefault();
    justFocused = false;
  });
  $("chat-list").addEventListener("click", (e) => {
    const li = e.target.closest("[data-testid=chat-item]");
    if (!li) return;
    if (e.target.closest(".dismiss")) {
      chats.dismiss(li.dataset.key);
      changed();
      return;
    }
    selectChat(li.dataset.key);
  });
  $("clear-ended").addEventListener("click", () => {
    for (const c of chats.list()) if (c.ended) chats.dismiss(c.key);
    changed();
  });
  $("status").addEventListener("click", toggleStatus);
  const sound = $("sound");
  const paintSound = () => {
    sound.setAttribute("aria-pressed", String(sounds.enabled()));
  };
  sound.addEventListener("click", () => {
    sounds.setEnabled(!sounds.enabled());
    paintSound();
  });
  paintSound();
  $("signout").addEventListener("click", () => {
    if (socket) socket.stop();
    setToken("");
    location.href = "/";
  });
  $("reconnect").addEventListener("click", () => {
    socket.setState("connecting");
    socket.connectNow();
  });
  // The language select: i18n.js applies the static labels; the parts
  // composed in JS are redrawn here.
  switcher($("lang"));
  $("lang").addEventListener("change", () => {
    quick.redraw();
    lastSelected = undefined; // redo the selection-dependent parts
    view.rebuild();
    view.renderConnection(socket ? socket.state : "connecting", socket && socket.retryAt);
    changed();
  });
  // Another tab of the site changed the language: follow it, or this page
  // would mix its static labels (old language) with new renders.
  addEventListener("storage", (e) => {
    if (e.key !== "deskdrill.lang") return;
    $("lang").value = lang();
    apply();
    $("lang").dispatchEvent(new Event("change"));
  });
  document.addEventListener("visibilitychange", () => {
    const chat = chats.selected();
    if (!document.hidden && chat) {
      chat.unread = 0;
      changed();
    }
  });
  installKeys({
    prev: () => step(-1),
    next: () => step(1),
    focusReply: () => !$("reply").disabled && $("reply").focus(),
    quick: (n) => {
      const text = quick.nth(n);
      if (text) insertText(text);
    },
    send: sendReply,
  });
}

function onState(s) {
  if (s === "connected") chats.resetClock();
  // A revoked token signs the person out: the sign-in page says why.
  if (s === "revoked") {
    view.renderConnection(s);
    signOut("revoked");
    return;
  }
  if (s === "ended") {
    sitting.over();
    return;
  }
  view.renderConnection(s, socket && socket.retryAt);
  // A socket that keeps failing may be a token that stopped working:
  // whoami sends the person to sign in on a 401.
  if (s === "reconnecting" && socket.attempt >= 3) whoami().catch(() => {});
}

async function main() {
  apply();
  wire();
  notice.setUnread(0);
  view.renderConnection("connecting");
  view.render();
  let me;
  try {
    me = await whoami();
  } catch (e) {
    $("connection").textContent = String(e.message || e);
    return;
  }
  if (!me) return; // on the way to sign in
  state.me = { name: me.name, role: me.role === "admin" ? "supervisor" : me.role, concurrency: 0 };
  changed();
  socket = new Socket(wsURL("/ws/agent"), { onFrame, onState });
  socket.start();
  sitting.start();
  setInterval(() => {
    view.tick();
    if (socket.state === "reconnecting") view.renderConnection("reconnecting", socket.retryAt);
  }, 1000);
}

main();
