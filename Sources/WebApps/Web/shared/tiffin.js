// Tiffin's shared browser module: API calls, the session, the live connection, and rendering.
// Every app imports it; nothing here is app-specific.
//
// Safety rules every app follows through these helpers:
// - Server data reaches the page only as text: `el` sets textContent, never parses markup.
// - The bearer token lives in sessionStorage, per tab: never in a URL, never in the lasting local storage.
//   It is gone when the tab closes, is not sent anywhere automatically (no cookie, so no
//   cross-site request can use it), and the Content-Security-Policy (scripts from this origin
//   only, no inline script) leaves injected markup no way to run code that could read it.
// - Live connections open with a single-use 30-second ticket in the WebSocket subprotocol, not
//   the token.

/** The app this page belongs to: "app" (customer), "restaurant" or "courier". */
export const appName = location.pathname.split("/")[1] || "app";

// ---------------------------------------------------------------------------------------------
// Session

const sessionKey = `tiffin.session.${appName}`;

export const session = {
  /** @returns {{token: string, expiresAt: string, account: object} | null} */
  get() {
    try {
      const value = JSON.parse(sessionStorage.getItem(sessionKey) || "null");
      if (value && Date.parse(value.expiresAt) > Date.now()) return value;
    } catch (_) {
      /* a corrupt entry is no session */
    }
    return null;
  },
  set(value) {
    sessionStorage.setItem(sessionKey, JSON.stringify(value));
  },
  clear() {
    sessionStorage.removeItem(sessionKey);
  },
};

// ---------------------------------------------------------------------------------------------
// API

/** A problem+json answer: `status`, `title`, `detail` and, for bad input, the `field`. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.field = problem.field;
  }
}

const signedOutListeners = new Set();
/** Calls `listener` when the server says the session is no longer valid (401). */
export function onSignedOut(listener) {
  signedOutListeners.add(listener);
}

/**
 * Calls the public API. Returns the decoded JSON (or null for 204); throws ApiError.
 * @param {string} method
 * @param {string} path  e.g. "/v1/orders"
 * @param {{body?: any, headers?: object, auth?: boolean}} [options]
 */
export async function api(method, path, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  const current = session.get();
  if (options.auth !== false && current) headers.Authorization = `Bearer ${current.token}`;
  let body;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: "no-store" });
  } catch (error) {
    report("api_error", { status: 0 });
    throw new ApiError(0, { title: "Offline", detail: "The server cannot be reached. Check the connection and try again." });
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    data = { title: text.slice(0, 200) };
  }
  if (!response.ok) {
    report("api_error", { status: response.status });
    if (response.status === 401 && current) {
      session.clear();
      for (const listener of signedOutListeners) listener();
    }
    throw new ApiError(response.status, data || {});
  }
  return data;
}

/** Signs in and keeps the session. Returns the account. */
export async function signIn(email, password) {
  const answer = await api("POST", "/v1/auth/login", { body: { email, password }, auth: false });
  session.set({ token: answer.token, expiresAt: answer.expiresAt, account: answer.account });
  return answer.account;
}

/** Revokes the token on the server (best effort) and forgets it here. */
export async function signOut() {
  try {
    if (session.get()) await api("POST", "/v1/auth/logout");
  } catch (_) {
    /* signed out here either way */
  }
  session.clear();
}

// ---------------------------------------------------------------------------------------------
// Beacon: page loads and API errors seen by the apps, counted by the server.

const reported = new Map();
/** Tells the server about a page load or an API error (at most one of each kind and status a second). */
export function report(kind, detail = {}) {
  const key = `${kind}:${detail.status ?? ""}`;
  const now = Date.now();
  if ((reported.get(key) || 0) > now - 1000) return;
  reported.set(key, now);
  const payload = JSON.stringify({ app: appName, kind, ...detail });
  const blob = new Blob([payload], { type: "application/json" });
  if (!(navigator.sendBeacon && navigator.sendBeacon("/v1/telemetry", blob))) {
    fetch("/v1/telemetry", { method: "POST", body: payload, headers: { "Content-Type": "application/json" }, keepalive: true }).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering: elements built from data as text, never parsed as markup.

/**
 * Creates an element. `attributes` may hold `class`, `text`, `on<event>` handlers, `dataset`,
 * boolean attributes and plain attributes; children are nodes or strings (as text).
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces `parent`'s children. */
export function show(parent, ...children) {
  parent.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}

/** `{amount: 1250, currency: "EUR"}` (minor units; or the two apart) as "€12.50". */
export function money(amount, currency) {
  const minor = typeof amount === "object" ? amount.amount : amount;
  const code = typeof amount === "object" ? amount.currency : currency;
  const digits = new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits;
  return new Intl.NumberFormat(undefined, { style: "currency", currency: code }).format(minor / 10 ** digits);
}

/** A time of day in the viewer's zone. */
export function clock(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** "12 s ago", "3 min ago". */
export function ago(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return seconds < 90 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
}

/** A status word for people: "picked_up" → "Picked up". */
export function label(status) {
  const text = String(status).replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Shows `message` in the page's live region (read out by screen readers). */
export function toast(message, kind = "info") {
  // The region is in each page from the start: one created with its first message is often
  // not read out.
  let region = document.getElementById("toasts");
  if (!region) {
    region = el("div", { id: "toasts", class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(region);
  }
  const item = el("p", { class: `toast toast-${kind}`, text: message });
  region.append(item);
  setTimeout(() => item.remove(), 6000);
}

/** Shows an API error on a form: next to the field it names when there is one, else on top. */
export function formError(form, error) {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const old of form.querySelectorAll("[aria-invalid]")) {
    old.removeAttribute("aria-invalid");
    old.removeAttribute("aria-describedby");
  }
  const message = error instanceof ApiError ? error.message : String(error?.message || error);
  const field = error instanceof ApiError && error.field ? form.querySelector(`[name="${CSS.escape(error.field)}"]`) : null;
  const note = el("p", { class: "field-error", role: "alert", text: message });
  if (field) {
    field.setAttribute("aria-invalid", "true");
    note.id = `${field.id || field.name}-error`;
    field.setAttribute("aria-describedby", note.id);
    field.after(note);
    field.focus();
  } else {
    form.prepend(note);
  }
}

// ---------------------------------------------------------------------------------------------
// The live connection (see /asyncapi.json): one WebSocket, reopened after any drop with a fresh
// ticket; subscriptions are sent again, orders with the cursor of the last event seen, so a
// reconnect misses nothing.

export class Live {
  constructor() {
    this.handlers = new Map(); // message type → Set of handlers
    this.subscriptions = new Map(); // key → subscribe message (kept for reconnects)
    this.socket = null;
    this.closed = false;
    this.retry = 0;
    this.state = "connecting";
  }

  /** Calls `handler(message)` for each message of `type` ("order", "position", "notification", "state", …). */
  on(type, handler) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(handler);
    return this;
  }

  off(type, handler) {
    this.handlers.get(type)?.delete(handler);
  }

  emit(type, message) {
    for (const handler of this.handlers.get(type) || []) {
      try {
        handler(message);
      } catch (error) {
        console.error(error);
      }
    }
  }

  /**
   * Keeps a subscription, sent now if connected and again after every reconnect. `message` may
   * be a function returning it, so a reconnect sends the cursor of the last event seen.
   */
  subscribe(key, message) {
    this.subscriptions.set(key, message);
    this.send(typeof message === "function" ? message() : message);
  }

  unsubscribe(key, message) {
    this.subscriptions.delete(key);
    if (message) this.send(message);
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  setState(state) {
    this.state = state;
    this.emit("state", { state });
  }

  async connect() {
    if (this.closed) return;
    this.setState(this.retry === 0 ? "connecting" : "reconnecting");
    let ticket;
    try {
      ticket = (await api("POST", "/v1/realtime/tickets")).ticket;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return this.setState("signed-out");
      return this.scheduleReconnect();
    }
    if (this.closed) return; // closed (signed out) while the ticket was on its way
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/v1/realtime`, ["tiffin.v1", `ticket.${ticket}`]);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.retry = 0;
      this.setState("live");
      for (const message of this.subscriptions.values()) socket.send(JSON.stringify(typeof message === "function" ? message() : message));
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      if (message.type === "welcome") this.welcome = message; // staleAfterSeconds, heartbeatSeconds
      this.emit(message.type, message);
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      // 1008: the sign-in that opened it ended (logged out elsewhere, or expired).
      if (event.code === 1008) return this.setState("signed-out");
      this.scheduleReconnect();
    });
  }

  scheduleReconnect() {
    if (this.closed) return;
    this.setState("reconnecting");
    const delay = Math.min(15000, 500 * 2 ** this.retry) * (0.8 + Math.random() * 0.4);
    this.retry += 1;
    setTimeout(() => this.connect(), delay);
  }

  close() {
    this.closed = true;
    this.socket?.close();
  }
}
