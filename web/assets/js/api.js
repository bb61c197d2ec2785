// api.js: the token, JSON requests and the live stream, shared by every
// page. The token is kept in sessionStorage: it lasts while the tab does and
// is sent as a bearer token, never as a cookie.

const KEY = "deskdrill.token";

export function token() {
  return sessionStorage.getItem(KEY) || "";
}

export function setToken(t) {
  if (t) sessionStorage.setItem(KEY, t.trim());
  else sessionStorage.removeItem(KEY);
}

export class APIError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// get fetches a JSON API path with the token; a 401 sends the person back
// to sign in.
export async function get(path) {
  return request("GET", path);
}

export async function post(path, body) {
  return request("POST", path, body);
}

async function request(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: {
      Authorization: "Bearer " + token(),
      ...(body ? { "Content-Type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: text };
  }
  if (!res.ok) {
    if (res.status === 401) signOut();
    throw new APIError(res.status, (data && data.error) || res.statusText);
  }
  return data;
}

// whoami returns {name, role, run} or sends the person to sign in.
export async function whoami() {
  if (!token()) {
    signOut();
    return null;
  }
  return get("/api/whoami");
}

// signOut forgets the token and sends the person to sign in, back to
// this page afterwards; why ("revoked") lets the sign-in page say why.
export function signOut(why) {
  setToken("");
  if (!location.pathname.endsWith("/") && !location.pathname.endsWith("/index.html")) {
    location.href = "/?next=" + encodeURIComponent(location.pathname + location.search) + (why ? "&why=" + encodeURIComponent(why) : "");
  }
}

// stream opens the server-sent events of the live run and calls onLive
// with every "live" event's data; EventSource reconnects by itself. A
// "revoked" event (an admin revoked the token) signs the person out.
export function stream(onLive, onState) {
  const es = new EventSource("/api/stream?token=" + encodeURIComponent(token()));
  es.addEventListener("live", (e) => onLive(JSON.parse(e.data)));
  es.addEventListener("revoked", () => {
    es.close();
    signOut("revoked");
  });
  es.onopen = () => onState && onState(true);
  es.onerror = () => onState && onState(false);
  return es;
}

// wsURL is the WebSocket URL of an endpoint with the token.
export function wsURL(path, extra = {}) {
  const u = new URL(path, location.href);
  u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  u.searchParams.set("token", token());
  for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
  return u.toString();
}

// download fetches a file with the token and saves it.
export async function download(path, filename) {
  const res = await fetch(path, { headers: { Authorization: "Bearer " + token() } });
  if (!res.ok) throw new APIError(res.status, await res.text());
  const blob = await res.blob();
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
