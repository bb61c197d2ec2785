// chats.js: the console's state, with no DOM. The hub is the truth: an
// `assign` carries a chat's full history, so a resumed assign (after a
// reconnect) rebuilds the chat from it and keeps only what the hub never
// saw (our unsent replies, marked not delivered). Items are keyed by the
// hub's `at` so a rebuilt chat keeps its rendered nodes.
//
// Times are milliseconds on the hub's clock: the hub's `at` is the only
// clock that counts, and `hubNow()` maps ours onto it.

export const state = {
  me: { name: "", role: "", concurrency: 0 },
  profile: { name: "", answer_s: 30, reply_s: 180 },
  queue: { waiting: 0, escalated: 0 },
  status: "online",
  run: null,
  // chat key → chat, in assignment order. The key is the conversation id,
  // except for chats of an earlier run ("3/c000002"): a new run numbers
  // its conversations from c000001 again.
  chats: new Map(),
  selected: null, // a chat key
};

let offset = 0; // hub clock − our clock, in ms
let offsetSet = false;

// observeClock keeps the largest offset seen since the connection opened:
// a frame that spent time in transit makes the hub look behind, never
// ahead, so the largest is the closest to the truth.
export function observeClock(at) {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) return;
  const o = ms - Date.now();
  if (!offsetSet || o > offset) offset = o;
  offsetSet = true;
}

export function resetClock() {
  offsetSet = false;
}

export function hubNow() {
  return Date.now() + offset;
}

function itemFromHistory(h) {
  const at = Date.parse(h.at);
  return { key: `${h.at}|${h.sender}|${h.kind}`, at, sender: h.sender, kind: h.kind, text: h.text || "", action: h.action || null, state: "sent" };
}

function sameWords(a, b) {
  if (a.kind !== b.kind || a.text !== b.text) return false;
  return actionKey(a.action) === actionKey(b.action);
}

// actionKey compares actions as the hub does: we send "12.50", the
// history says 12.5.
function actionKey(a) {
  if (!a) return "";
  return [a.kind, Number(a.amount || 0).toFixed(2), a.shipping_payer || "", a.reason || ""].join("|");
}

// assign applies an assign frame; it returns the chat and whether the
// customer is new to this console (which deserves a notice).
export function assign(f) {
  let chat = state.chats.get(f.conversation);
  const isNew = !chat;
  const fresh = (f.history || []).map(itemFromHistory);
  if (isNew) {
    chat = { id: f.conversation, key: f.conversation, unread: 0, draft: "", ended: null };
    state.chats.set(f.conversation, chat);
    chat.unread = fresh.filter((m) => m.sender === "customer").length;
  } else {
    // Our own replies come back in the history with the hub's time: match
    // them by content so their nodes stay; what is left never arrived.
    const known = new Set(chat.messages.map((m) => m.key));
    const locals = chat.messages.filter((m) => m.local);
    for (const m of fresh) {
      if (m.sender !== "agent") continue;
      const i = locals.findIndex((l) => !l.matched && sameWords(l, m));
      if (i >= 0) {
        locals[i].matched = true;
        m.key = locals[i].key;
        m.local = true;
      }
    }
    for (const l of locals) {
      if (l.matched) continue;
      fresh.push({ ...l, state: "failed", error: l.error || "lost" });
    }
    fresh.sort((a, b) => a.at - b.at);
    const missed = fresh.filter((m) => m.sender === "customer" && !known.has(m.key)).length;
    chat.unread += missed;
    chat.ended = null; // held again, whatever we thought before
  }
  chat.messages = fresh;
  chat.customer = f.customer || { name: f.conversation };
  chat.order = f.order || null;
  chat.presales = !!f.presales;
  chat.stale = false;
  chat.escalated = fresh.some((m) => m.kind === "action" && m.action && m.action.kind === "escalate");
  if (!state.selected) state.selected = chat.key;
  if (state.selected === chat.key && !document.hidden) chat.unread = 0;
  return { chat, isNew: isNew && !f.resumed };
}

// customerSaid adds a message or evidence from the customer.
export function customerSaid(f) {
  const chat = state.chats.get(f.conversation);
  if (!chat) return null;
  const key = `${f.at}|customer|${f.type}`;
  if (chat.messages.some((m) => m.key === key)) return chat;
  chat.messages.push({ key, at: Date.parse(f.at), sender: "customer", kind: f.type, text: f.text || "", state: "sent" });
  if (state.selected !== chat.key || document.hidden) chat.unread++;
  return chat;
}

// end marks a chat as no longer ours; it stays, greyed, until dismissed.
// how: closed | left | unassigned | returned.
export function end(id, how, text, at) {
  const chat = state.chats.get(id);
  if (!chat) return null;
  const last = chat.messages[chat.messages.length - 1];
  // The hub sends `unassign` ("customer left") and then `left` with the
  // customer's own reason: one line is enough.
  if (how === "left" && last && last.kind === "end" && chat.ended === "unassigned") chat.messages.pop();
  chat.ended = how;
  chat.messages.push({ key: `end|${how}|${at}`, at: at ? Date.parse(at) : hubNow(), sender: "system", kind: "end", how, text: text || "", state: "sent" });
  return chat;
}

// local adds something we sent, before the hub confirms it.
export function local(id, kind, frameId, text, action) {
  const chat = state.chats.get(id);
  if (!chat) return null;
  const m = { key: "l|" + frameId, at: hubNow(), sender: "agent", kind, text: text || "", action: action || null, state: "pending", local: true, frameId };
  chat.messages.push(m);
  return m;
}

export function findSent(frameId) {
  for (const chat of state.chats.values()) {
    const m = chat.messages.find((x) => x.frameId === frameId);
    if (m) return { chat, m };
  }
  return null;
}

// waitingSince returns the hub time of the customer's oldest message or
// evidence after our last reply (message or action), or null. This is
// how the platform counts a round (sim/session.go): a reply we are still
// sending counts, one that failed does not.
export function waitingSince(chat) {
  let since = null;
  for (const m of chat.messages) {
    if (m.sender === "customer" && (m.kind === "message" || m.kind === "evidence")) {
      if (since === null) since = m.at;
    } else if (m.sender === "agent" && (m.kind === "message" || m.kind === "action") && m.state !== "failed") {
      since = null;
    }
  }
  return since;
}

// list is the chats as shown: the open ones in the order they came, then
// the ended ones, so work in progress stays at the top.
export function list() {
  const all = [...state.chats.values()];
  return [...all.filter((c) => !c.ended), ...all.filter((c) => c.ended)];
}

export function selected() {
  return state.selected ? state.chats.get(state.selected) || null : null;
}

export function select(key) {
  state.selected = key;
  const chat = selected();
  if (chat) chat.unread = 0;
  return chat;
}

export function dismiss(key) {
  const i = list().findIndex((c) => c.key === key);
  state.chats.delete(key);
  if (state.selected === key) {
    const rest = list().map((c) => c.key);
    state.selected = rest[Math.min(i, rest.length - 1)] || null;
  }
}

export function totalUnread() {
  let n = 0;
  for (const c of state.chats.values()) if (!c.ended) n += c.unread;
  return n;
}

export function open() {
  return list().filter((c) => !c.ended);
}

// markStale is called on welcome after a reconnect; assigns that follow
// clear the mark. Chats still stale when the `queue` frame arrives (the
// hub sends it after the last assign) went back to the queue while we were
// gone.
export function markStale() {
  for (const c of state.chats.values()) if (!c.ended) c.stale = true;
}

export function dropStale() {
  const gone = [];
  for (const c of state.chats.values()) {
    if (c.stale) {
      c.stale = false;
      end(c.id, "returned", "", null);
      loseUnsent(c);
      gone.push(c);
    }
  }
  return gone;
}

// setRun is called on welcome. Chats of an earlier run end ("the run is
// over") and move aside under a run-prefixed key, so the new run's
// c000001 is not mistaken for the old one.
export function setRun(run) {
  const old = state.run;
  state.run = run;
  if (old === null || old === run) return;
  const moved = new Map();
  for (const [key, chat] of state.chats) {
    if (key !== chat.id) {
      moved.set(key, chat);
      continue;
    }
    if (!chat.ended) end(chat.id, "runover", "", null);
    loseUnsent(chat);
    chat.stale = false;
    chat.key = `${old}/${chat.id}`;
    moved.set(chat.key, chat);
    if (state.selected === key) state.selected = chat.key;
  }
  state.chats = moved;
}

// loseUnsent marks what we sent and never saw applied as not delivered:
// the hub that would have acknowledged it holds the chat no more.
function loseUnsent(chat) {
  for (const m of chat.messages) {
    if (m.state === "pending") {
      m.state = "failed";
      m.error = "lost";
    }
  }
}
