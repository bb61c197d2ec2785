// actions.js: the action bar. It checks an action the way the hub will
// (sim.Action.Check) so a person sees the problem before sending, and
// builds the protocol's action object.

import { t } from "/js/i18n.js";
import { $ } from "./dom.js";
import { money, kindName } from "./format.js";

// What each kind takes (docs/protocol.md, Actions).
export const PARAMS = {
  refund: ["amount"],
  approve_return: ["payer"],
  exchange: ["payer"],
  reship: ["payer"],
  intercept: [],
  compensate: ["amount"],
  request_evidence: [],
  escalate: ["reason"],
  reject: ["reason"],
  close: [],
};

const AMOUNT = /^\d+(\.\d{1,2})?$/;

// showParams dims the fields the chosen kind does not use. They stay
// visible and editable, so the bar does not jump around while a person
// (or a test) fills it.
export function showParams() {
  const kind = $("action-kind").value;
  const used = PARAMS[kind] || [];
  for (const label of document.querySelectorAll("#action-form .param")) {
    const on = used.includes(label.dataset.param);
    label.classList.toggle("idle", !on);
    label.querySelector("input, select").setAttribute("aria-required", String(on));
  }
}

// prefill puts the order's price in the amount when refund is chosen:
// a full refund is the usual case; a partial one is an edit.
export function prefill(chat) {
  const kind = $("action-kind").value;
  const amount = $("action-amount");
  if (kind === "refund" && chat && chat.order && chat.order.price !== undefined) amount.value = money(chat.order.price);
  else if (kind === "compensate") amount.value = "";
}

export function reset(chat) {
  $("action-kind").value = "";
  $("action-payer").value = "";
  $("action-reason").value = "";
  $("action-amount").value = "";
  prefill(chat);
  showParams();
  setError("");
}

// read returns {action} or {error, field}.
export function read() {
  const kind = $("action-kind").value;
  if (!PARAMS[kind]) return { error: t("val.kind"), field: "action-kind" };
  const action = { kind };
  for (const p of PARAMS[kind]) {
    if (p === "amount") {
      const s = $("action-amount").value.trim().replace(/^[¥￥]/, "").replace(/,/g, "");
      if (!AMOUNT.test(s) || Number(s) <= 0) return { error: t("val.amount"), field: "action-amount" };
      action.amount = Number(s).toFixed(2);
    }
    if (p === "payer") {
      const v = $("action-payer").value;
      // The decision table judges who pays the shipping, so the console
      // asks rather than guessing a default.
      if (v !== "buyer" && v !== "seller") return { error: t("val.payer"), field: "action-payer" };
      action.shipping_payer = v;
    }
    if (p === "reason") {
      const v = $("action-reason").value.trim();
      if (!v) return { error: t("val.reason"), field: "action-reason" };
      action.reason = v;
    }
  }
  return { action };
}

// restore puts a refused action back in an untouched bar.
export function restore(a) {
  if (!a || $("action-kind").value) return;
  $("action-kind").value = a.kind;
  if (a.amount) $("action-amount").value = a.amount;
  if (a.shipping_payer) $("action-payer").value = a.shipping_payer;
  if (a.reason) $("action-reason").value = a.reason;
  showParams();
}

export function setError(text, ref) {
  const el = $("action-error");
  el.textContent = text;
  if (ref) el.dataset.ref = ref;
  else delete el.dataset.ref;
}

export function setNote(text) {
  $("action-note").textContent = text;
}

// refused reads a hub error frame for an action we sent.
export function refused(kind, f) {
  return t("err.forAction", { kind: kindName(kind), code: f.code, text: f.text || "" });
}
