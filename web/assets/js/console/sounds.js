// sounds.js: a short chime for a new chat, made with the Web Audio API (no
// audio files to embed or fetch). Browsers let a page make sound only
// after the person interacted with it, so the AudioContext is created on
// the first click or key press; before that, chime() stays silent.

const KEY = "deskdrill.console.sound";
let ctx = null;

export function enabled() {
  return localStorage.getItem(KEY) !== "off";
}

export function setEnabled(on) {
  localStorage.setItem(KEY, on ? "on" : "off");
}

function unlock() {
  if (ctx) return;
  const AC = window.AudioContext || window.webkitAudioContext;
  if (!AC) return;
  ctx = new AC();
  ctx.resume().catch(() => {});
}

for (const type of ["pointerdown", "keydown"]) addEventListener(type, unlock, { capture: true, passive: true });

function tone(freq, start, length) {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = "sine";
  osc.frequency.value = freq;
  // A quick attack and exponential decay: a soft "ding", not a beep.
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.18, start + 0.015);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
  osc.connect(gain).connect(ctx.destination);
  osc.start(start);
  osc.stop(start + length + 0.02);
}

// chime plays two rising notes (E6, A6), about 0.4 s in all.
export function chime() {
  if (!ctx || !enabled() || ctx.state !== "running") return;
  const now = ctx.currentTime;
  tone(1318.5, now, 0.18);
  tone(1760, now + 0.12, 0.28);
}
