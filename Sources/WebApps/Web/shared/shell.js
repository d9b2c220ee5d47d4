// What the three apps share around their pages: hash routing, the sign-in page (with the demo
// account's one-click sign-in), the navigation bar, the live connection and the city map.
// Each app gives its routes and links; the pages are its own.
import { api, session, signIn, signOut, el, show, toast, formError, Live, report, onSignedOut } from "/shared/tiffin.js";
import { CityMap } from "/shared/map.js";

/** The live connection's state in words. */
export function liveText(state) {
  return { live: "Live", connecting: "Connecting…", reconnecting: "Reconnecting…", "signed-out": "Signed out" }[state] || state;
}

export class Shell {
  /**
   * @param {{
   *   role: "customer" | "staff" | "courier",
   *   title: string,                       the sign-in page's heading
   *   routes: [RegExp, Function, boolean][], pattern, page (called with the pattern's groups), needs a session
   *   links: () => (Node | false)[],       the navigation bar's links when signed in
   *   home: () => string,                  where signing in leads
   *   onLive?: (live: Live) => void,       handlers of the app's own live messages
   *   beforeSignOut?: () => Promise, while the session is still valid
   *   onSignOut?: () => void,             also when the server ends the session
   *   signUp?: (shell: Shell) => Node,     an extra card beside the sign-in form
   * }} options
   */
  constructor(options) {
    this.options = options;
    this.main = document.getElementById("main");
    this.nav = document.getElementById("nav");
    this.config = null;
    this.live = null;
    /** What a page leaves running (timers, subscriptions); stopped when the page changes. */
    this.cleanups = [];
    /** Counts page changes: a page whose data arrives after the next page began draws nothing. */
    this.navigation = 0;
  }

  stale(started) {
    return started !== this.navigation;
  }

  /** Runs `cleanup` when the page changes. */
  onLeave(cleanup) {
    this.cleanups.push(cleanup);
  }

  renderNav() {
    const signedIn = session.get();
    show(
      this.nav,
      signedIn ? this.options.links() : [],
      signedIn
        ? el("button", { class: "link", type: "button", id: "sign-out", onclick: () => this.signOut() }, "Sign out")
        : el("a", { href: "#/signin" }, "Sign in"),
    );
  }

  async signOut() {
    await this.options.beforeSignOut?.();
    await signOut();
    this.live?.close();
    this.live = null;
    this.options.onSignOut?.();
    location.hash = "#/signin";
  }

  async route() {
    // In-page anchors (the skip link's "#main") are not pages.
    if (location.hash && !location.hash.startsWith("#/")) return;
    this.navigation += 1;
    for (const cleanup of this.cleanups) cleanup();
    this.cleanups = [];
    this.renderNav();
    const hash = location.hash || "#/";
    const routes = [[/^#\/signin$/, () => this.signInPage(false), false], [/^#\/signin\/demo$/, () => this.signInPage(true), false], ...this.options.routes];
    for (const [pattern, page, needsSession] of routes) {
      const match = hash.match(pattern);
      if (!match) continue;
      if (needsSession && !session.get()) {
        location.replace("#/signin");
        return;
      }
      if (needsSession) this.startLive();
      const started = this.navigation;
      try {
        await page(...match.slice(1));
      } catch (error) {
        if (this.stale(started)) return;
        show(this.main, el("h1", { text: "Something went wrong" }), el("p", { class: "field-error", role: "alert", text: error.message }));
      }
      if (!this.stale(started)) this.main.focus({ preventScroll: true });
      return;
    }
    location.hash = "#/";
  }

  startLive() {
    if (this.live) return;
    this.live = new Live();
    this.live.on("state", ({ state }) => {
      const badge = document.getElementById("live-state");
      if (badge) badge.textContent = liveText(state);
    });
    this.options.onLive?.(this.live);
    this.live.connect();
  }

  /** A badge showing the live connection's state, kept current. */
  liveBadge() {
    return el("span", { id: "live-state", class: "badge live-state", text: liveText(this.live?.state || "connecting") });
  }

  /** A map in `container`, centred on the city, with the server's tiles if it has some. */
  cityMap(container, label, extra = {}) {
    return new CityMap(container, {
      centre: this.config?.centre || { lat: 52.52, lon: 13.405 },
      tiles: this.config?.map?.tiles,
      attribution: this.config?.map?.attribution,
      label,
      ...extra,
    });
  }

  /** The demo city's account for this app, when the server has the demo city. */
  demoAccount() {
    return this.config?.demo?.accounts.find((a) => a.role === this.options.role) || null;
  }

  /** Sign in (`#/signin`); `#/signin/demo` signs in as the demo account at once (the home page's one-click links). */
  async signInPage(demo) {
    if (session.get()) {
      location.replace(this.options.home());
      return;
    }
    const form = el(
      "form",
      { class: "card stack", "aria-labelledby": "signin-title" },
      el("h2", { id: "signin-title", text: "Sign in" }),
      el("label", { for: "email" }, "Email"),
      el("input", { id: "email", name: "email", type: "email", autocomplete: "email", required: true }),
      el("label", { for: "password" }, "Password"),
      el("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true }),
      el("button", { type: "submit" }, "Sign in"),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      try {
        const account = await signIn(data.get("email"), data.get("password"));
        if (account.role !== this.options.role) {
          await signOut();
          formError(form, new Error(`This app is for ${this.options.role} accounts; ${account.role} accounts use their own app.`));
          return;
        }
        location.replace(this.options.home()); // Back leaves the app, not to the sign-in page
      } catch (error) {
        formError(form, error);
      }
    });
    const account = this.demoAccount();
    const signInAsDemo = () => {
      form.elements.email.value = account.email;
      form.elements.password.value = account.password;
      form.requestSubmit();
    };
    show(
      this.main,
      el("h1", { text: this.options.title }),
      account &&
        el("p", { class: "notice" }, "Demo city: ",
          el("button", { type: "button", class: "secondary", id: "demo-signin", onclick: signInAsDemo }, `Sign in as ${account.email}`)),
      el("div", { class: "grid" }, form, this.options.signUp?.(this)),
    );
    if (demo && account) signInAsDemo();
    else if (demo) toast("This server has no demo city: sign in with your own account.");
  }

  async start() {
    report("page_load");
    try {
      this.config = await api("GET", "/v1/app-config", { auth: false });
    } catch (_) {
      this.config = null; // the app works without it: no demo shortcuts
    }
    window.addEventListener("hashchange", () => this.route());
    onSignedOut(() => {
      this.live?.close();
      this.live = null;
      this.options.onSignOut?.();
      toast("Your session ended. Please sign in again.");
      location.hash = "#/signin";
    });
    this.route();
  }
}

/** A minute-and-second countdown to `iso`: "4:05", or "0:00" once passed. */
export function countdown(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((Date.parse(iso) - now) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/**
 * `read(key)` at most once at a time per key. A call while one runs asks for one more run after
 * it, so what is read last is at least as new as the last call (several events of one order,
 * arriving together, make one or two reads, and none is missed).
 */
export function oneAtATime(read) {
  const running = new Map(); // key → "busy" or "again"
  const run = (key) => {
    if (running.has(key)) return void running.set(key, "again");
    running.set(key, "busy");
    Promise.resolve()
      .then(() => read(key))
      .catch(() => {})
      .finally(() => {
        const again = running.get(key) === "again";
        running.delete(key);
        if (again) run(key);
      });
  };
  return run;
}
