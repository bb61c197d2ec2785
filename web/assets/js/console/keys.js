// keys.js: the console's keyboard shortcuts (listed in the help popover).
// Alt is the modifier because the reply box owns plain keys; Alt+digit is
// read from e.code since on a Mac Alt+1 types "¡".

export function install({ prev, next, focusReply, quick, send }) {
  addEventListener("keydown", (e) => {
    if (e.altKey && !e.ctrlKey && !e.metaKey) {
      if (e.key === "ArrowUp") return done(e, prev);
      if (e.key === "ArrowDown") return done(e, next);
      const m = /^(?:Digit|Numpad)([1-9])$/.exec(e.code);
      if (m) return done(e, () => quick(Number(m[1])));
    }
    if (e.key === "Escape" && !e.defaultPrevented) {
      // Esc also closes the help popover (the browser does that); either
      // way the person wants to type.
      focusReply();
    }
  });
  const reply = document.getElementById("reply");
  reply.addEventListener("keydown", (e) => {
    // An IME (pinyin) uses Enter to commit its candidate: never send then.
    if (e.isComposing || e.keyCode === 229) return;
    if (e.key === "Enter" && !e.shiftKey && !e.altKey) done(e, send);
  });
  // Browsers skip keypress when keydown was cancelled, but synthetic input
  // (DevTools protocol, some remote desktops) sends it anyway: without this
  // the box would keep a stray newline after sending.
  reply.addEventListener("keypress", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.altKey) e.preventDefault();
  });
}

function done(e, f) {
  e.preventDefault();
  f();
}
