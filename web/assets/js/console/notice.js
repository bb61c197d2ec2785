// notice.js: the document title. It always carries the unread count
// ("(3) 客服工作台"); a new chat makes it flash ("(1) 新会话 · 王芳") so a
// person in another tab sees it, until they come back and interact.

import { t } from "/js/i18n.js";

let unread = 0;
let flashText = "";
let flashOn = false;
let timer = null;

function base() {
  return t("title") + " · deskdrill";
}

function paint() {
  const prefix = unread ? `(${unread}) ` : "";
  document.title = flashText && flashOn ? `(${Math.max(unread, 1)}) ${flashText}` : prefix + base();
}

export function setUnread(n) {
  unread = n;
  paint();
}

export function flash(text) {
  flashText = text;
  flashOn = true;
  clearInterval(timer);
  timer = setInterval(() => {
    flashOn = !flashOn;
    paint();
  }, 1000);
  paint();
  // A person looking at the page needs no flashing beyond a moment.
  if (document.hasFocus() && !document.hidden) setTimeout(stop, 4000);
}

export function stop() {
  clearInterval(timer);
  timer = null;
  flashText = "";
  paint();
}

// Coming back to the page and touching it is the acknowledgement.
for (const type of ["pointerdown", "keydown"]) addEventListener(type, () => timer && stop(), { passive: true });
