// The customer app: sign in, choose where to deliver, browse restaurants that deliver there,
// build a basket from a menu, check out with a sandbox card, and follow the order live.
import { api, signIn, el, show, money, clock, label, toast, formError, ApiError } from "/shared/tiffin.js";
import { Shell } from "/shared/shell.js";

const main = document.getElementById("main");
/** Notifications that arrived live since the activity feed was last opened. */
let unseen = 0;

// ---------------------------------------------------------------------------------------------
// State kept for the tab: the delivery address and the basket.

const store = {
  get(key, fallback) {
    try {
      return JSON.parse(sessionStorage.getItem(`tiffin.app.${key}`)) ?? fallback;
    } catch (_) {
      return fallback;
    }
  },
  set(key, value) {
    sessionStorage.setItem(`tiffin.app.${key}`, JSON.stringify(value));
  },
};

/** { label, lat, lon } or null */
const address = () => store.get("address", null);
/** { restaurantID, restaurantName, lines: [{ key, itemID, name, quantity, options: [ids], optionNames: [..] }], idempotencyKey } */
const basket = () => store.get("basket", null);
function basketCount() {
  return (basket()?.lines || []).reduce((n, line) => n + line.quantity, 0);
}

// ---------------------------------------------------------------------------------------------
// The shell: routes, links, and the live notifications shown everywhere.

const shell = new Shell({
  role: "customer",
  title: "Order from the restaurants of your city",
  routes: [
    [/^#\/address$/, addressPage, true],
    [/^#\/r\/([0-9A-Fa-f-]{36})$/, menuPage, true],
    [/^#\/basket$/, basketPage, true],
    [/^#\/orders$/, ordersPage, true],
    [/^#\/orders\/([0-9A-Fa-f-]{36})$/, orderPage, true],
    [/^#\/activity$/, activityPage, true],
    [/^#\/?$/, restaurantsPage, true],
  ],
  links: () => {
    const count = basketCount();
    return [
      el("a", { href: "#/" }, "Restaurants"),
      el("a", { href: "#/basket" }, count ? `Basket (${count})` : "Basket"),
      el("a", { href: "#/orders" }, "Orders"),
      el("a", { href: "#/activity", id: "activity-link" }, unseen > 0 ? "Activity •" : "Activity"),
    ];
  },
  home: () => (address() ? "#/" : "#/address"),
  onLive: (live) =>
    live.on("notification", (message) => {
      toast(message.notification.title);
      unseen += 1;
      shell.renderNav();
    }),
  onSignOut: () => {
    unseen = 0;
  },
  signUp: signUpCard,
});
const stale = (started) => shell.stale(started);

// ---------------------------------------------------------------------------------------------
// Pages

function signUpCard() {
  const signUpForm = el(
    "form",
    { class: "card stack", "aria-labelledby": "signup-title" },
    el("h2", { id: "signup-title", text: "New here? Create an account" }),
    el("label", { for: "su-name" }, "Name"),
    el("input", { id: "su-name", name: "name", autocomplete: "name", required: true }),
    el("label", { for: "su-email" }, "Email"),
    el("input", { id: "su-email", name: "email", type: "email", autocomplete: "email", required: true }),
    el("label", { for: "su-password" }, "Password (at least 8 characters)"),
    el("input", { id: "su-password", name: "password", type: "password", autocomplete: "new-password", minlength: "8", required: true }),
    el("button", { type: "submit", class: "secondary" }, "Create account"),
  );
  signUpForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(signUpForm);
    try {
      await api("POST", "/v1/auth/signup", {
        auth: false,
        body: { name: data.get("name"), email: data.get("email"), password: data.get("password"), role: "customer" },
      });
      await signIn(data.get("email"), data.get("password"));
      location.hash = "#/address";
    } catch (error) {
      formError(signUpForm, error);
    }
  });
  return signUpForm;
}

async function addressPage() {
  const current = address();
  const choose = (value) => {
    store.set("address", value);
    location.hash = "#/";
  };
  const form = el(
    "form",
    { class: "card stack" },
    el("h2", { text: "Another address" }),
    el("label", { for: "addr-label" }, "Street and number"),
    el("input", { id: "addr-label", name: "label", required: true, autocomplete: "street-address", value: current?.label || "" }),
    el("div", { class: "row" },
      el("div", {}, el("label", { for: "addr-lat" }, "Latitude"), el("input", { id: "addr-lat", name: "lat", inputmode: "decimal", required: true, value: current?.lat ?? "" })),
      el("div", {}, el("label", { for: "addr-lon" }, "Longitude"), el("input", { id: "addr-lon", name: "lon", inputmode: "decimal", required: true, value: current?.lon ?? "" })),
    ),
    el("div", { class: "row" },
      el("button", {
        type: "button",
        class: "secondary",
        onclick: () => {
          if (!navigator.geolocation) return toast("This browser cannot tell where you are.", "error");
          navigator.geolocation.getCurrentPosition(
            (position) => {
              form.elements.lat.value = position.coords.latitude.toFixed(5);
              form.elements.lon.value = position.coords.longitude.toFixed(5);
            },
            () => toast("Your position is not available.", "error"),
          );
        },
      }, "Use my position"),
      el("button", { type: "submit" }, "Deliver here"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const lat = Number(form.elements.lat.value);
    const lon = Number(form.elements.lon.value);
    if (!Number.isFinite(lat) || lat < -90 || lat > 90) return formError(form, new ApiError(422, { detail: "A latitude is between -90 and 90.", field: "lat" }));
    if (!Number.isFinite(lon) || lon < -180 || lon > 180) return formError(form, new ApiError(422, { detail: "A longitude is between -180 and 180.", field: "lon" }));
    choose({ label: form.elements.label.value.trim(), lat, lon });
  });
  const offered = shell.config?.demo?.addresses || [];
  const mapBox = el("div", { class: "stack" }, el("p", { class: "muted", id: "map-help", text: "Or pick the spot on the map: click or tap it; with the keyboard, move the map with the arrow keys until the cross is on it, and press Enter." }));
  show(
    main,
    el("h1", { text: "Where should we deliver?" }),
    mapBox,
    offered.length > 0 &&
      el("section", { "aria-labelledby": "demo-addresses" },
        el("h2", { id: "demo-addresses", text: "Addresses in the demo city" }),
        el("ul", { class: "plain stack" },
          offered.map((a) => el("li", {}, el("button", { type: "button", class: "secondary", onclick: () => choose(a) }, a.label))),
        ),
      ),
    form,
  );
  const picker = shell.cityMap(mapBox, "Map of the city: pick the delivery address", {
    describedBy: "map-help",
    onPick: (point) => {
      form.elements.lat.value = point.lat.toFixed(5);
      form.elements.lon.value = point.lon.toFixed(5);
      picker.setMarker("home", { ...point, kind: "home", label: "Delivery address" });
      form.elements.label.focus();
    },
  });
  if (current) {
    picker.setMarker("home", { lat: current.lat, lon: current.lon, kind: "home", label: current.label });
    picker.fit([current]);
  }
}

async function restaurantsPage() {
  const where = address();
  if (!where) {
    location.hash = "#/address";
    return;
  }
  const started = shell.navigation;
  show(main, el("h1", { text: "Restaurants" }), el("p", { text: "Loading…" }));
  const answer = await api("GET", `/v1/restaurants/nearby?lat=${encodeURIComponent(where.lat)}&lon=${encodeURIComponent(where.lon)}`);
  if (stale(started)) return;
  const list = answer.restaurants;
  show(
    main,
    el("div", { class: "spread" },
      el("h1", { text: "Restaurants delivering to you" }),
      el("p", { class: "muted" }, `To ${where.label} · `, el("a", { href: "#/address" }, "change")),
    ),
    list.length === 0
      ? el("p", { class: "notice", text: "No restaurant open now delivers to this address. Try another address or come back later." })
      : el("ul", { class: "grid plain", "aria-label": "Restaurants" },
          list.map((r) =>
            el("li", { class: "card" },
              el("h2", {}, el("a", { href: `#/r/${r.restaurant.id}`, class: "restaurant-link" }, r.restaurant.name)),
              el("p", { class: "muted", text: `${r.restaurant.cuisine} · ${r.restaurant.address}` }),
              el("p", {},
                el("span", { class: "badge" }, `${r.etaMinutes} min`), " ",
                el("span", { class: "badge" }, `Delivery ${money(r.deliveryFee)}`), " ",
                el("span", { class: "badge" }, `Minimum ${money(r.restaurant.minimumOrder)}`),
              ),
            ),
          ),
        ),
  );
}

async function menuPage(restaurantID) {
  const started = shell.navigation;
  show(main, el("p", { text: "Loading the menu…" }));
  const [restaurant, menu] = await Promise.all([
    api("GET", `/v1/restaurants/${restaurantID}`),
    api("GET", `/v1/restaurants/${restaurantID}/menu`),
  ]);
  if (stale(started)) return;
  const sections = menu.sections.filter((s) => s.items.length > 0);
  show(
    main,
    el("p", {}, el("a", { href: "#/" }, "← Restaurants")),
    el("h1", { text: restaurant.name }),
    el("p", { class: "muted", text: `${restaurant.cuisine} · ${restaurant.address}` }),
    restaurant.description && el("p", { text: restaurant.description }),
    el("nav", { "aria-label": "Menu sections", class: "row" }, sections.map((s) => el("a", { href: `#/r/${restaurantID}`, onclick: (e) => { e.preventDefault(); const target = document.getElementById(`h-${s.id}`); target?.setAttribute("tabindex", "-1"); target?.focus(); } }, s.name))),
    sections.map((section) =>
      el("section", { id: `section-${section.id}`, "aria-labelledby": `h-${section.id}` },
        el("h2", { id: `h-${section.id}`, text: section.name }),
        el("ul", { class: "grid plain" }, section.items.map((item) => itemCard(restaurant, item))),
      ),
    ),
  );
}

/** One menu item, with its option groups enforcing their min/max, and "Add to basket". */
function itemCard(restaurant, item) {
  const form = el("form", { class: "card stack", "aria-label": item.name });
  const groups = item.optionGroups.map((group) => {
    const multiple = group.maxChoices > 1;
    const legend = group.minChoices > 0
      ? `${group.name} (choose ${group.minChoices === group.maxChoices ? group.minChoices : `${group.minChoices} to ${group.maxChoices}`})`
      : `${group.name} (up to ${group.maxChoices}, optional)`;
    return el("fieldset", { dataset: { group: group.id } },
      el("legend", { text: legend }),
      group.options.map((option) =>
        el("label", { class: "choice" },
          el("input", {
            type: multiple ? "checkbox" : "radio",
            name: `group-${group.id}`,
            value: option.id,
            disabled: option.isSoldOut,
            dataset: { name: option.name },
          }),
          `${option.name}${option.priceDelta ? ` (+${money(option.priceDelta, item.price.currency)})` : ""}${option.isSoldOut ? " — sold out" : ""}`,
        ),
      ),
    );
  });
  form.append(
    el("h3", { text: item.name }),
    item.description && el("p", { class: "muted", text: item.description }),
    el("p", { class: "price", text: money(item.price) }),
    ...groups,
    el("div", { class: "row" },
      el("label", { for: `qty-${item.id}`, class: "sr-label" }, "Quantity"),
      el("input", { id: `qty-${item.id}`, name: "quantity", type: "number", min: "1", max: "50", value: "1" }),
      el("button", { type: "submit", disabled: item.isSoldOut }, item.isSoldOut ? "Sold out" : "Add to basket"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = [];
    const names = [];
    for (const group of item.optionGroups) {
      const picked = [...form.querySelectorAll(`input[name="group-${CSS.escape(group.id)}"]:checked`)];
      if (picked.length < group.minChoices || picked.length > group.maxChoices) {
        const rule = group.minChoices === group.maxChoices ? `exactly ${group.minChoices}` : `${group.minChoices} to ${group.maxChoices}`;
        const error = new ApiError(422, { detail: `${group.name}: choose ${rule}.` });
        formError(form, error);
        form.querySelector(`[data-group="${CSS.escape(group.id)}"] input`)?.focus();
        return;
      }
      for (const input of picked) {
        chosen.push(input.value);
        names.push(input.dataset.name);
      }
    }
    const quantity = Number(form.elements.quantity.value);
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 50) {
      formError(form, new ApiError(422, { detail: "A quantity from 1 to 50.", field: "quantity" }));
      return;
    }
    let current = basket();
    if (current && current.restaurantID !== restaurant.id && current.lines.length > 0) {
      if (!confirm(`Your basket holds items from ${current.restaurantName}. Start a new basket here?`)) return;
      current = null;
    }
    current = current || { restaurantID: restaurant.id, restaurantName: restaurant.name, lines: [] };
    const key = `${item.id}:${[...chosen].sort().join(",")}`;
    const line = current.lines.find((l) => l.key === key);
    if (line) line.quantity = Math.min(50, line.quantity + quantity);
    else current.lines.push({ key, itemID: item.id, name: item.name, quantity, options: chosen, optionNames: names });
    current.idempotencyKey = null; // a changed basket is a new order
    store.set("basket", current);
    for (const old of form.querySelectorAll(".field-error")) old.remove();
    shell.renderNav();
    toast(`${quantity} × ${item.name} added to your basket`);
  });
  return el("li", {}, form);
}

async function basketPage() {
  const current = basket();
  const where = address();
  if (!current || current.lines.length === 0) {
    show(main, el("h1", { text: "Your basket" }), el("p", {}, "It is empty. ", el("a", { href: "#/" }, "Find a restaurant.")));
    return;
  }
  if (!where) {
    location.hash = "#/address";
    return;
  }
  const started = shell.navigation;
  show(main, el("h1", { text: "Your basket" }), el("p", { text: "Pricing your basket…" }));
  let quote;
  let quoteError = null;
  try {
    quote = await api("POST", "/v1/quotes", { body: basketRequest(current, where) });
  } catch (error) {
    quoteError = error;
  }
  if (stale(started)) return;
  const lines = el("ul", { class: "plain stack" },
    current.lines.map((line, index) =>
      el("li", { class: "card spread" },
        el("div", {},
          el("strong", { text: `${line.quantity} × ${line.name}` }),
          line.optionNames.length > 0 && el("p", { class: "muted", text: line.optionNames.join(", ") }),
          quote && el("p", { text: money(quote.lines[index]?.lineTotal || { amount: 0, currency: quote.total.currency }) }),
        ),
        el("div", { class: "row" },
          el("button", { type: "button", class: "secondary", "aria-label": `One fewer ${line.name}`, onclick: () => changeQuantity(index, -1) }, "−"),
          el("button", { type: "button", class: "secondary", "aria-label": `One more ${line.name}`, onclick: () => changeQuantity(index, 1) }, "+"),
        ),
      ),
    ),
  );
  const cards = shell.config?.testCards || [];
  const checkout = el("form", { class: "card stack", id: "checkout" },
    el("h2", { text: "Pay and order" }),
    el("label", { for: "card" }, "Card number (sandbox)"),
    el("input", { id: "card", name: "payment.card", inputmode: "numeric", autocomplete: "off", required: true, value: cards[0]?.number || "" }),
    cards.length > 0 &&
      el("details", {},
        el("summary", { text: "Sandbox test cards" }),
        el("ul", {}, cards.map((c) => el("li", {}, el("code", { text: c.number }), ` — ${c.outcome}`))),
      ),
    el("button", { type: "submit", id: "place-order", disabled: !quote }, quote ? `Order and pay ${money(quote.total)}` : "Order"),
  );
  checkout.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = checkout.querySelector("#place-order");
    button.disabled = true;
    const basketNow = basket();
    // One key per basket: a retry after a lost answer replays the same order instead of placing two.
    basketNow.idempotencyKey = basketNow.idempotencyKey || crypto.randomUUID();
    store.set("basket", basketNow);
    try {
      const order = await api("POST", "/v1/orders", {
        body: { ...basketRequest(basketNow, address()), payment: { card: checkout.elements["payment.card"].value.replace(/\s+/g, "") } },
        headers: { "Idempotency-Key": basketNow.idempotencyKey },
      });
      store.set("basket", null);
      shell.renderNav();
      location.hash = `#/orders/${order.id}`;
    } catch (error) {
      // The key is kept only while the outcome is unknown (no answer, a server fault, the same
      // request still running): then a retry must replay, not place a second order. After a
      // final answer — declined, sold out, payment unavailable — another try is a new order.
      const again = basket();
      if (again && !outcomeUnknown(error)) again.idempotencyKey = null;
      if (again) store.set("basket", again);
      formError(checkout, error);
      button.disabled = false;
    }
  });
  show(
    main,
    el("h1", { text: `Your basket from ${current.restaurantName}` }),
    lines,
    quoteError && el("p", { class: "field-error", role: "alert", text: quoteError.message }),
    quote &&
      el("table", { class: "totals" },
        el("tbody", {},
          el("tr", {}, el("th", { text: "Subtotal" }), el("td", { text: money(quote.subtotal) })),
          el("tr", {}, el("th", { text: "Delivery" }), el("td", { text: money(quote.deliveryFee) })),
          el("tr", {}, el("th", { text: "Service" }), el("td", { text: money(quote.serviceFee) })),
          el("tr", {}, el("th", { text: "Total" }), el("td", {}, el("strong", { text: money(quote.total) }))),
        ),
      ),
    quote && el("p", { class: "muted", text: `To ${where.label} · about ${quote.etaMinutes} min` }),
    checkout,
  );
}

/** The order a basket makes, to quote or to place. */
function basketRequest(current, where) {
  return {
    restaurantID: current.restaurantID,
    items: current.lines.map((l) => ({ itemID: l.itemID, quantity: l.quantity, options: l.options })),
    deliveryLocation: { lat: where.lat, lon: where.lon },
    deliveryAddress: where.label,
  };
}

function outcomeUnknown(error) {
  if (!(error instanceof ApiError)) return true;
  if (error.status === 0 || error.status === 500 || error.status === 502 || error.status === 504) return true;
  return error.status === 409 && String(error.problem?.type || "").endsWith("/request-in-progress");
}

async function changeQuantity(index, delta) {
  const current = basket();
  const line = current.lines[index];
  const focused = document.activeElement?.getAttribute("aria-label");
  line.quantity = Math.min(50, line.quantity + delta);
  if (line.quantity <= 0) current.lines.splice(index, 1);
  current.idempotencyKey = null;
  store.set("basket", current.lines.length ? current : null);
  await shell.route();
  // The buttons were drawn again: keep the keyboard where it was.
  const again = focused && [...main.querySelectorAll("button")].find((b) => b.getAttribute("aria-label") === focused);
  (again || main).focus();
}

async function ordersPage() {
  const started = shell.navigation;
  const answer = await api("GET", "/v1/orders");
  if (stale(started)) return;
  show(
    main,
    el("h1", { text: "Your orders" }),
    answer.orders.length === 0
      ? el("p", { text: "No orders yet." })
      : el("ul", { class: "plain stack" },
          answer.orders.map((o) =>
            el("li", { class: "card spread" },
              el("div", {},
                el("a", { href: `#/orders/${o.id}` }, o.restaurantName),
                el("p", { class: "muted", text: `${new Date(o.placedAt).toLocaleString()} · ${money(o.total)}` }),
              ),
              el("span", { class: `badge ${o.status === "delivered" ? "ok" : endings.includes(o.status) ? "danger" : ""}` }, label(o.status)),
            ),
          ),
        ),
  );
}

const lifecycle = ["placed", "confirmed", "accepted", "preparing", "ready", "picked_up", "delivered"];
const endings = ["payment_failed", "rejected", "cancelled", "expired"];
const rank = (status) => (endings.includes(status) ? lifecycle.length : lifecycle.indexOf(status));

async function orderPage(orderID) {
  const started = shell.navigation;
  let order = await api("GET", `/v1/orders/${orderID}`);
  if (stale(started)) return;
  const seen = new Set();
  let lastEventID = null;
  let position = null;

  const status = el("p", { class: "order-status", id: "order-status", "aria-live": "polite" });
  const timeline = el("ol", { class: "timeline", id: "timeline", "aria-label": "Progress" });
  const eta = el("p", { id: "eta" });
  const courier = el("p", { id: "courier-position" });
  const actions = el("div", { class: "row" });
  const liveState = shell.liveBadge();
  const mapBox = el("div", { class: "order-map" });
  let map = null;

  /** Stale as the server said when it sent it, or since: older than its staleness limit now. */
  function positionIsStale() {
    const limit = (shell.live?.welcome?.staleAfterSeconds ?? 15) * 1000;
    return position.isStale || Date.now() - Date.parse(position.recordedAt) >= limit;
  }

  function renderMap() {
    if (!map) return;
    if (position && order.status === "picked_up") {
      const quiet = positionIsStale();
      map.setMarker("courier", { lat: position.lat, lon: position.lon, kind: quiet ? "stale" : "courier", label: quiet ? "Courier (position is old)" : "Courier" });
      map.setRoute([position, order.deliveryLocation]);
    } else {
      map.removeMarker("courier");
      map.setRoute(order.status === "delivered" || endings.includes(order.status) ? null : [order.pickupLocation, order.deliveryLocation]);
    }
  }

  function render() {
    const since = order.history?.find((h) => h.to === order.status);
    show(status, el("strong", { text: label(order.status) }), since ? ` since ${clock(since.at)}` : "");
    const ended = endings.includes(order.status);
    const reached = new Set((order.history || []).map((h) => h.to));
    const steps = ended ? [...lifecycle.filter((s) => reached.has(s)), order.status] : lifecycle;
    show(timeline, steps.map((step) => {
      const when = (order.history || []).find((h) => h.to === step);
      const current = step === order.status;
      return el("li", { class: current ? "current" : when ? "done" : "", "aria-current": current ? "step" : undefined },
        label(step), when ? ` · ${clock(when.at)}` : "");
    }));
    show(actions,
      order.status === "confirmed" &&
        el("button", { type: "button", class: "danger", id: "cancel-order", onclick: cancel }, "Cancel order"),
    );
    renderEta();
    renderCourier();
    renderMap();
  }

  function renderEta() {
    if (["delivered", ...endings].includes(order.status)) return show(eta, order.status === "delivered" ? "Delivered. Enjoy your meal!" : "");
    const arrival = position?.estimatedArrival ? Date.parse(position.estimatedArrival) : Date.parse(order.placedAt) + order.etaMinutes * 60000;
    const seconds = Math.max(0, Math.round((arrival - Date.now()) / 1000));
    show(eta, `Arriving in about ${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s (around ${clock(new Date(arrival).toISOString())})`);
  }

  function renderCourier() {
    if (order.status !== "picked_up") return show(courier, order.courierAssigned && order.status !== "delivered" ? "A courier is assigned." : "");
    if (!position) return show(courier, "Your courier is on the way.");
    const age = Math.max(0, Math.round((Date.now() - Date.parse(position.recordedAt)) / 1000));
    const quiet = positionIsStale();
    show(courier,
      el("span", { class: quiet ? "badge danger" : "badge ok" }, quiet ? `Last seen ${age} s ago` : "Live"),
      ` Courier at ${position.lat.toFixed(4)}, ${position.lon.toFixed(4)}`,
    );
  }

  async function cancel() {
    if (!confirm("Cancel this order? The hold on your card is released.")) return;
    try {
      await api("POST", `/v1/orders/${orderID}/cancel`, { body: { reason: "changed my mind" } });
      order = await api("GET", `/v1/orders/${orderID}`); // with its whole history
      render();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  // The subscription replays the order's history, and a live event may come before older
  // replayed ones: a status is applied only when it is later in the lifecycle than the one shown.
  const onEvent = (message) => {
    if (message.orderID !== orderID || seen.has(message.id)) return;
    seen.add(message.id);
    lastEventID = message.id;
    const to = message.payload?.to;
    if (to) {
      if (!order.history?.some((h) => h.to === to)) {
        order.history = [...(order.history || []), { to, at: message.occurredAt, from: message.payload.from }];
      }
      if (rank(to) > rank(order.status)) order.status = to;
      if (message.payload.courierAssigned) order.courierAssigned = true;
      if (order.status === "delivered") position = null;
      render();
    } else if (message.eventType === "order.courier_assigned") {
      order.courierAssigned = true;
      render();
    } else if (message.eventType === "order.courier_released") {
      order.courierAssigned = false;
      position = null;
      render();
    }
  };
  const onPosition = (message) => {
    if (message.orderID !== orderID) return;
    position = message;
    renderCourier();
    renderEta();
    renderMap();
  };
  shell.live.on("event", onEvent);
  shell.live.on("position", onPosition);
  // The whole history at first (replayed entries already shown are skipped); after a reconnect,
  // only what came after the last event seen.
  shell.live.subscribe(`order:${orderID}`, () => ({ type: "subscribe", topic: "order", id: orderID, ...(lastEventID ? { after: lastEventID } : {}) }));
  const ticker = setInterval(() => { renderEta(); renderCourier(); renderMap(); }, 1000);
  shell.onLeave(() => {
    clearInterval(ticker);
    shell.live?.off("event", onEvent);
    shell.live?.off("position", onPosition);
    shell.live?.unsubscribe(`order:${orderID}`, { type: "unsubscribe", topic: "order", id: orderID });
  });

  show(
    main,
    el("p", {}, el("a", { href: "#/orders" }, "← Your orders")),
    el("div", { class: "spread" }, el("h1", { text: order.restaurantName }), liveState),
    status,
    eta,
    courier,
    mapBox,
    timeline,
    el("section", { class: "panel", "aria-labelledby": "order-lines" },
      el("h2", { id: "order-lines", text: "Your order" }),
      el("ul", {}, order.lines.map((l) => el("li", { text: `${l.quantity} × ${l.name}${l.options?.length ? ` (${l.options.map((o) => o.name).join(", ")})` : ""} — ${money(l.lineTotal)}` }))),
      el("p", {}, el("strong", { text: `Total ${money(order.total)}` }), ` · to ${order.deliveryAddress}`),
    ),
    actions,
  );
  map = shell.cityMap(mapBox, `Map: ${order.restaurantName}, your address and the courier`);
  map.setMarker("restaurant", { ...order.pickupLocation, kind: "restaurant", label: order.restaurantName });
  map.setMarker("home", { ...order.deliveryLocation, kind: "home", label: order.deliveryAddress });
  map.fit([order.pickupLocation, order.deliveryLocation]);
  render();
}

async function activityPage() {
  const started = shell.navigation;
  const answer = await api("GET", "/v1/me/activity?limit=50");
  if (stale(started)) return;
  unseen = 0;
  shell.renderNav();
  show(
    main,
    el("div", { class: "spread" },
      el("h1", { text: "Activity" }),
      answer.unreadCount > 0 &&
        el("button", { type: "button", class: "secondary", onclick: async () => { await api("POST", "/v1/me/activity/read"); shell.route(); } }, `Mark ${answer.unreadCount} read`),
    ),
    answer.items.length === 0
      ? el("p", { text: "Nothing yet: what happens to your orders will show here." })
      : el("ul", { class: "plain stack" },
          answer.items.map((item) =>
            el("li", { class: `card${item.readAt ? "" : " highlight"}` },
              el("div", { class: "spread" }, el("strong", { text: item.title }), el("span", { class: "muted", text: clock(item.createdAt) })),
              el("p", { text: item.body }),
              item.orderID && el("a", { href: `#/orders/${item.orderID}` }, "The order"),
              item.deliveries.some((d) => d.status === "failed") && el("p", { class: "field-error", text: "The email could not be delivered." }),
            ),
          ),
        ),
  );
}

// ---------------------------------------------------------------------------------------------

shell.start();
