// sitting.js: a console opened for an exam sitting (?sitting=ID) shows the
// time left, and goes to the report card when the sitting ends (the hub
// closes the connection with 4000, or the API says it is over).
import { get } from "/js/api.js";
import { t, messages } from "/js/i18n.js";
import { $ } from "./dom.js";

messages({
  en: { "sit.left": "Exam: {left} left", "sit.over": "The exam is over: opening your report card…" },
  "zh-CN": { "sit.left": "考试剩余 {left}", "sit.over": "考试已结束，正在打开成绩单…" },
});

export const id = new URLSearchParams(location.search).get("sitting");

let deadline = 0; // our clock's instant of the time limit

export function over() {
  const banner = $("sitting");
  if (banner) banner.textContent = t("sit.over");
  setTimeout(() => (location.href = "/card.html?sitting=" + id), 500);
}

async function poll() {
  try {
    const s = await get("/api/sittings/" + id);
    if (!s.running) return over();
    deadline = Date.now() + s.left_s * 1000;
  } catch {
    // a blip: the next poll tries again
  }
  setTimeout(poll, 3000);
}

function tick() {
  const banner = $("sitting");
  if (!banner || !deadline) return;
  const left = Math.max(0, deadline - Date.now());
  const m = Math.floor(left / 60000), s = Math.floor((left % 60000) / 1000);
  banner.textContent = t("sit.left", { left: `${m}:${String(s).padStart(2, "0")}` });
}

export function start() {
  if (!id) return;
  const banner = $("sitting");
  if (banner) banner.hidden = false;
  poll();
  setInterval(tick, 1000);
}
