// start.js: the candidate's page before a sitting: the exam's rules, the
// Start button, the candidate's earlier sittings and their cards.
import { get, post, whoami, signOut, APIError } from "/js/api.js";
import { apply, switcher, t } from "/js/i18n.js";
import { el, gateText } from "./common.js";

async function main() {
  apply();
  switcher(document.getElementById("lang"));
  document.getElementById("signout").onclick = () => signOut();
  const me = await whoami();
  if (!me) return;
  document.getElementById("who").textContent = me.name;
  const intro = document.getElementById("intro");
  let x;
  try {
    x = await get("/api/exam");
  } catch (e) {
    intro.textContent = e instanceof APIError && e.status === 404 ? t("x.noinvite") : String(e.message || e);
    return;
  }
  const e = x.exam;
  const going = x.sittings.find((s) => !s.ended && !s.interrupted);
  intro.replaceChildren(
    el("h2", {}, e.title || e.name),
    el("p", {}, t("x.hello", { name: x.candidate })),
    el("p", {}, t("x.rules", { items: e.items, minutes: Math.round(e.time_limit_s / 60), concurrency: e.concurrency })),
    el("p", {}, t("x.gates")),
    el("ul", {}, ...e.pass.map((g) => el("li", {}, gateText(g)))),
  );
  if (going) {
    intro.append(el("p", {}, t("x.going") + " ",
      el("a", { href: "/console.html?sitting=" + going.id, dataTestid: "continue" }, t("x.continue"))));
  } else if (!x.live) {
    intro.append(el("p", { class: "error" }, t("x.norun")));
  } else {
    const b = el("button", { class: "primary", type: "button", dataTestid: "start" }, t("x.start"));
    const err = el("p", { class: "error", role: "alert" });
    b.onclick = async () => {
      b.disabled = true;
      try {
        const s = await post("/api/sittings");
        location.href = "/console.html?sitting=" + s.id;
      } catch (x) {
        err.textContent = String(x.message || x);
        b.disabled = false;
      }
    };
    intro.append(b, err);
  }
  const done = x.sittings.filter((s) => s.ended || s.interrupted);
  if (done.length) {
    document.getElementById("past").hidden = false;
    document.getElementById("sittings").replaceChildren(el("table", {},
      el("tr", {}, el("th", {}, t("x.started")), el("th", {}, t("x.result")), el("th")),
      ...done.map((s) => el("tr", {},
        el("td", {}, new Date(s.started).toLocaleString()),
        s.interrupted
          ? el("td", {}, t("x.interrupted"))
          : el("td", { class: s.passed ? "good" : "bad" }, (s.passed ? t("c.passed") : t("c.failed")) + " · " + s.score.toFixed(1)),
        el("td", {}, s.interrupted ? "" : el("a", { href: "/card.html?sitting=" + s.id }, t("x.card")))))));
  }
}

main();
