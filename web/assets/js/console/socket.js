// socket.js: the agent's WebSocket to the hub, kept open. On a drop it
// reconnects with exponential backoff; the hub then re-sends `assign`
// with "resumed": true for every chat still held (chats.js merges them).
//
// States: "connecting" (first attempt), "connected", "reconnecting",
// "replaced" (another tab or window took the seat: reconnecting here would
// only steal it back, so we wait for the person to ask), "revoked" (an
// admin revoked the token: close code 4401; reconnecting cannot work).

const MIN_DELAY = 500;
const MAX_DELAY = 15000;
// The hub pings every 30 s, but a browser cannot see those pings; our own
// ping every 25 s lets us notice a dead link (sleep, Wi-Fi change) and
// reconnect instead of waiting for the operating system's timeout.
const PING_EVERY = 25000;
const SILENT_LIMIT = 60000;
// The hub closes the connections of a revoked token with this code.
const REVOKED = 4401;
// The hub closes an exam sitting's connections with this code when the
// sitting ends.
const SITTING_ENDED = 4000;

export class Socket {
  constructor(url, { onFrame, onState }) {
    this.url = url;
    this.onFrame = onFrame;
    this.onState = onState;
    this.ws = null;
    this.attempt = 0;
    this.stopped = false;
    this.state = "connecting";
    this.retryAt = 0;
    this.pings = 0;
    // Waiting out the backoff is pointless once the browser is back online.
    addEventListener("online", () => this.state === "reconnecting" && this.connectNow());
  }

  start() {
    this.stopped = false;
    this.connectNow();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.ws) this.ws.close(1000, "signed out");
  }

  connectNow() {
    clearTimeout(this.retryTimer);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close();
    }
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.lastHeard = Date.now();
      this.openedAt = Date.now();
      this.setState("connected");
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.keepAlive(), PING_EVERY);
    };
    ws.onmessage = (e) => {
      this.lastHeard = Date.now();
      let f;
      try {
        f = JSON.parse(e.data);
      } catch {
        return; // the hub sends JSON only; ignore anything else
      }
      // A stable connection resets the backoff; a flapping one keeps it.
      if (f.type === "welcome") this.attempt = 0;
      this.onFrame(f);
    };
    ws.onclose = (e) => this.closed(e);
  }

  closed(e) {
    clearInterval(this.pingTimer);
    this.ws = null;
    if (this.stopped) return;
    if (e.code === 1008 && /replaced/i.test(e.reason)) {
      this.setState("replaced");
      return;
    }
    if (e.code === REVOKED) {
      this.stopped = true;
      this.setState("revoked");
      return;
    }
    if (e.code === SITTING_ENDED) {
      this.stopped = true;
      this.setState("ended");
      return;
    }
    const delay = Math.min(MAX_DELAY, MIN_DELAY * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt++;
    this.retryAt = Date.now() + delay;
    this.setState("reconnecting");
    this.retryTimer = setTimeout(() => this.connectNow(), delay);
  }

  keepAlive() {
    if (Date.now() - this.lastHeard > SILENT_LIMIT) {
      // Nothing heard for a minute: the link is dead even if the socket
      // does not know it yet.
      if (this.ws) {
        this.ws.onclose = null;
        this.ws.close();
      }
      this.closed({ code: 1006, reason: "silent" });
      return;
    }
    this.send({ type: "ping", id: "p-" + ++this.pings });
  }

  setState(s) {
    this.state = s;
    this.onState(s);
  }

  // send adds "v": 1 and reports whether the frame went out.
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ v: 1, ...frame }));
    return true;
  }
}
