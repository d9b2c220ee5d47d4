// The courier app: go online and offline; stream the position from the browser's geolocation,
// or for the demo "drive" along the route at a courier's speed; offers to accept or decline
// before they expire; the current delivery on the map with pickup, deliver and hand back; earnings.
import { api, el, show, money, clock, label, toast, ApiError } from "/shared/tiffin.js";
import { Shell, countdown, oneAtATime } from "/shared/shell.js";

const main = document.getElementById("main");

const shell = new Shell({
  role: "courier",
  title: "Tiffin for couriers",
  routes: [
    [/^#\/earnings$/, earningsPage, true],
    [/^#\/?$/, workPage, true],
  ],
  links: () => [el("a", { href: "#/" }, "Work"), el("a", { href: "#/earnings" }, "Earnings")],
  home: () => "#/",
  onLive: (live) => {
    live.on("notification", (message) => toast(message.notification.title));
    live.on("error", (message) => console.warn("refused by the server:", message.detail));
  },
  // Signing out also stops taking deliveries: otherwise dispatch would keep offering jobs to
  // someone who is gone until their position grows old.
  beforeSignOut: () => api("POST", "/v1/courier/offline").catch(() => {}),
  onSignOut: () => tracker.stop(),
});

// ---------------------------------------------------------------------------------------------
// Geometry: distances and headings on the sphere, for the drive mode and the offers.

const EARTH = 6371008.8;
const rad = (degrees) => (degrees * Math.PI) / 180;

/** Metres between two points (haversine). */
function distance(a, b) {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Degrees clockwise from north, from `a` towards `b`. */
function heading(a, b) {
  const y = Math.sin(rad(b.lon - a.lon)) * Math.cos(rad(b.lat));
  const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) - Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lon - a.lon));
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

/** The point `metres` along the straight line from `a` to `b` (at most `b`). */
function towards(a, b, metres) {
  const whole = distance(a, b);
  if (whole <= metres || whole === 0) return { lat: b.lat, lon: b.lon };
  const f = metres / whole;
  return { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f };
}

const metresText = (m) => (m < 1000 ? `${Math.round(m / 10) * 10} m` : `${(m / 1000).toFixed(1)} km`);

// ---------------------------------------------------------------------------------------------
// The position: sent as a `fix` over the live connection (HTTP when it is down), from the
// browser's geolocation or from the drive mode.

/** A courier's average speed in town, metres per second, by vehicle. */
const speeds = { bicycle: 4.5, scooter: 6.5, car: 7.5 };

const tracker = {
  mode: sessionStorage.getItem("tiffin.courier.mode") || null, // "gps" or "drive"; drive only on the demo
  position: null, // { lat, lon }
  target: null, // where the drive mode is going: { lat, lon, label }
  vehicle: "bicycle",
  speedFactor: 1,
  watch: null,
  timer: null,
  lastSent: 0,
  listeners: new Set(),

  start(mode) {
    this.stop();
    this.mode = mode;
    if (mode === "gps") {
      if (!navigator.geolocation) return toast("This browser cannot tell where you are: use the drive mode.", "error");
      this.watch = navigator.geolocation.watchPosition(
        (p) => this.moved({ lat: p.coords.latitude, lon: p.coords.longitude }, { accuracy: p.coords.accuracy, speed: p.coords.speed, heading: p.coords.heading }),
        (error) => toast(`Your position is not available (${error.message}).`, "error"),
        { enableHighAccuracy: true, maximumAge: 5000 },
      );
    } else {
      // Every 2 s: a step along the route at the vehicle's speed, or the same place again when
      // there is nowhere to go (a courier with no recent fix gets no offers).
      this.timer = setInterval(() => this.step(2), 2000);
      if (this.position) this.send({ speed: 0 });
    }
  },

  stop() {
    if (this.watch !== null) navigator.geolocation.clearWatch(this.watch);
    if (this.timer !== null) clearInterval(this.timer);
    this.watch = null;
    this.timer = null;
  },

  step(seconds) {
    if (!this.position) return;
    if (this.target && distance(this.position, this.target) > 5) {
      const metres = speeds[this.vehicle] * this.speedFactor * seconds;
      const next = towards(this.position, this.target, metres);
      const bearing = heading(this.position, this.target);
      this.moved(next, { speed: speeds[this.vehicle] * this.speedFactor, heading: bearing, accuracy: 5 });
    } else if (Date.now() - this.lastSent > 5000) {
      this.send({ speed: 0, accuracy: 5 });
    }
  },

  moved(position, details) {
    this.position = position;
    this.send(details);
    for (const listener of this.listeners) listener(position);
  },

  send(details = {}) {
    if (!this.position) return;
    this.lastSent = Date.now();
    const fix = {
      lat: Number(this.position.lat.toFixed(6)),
      lon: Number(this.position.lon.toFixed(6)),
      ...(Number.isFinite(details.accuracy) ? { accuracy: Math.min(100000, Math.max(0, details.accuracy)) } : {}),
      ...(Number.isFinite(details.speed) ? { speed: Math.min(100, Math.max(0, details.speed)) } : {}),
      ...(Number.isFinite(details.heading) ? { heading: Math.min(359.999, Math.max(0, details.heading)) } : {}),
    };
    // No `recordedAt`: the server stamps a fix when it arrives, so a phone whose clock is off
    // neither has its fixes ignored as old nor shows as stale.
    if (shell.live?.state === "live") shell.live.send({ type: "fix", ...fix });
    else {
      const { lat, lon, ...rest } = fix;
      api("POST", "/v1/courier/location", { body: { location: { lat, lon }, ...rest } }).catch(() => {});
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Work: online/offline, the position, offers, the current delivery.

const restaurants = new Map(); // id → restaurant (public), for offers
async function restaurantName(id) {
  if (!id) return "a restaurant";
  if (!restaurants.has(id)) restaurants.set(id, api("GET", `/v1/restaurants/${id}`, { auth: false }).catch(() => null));
  return (await restaurants.get(id))?.name || "a restaurant";
}

async function workPage() {
  const started = shell.navigation;
  let status = await api("GET", "/v1/courier/status");
  if (shell.stale(started)) return;
  tracker.vehicle = status.vehicle;
  const demo = Boolean(shell.config?.demo);
  if (!demo || !tracker.mode) tracker.mode = demo ? "drive" : "gps";
  if (!tracker.position && status.location) tracker.position = { ...status.location };

  const state = el("p", { id: "courier-state", "aria-live": "polite" });
  const toggle = el("button", { type: "button", id: "online-toggle" });
  const offersList = el("ul", { class: "plain stack", id: "offers" });
  const jobBox = el("div", { class: "stack", id: "job" });
  const positionText = el("p", { class: "muted", id: "position" });
  const mapBox = el("div", {});
  /** offer id → offer (pending ones) */
  const offers = new Map();
  /** Keeps a pending offer, with when it ends on this device's clock: its time to answer from now
   *  (a phone whose clock is off still sees the whole countdown). */
  function keepOffer(offer) {
    const known = offers.get(offer.id);
    const window = Math.max(0, Date.parse(offer.expiresAt) - Date.parse(offer.createdAt));
    offers.set(offer.id, { ...offer, endsAt: known?.endsAt ?? new Date(Date.now() + window).toISOString() });
  }
  /** order id → order (assigned, not delivered) */
  const jobs = new Map();

  const modeForm = !demo ? el("p", { class: "muted", text: "Your position comes from this device's location while you are online." }) : el("fieldset", { class: "row" },
    el("legend", { text: "Position" }),
    el("label", { class: "choice", for: "mode-drive" },
      el("input", { type: "radio", name: "mode", id: "mode-drive", value: "drive", checked: tracker.mode === "drive" }), "Drive (demo): move along the route"),
    el("label", { class: "choice", for: "mode-gps" },
      el("input", { type: "radio", name: "mode", id: "mode-gps", value: "gps", checked: tracker.mode === "gps" }), "This device's location"),
    el("label", { for: "speed", class: "inline" }, "Drive speed"),
    el("select", { id: "speed", name: "speed" },
      el("option", { value: "1", selected: tracker.speedFactor === 1, text: `Real (${status.vehicle}, ${Math.round(speeds[status.vehicle] * 3.6)} km/h)` }),
      el("option", { value: "5", selected: tracker.speedFactor === 5, text: "5× faster (demo)" })),
  );
  modeForm.addEventListener("change", (event) => {
    if (event.target.name === "speed") tracker.speedFactor = Number(event.target.value);
    if (event.target.name === "mode" && status.isOnline) tracker.start(event.target.value);
    if (event.target.name === "mode") {
      tracker.mode = event.target.value;
      sessionStorage.setItem("tiffin.courier.mode", tracker.mode);
    }
  });

  function renderStatus() {
    show(state, el("span", { class: status.isOnline ? "badge ok" : "badge" }, status.isOnline ? "Online: taking deliveries" : "Offline"));
    toggle.textContent = status.isOnline ? "Go offline" : "Go online";
    toggle.className = status.isOnline ? "secondary" : "";
  }

  toggle.addEventListener("click", async () => {
    try {
      if (status.isOnline) {
        status = await api("POST", "/v1/courier/offline");
        if (jobs.size === 0) tracker.stop();
      } else {
        if (tracker.mode === "drive" && !tracker.position) tracker.position = { ...(shell.config?.centre || { lat: 52.52, lon: 13.405 }) };
        status = await api("POST", "/v1/courier/online", { body: tracker.position ? { location: tracker.position } : {} });
        tracker.start(tracker.mode);
      }
      renderStatus();
    } catch (error) {
      toast(error.message, "error");
    }
  });

  // Offers ----------------------------------------------------------------------------------
  async function offerCard(offer) {
    const stops = [...offer.stops].sort((a, b) => a.pickupPosition - b.pickupPosition);
    const names = await Promise.all(stops.map((s) => restaurantName(s.restaurantID)));
    const first = stops[0];
    const toPickup = tracker.position && first?.pickup ? distance(tracker.position, first.pickup) : null;
    const ride = stops.reduce((sum, s) => sum + (s.pickup && s.dropoff ? distance(s.pickup, s.dropoff) : 0), 0);
    const answer = (verb) => async (event) => {
      for (const button of event.target.closest("li").querySelectorAll("button")) button.disabled = true;
      try {
        await api("POST", `/v1/courier/offers/${offer.id}/${verb}`, verb === "decline" ? { body: { reason: "declined in the app" } } : undefined);
        offers.delete(offer.id);
        renderOffers();
        if (verb === "accept") {
          toast("Offer accepted: go to the restaurant");
          await loadJobs();
        }
      } catch (error) {
        toast(error.message, "error");
        offers.delete(offer.id);
        renderOffers();
      }
    };
    return el("li", { class: "card highlight offer", id: `offer-${offer.id}` },
      el("div", { class: "spread" },
        el("h3", { text: stops.length > 1 ? `${stops.length} orders` : "1 order" }),
        el("span", {}, "Answer within ", el("strong", { class: "countdown", dataset: { until: offer.endsAt }, text: countdown(offer.endsAt) }))),
      el("p", { text: `Pick up at ${[...new Set(names)].join(", ")}${toPickup != null ? ` · ${metresText(toPickup)} from you` : ""}` }),
      el("p", { class: "muted", text: `Ride ${metresText(ride)} · all delivered in about ${Math.round(offer.costSeconds / 60)} min` }),
      el("div", { class: "row" },
        el("button", { type: "button", id: `accept-offer-${offer.id}`, onclick: answer("accept") }, "Accept"),
        el("button", { type: "button", class: "secondary", id: `decline-offer-${offer.id}`, onclick: answer("decline") }, "Decline")),
    );
  }

  let offersDrawn = 0;
  async function renderOffers() {
    const drawing = (offersDrawn += 1);
    const pending = [...offers.values()].filter((o) => o.status === "pending" && Date.parse(o.endsAt) > Date.now());
    const cards = await Promise.all(pending.map(offerCard));
    if (drawing !== offersDrawn || shell.stale(started)) return;
    show(offersList, cards.length ? cards : el("li", { class: "muted", text: status.isOnline ? "No offers right now. They appear here as they come." : "Go online to receive offers." }));
  }

  async function loadOffers() {
    const answer = await api("GET", "/v1/courier/offers");
    // Merged, not replaced: an offer pushed while this read was on its way stays.
    const open = new Set(answer.offers.filter((o) => o.status === "pending").map((o) => o.id));
    for (const [id, offer] of offers) if (!open.has(id) && Date.now() - Date.parse(offer.endsAt) > -25000) offers.delete(id);
    for (const offer of answer.offers) if (offer.status === "pending") keepOffer(offer);
    renderOffers();
  }

  // The current delivery -----------------------------------------------------------------------
  let map = null;
  function nextStop() {
    const list = [...jobs.values()];
    const toCollect = list.find((o) => o.status !== "picked_up");
    if (toCollect) return { ...toCollect.pickupLocation, label: toCollect.restaurantName, kind: "pickup", order: toCollect };
    const toDeliver = list.find((o) => o.status === "picked_up");
    return toDeliver ? { ...toDeliver.deliveryLocation, label: toDeliver.deliveryAddress, kind: "dropoff", order: toDeliver } : null;
  }

  function drawMap() {
    if (!map) return;
    for (const id of [...map.markers.keys()]) if (id !== "me") map.removeMarker(id);
    for (const order of jobs.values()) {
      if (order.status !== "picked_up") map.setMarker(`r-${order.id}`, { ...order.pickupLocation, kind: "restaurant", label: `Pickup: ${order.restaurantName}` });
      map.setMarker(`h-${order.id}`, { ...order.deliveryLocation, kind: "home", label: `Drop-off: ${order.deliveryAddress}` });
    }
    const stop = nextStop();
    tracker.target = stop;
    if (tracker.position) map.setMarker("me", { ...tracker.position, kind: "courier", label: "You" });
    map.setRoute(stop && tracker.position ? [tracker.position, stop] : null);
    const here = tracker.position ? `You are at ${tracker.position.lat.toFixed(4)}, ${tracker.position.lon.toFixed(4)}` : "No position yet";
    show(positionText, stop && tracker.position ? `${here} · ${metresText(distance(tracker.position, stop))} to ${stop.kind === "pickup" ? "the pickup" : "the drop-off"}` : here);
  }

  function jobCard(order) {
    const id = order.id;
    const act = (verb, confirmText) => async () => {
      if (confirmText && !confirm(confirmText)) return;
      try {
        const updated = await api("POST", `/v1/orders/${id}/${verb}`, verb === "hand-back" ? { body: { reason: "handed back in the app" } } : undefined);
        if (verb === "hand-back" || updated.status === "delivered") {
          jobs.delete(id);
          toast(verb === "hand-back" ? "Order handed back" : "Delivered. Thank you!");
        } else {
          jobs.set(id, updated);
          toast("Picked up: now to the customer");
        }
        renderJobs();
      } catch (error) {
        toast(error.message, "error");
        if (error instanceof ApiError && (error.status === 409 || error.status === 404)) loadJobs();
      }
    };
    const collected = order.status === "picked_up";
    return el("li", { class: "card stack", id: `job-${id}` },
      el("div", { class: "spread" }, el("h3", { text: collected ? `Deliver to ${order.deliveryAddress}` : `Collect at ${order.restaurantName}` }), el("span", { class: "badge" }, label(order.status))),
      el("p", {}, el("strong", { text: "Pickup: " }), order.restaurantName, order.readyBy && !collected && order.status !== "ready" ? ` · ready by ${clock(order.readyBy)}` : ""),
      el("p", {}, el("strong", { text: "Drop-off: " }), order.deliveryAddress),
      el("p", { class: "muted", text: order.lines.map((l) => `${l.quantity} × ${l.name}`).join(", ") }),
      el("div", { class: "row" },
        !collected && el("button", { type: "button", id: `pickup-${id}`, disabled: order.status !== "ready", onclick: act("pickup") }, order.status === "ready" ? "Picked up" : "Picked up (when ready)"),
        collected && el("button", { type: "button", id: `deliver-${id}`, onclick: act("deliver") }, "Delivered"),
        !collected && el("button", { type: "button", class: "secondary", id: `hand-back-${id}`, onclick: act("hand-back", "Give this order back? It goes to another courier.") }, "Hand back")),
    );
  }

  function renderJobs() {
    if (jobs.size === 0) {
      show(jobBox, el("p", { class: "muted", text: "No delivery right now." }));
    } else {
      show(jobBox, el("ul", { class: "plain stack" }, [...jobs.values()].map(jobCard)));
    }
    drawMap();
  }

  async function loadJobs() {
    const answer = await api("GET", "/v1/courier/orders");
    if (shell.stale(started)) return;
    const present = new Set();
    for (const order of answer.orders) {
      if (["delivered", "cancelled", "rejected", "expired"].includes(order.status)) continue;
      present.add(order.id);
      jobs.set(order.id, order);
    }
    for (const id of [...jobs.keys()]) {
      if (!present.has(id)) jobs.delete(id);
    }
    renderJobs();
  }

  // Live: offers as they come; events of the orders carried (ready, cancelled, …).
  const onOffer = (message) => {
    const offer = message.offer;
    if (offer.status === "pending") keepOffer(offer);
    else offers.delete(offer.id);
    renderOffers();
  };
  const refresh = oneAtATime(async (id) => {
    try {
      const order = await api("GET", `/v1/orders/${id}`);
      if (["delivered", "cancelled", "rejected", "expired"].includes(order.status) || order.courierID !== status.courierID) {
        if (order.status === "cancelled") toast(`Order at ${order.restaurantName} was cancelled: do not collect it`, "error");
        jobs.delete(order.id);
      } else jobs.set(order.id, order);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) return;
      jobs.delete(id); // no longer this courier's
    }
    renderJobs();
  });
  // The server sends the events of the courier's orders to the courier's connection. One not
  // on the list yet (assigned while the list was being read): read the list again.
  const onEvent = (message) => {
    if (jobs.has(message.orderID)) refresh(message.orderID);
    else if (message.payload?.courierID === status.courierID) loadJobs().catch(() => {});
  };
  const onNotification = (message) => {
    const kind = message.notification.kind;
    if (kind === "courier_offer_withdrawn" || kind === "courier_order_cancelled") {
      loadOffers().catch(() => {});
      loadJobs().catch(() => {});
    }
  };
  const onState = ({ state: s }) => {
    if (s === "live") {
      loadOffers().catch(() => {});
      loadJobs().catch(() => {});
    }
  };
  shell.live.on("offer", onOffer);
  shell.live.on("event", onEvent);
  shell.live.on("notification", onNotification);
  shell.live.on("state", onState);
  tracker.listeners.add(drawMap);
  let seconds = 0;
  const ticker = setInterval(() => {
    seconds += 1;
    // While food is not ready yet, the orders are read again every 15 s as well: the button to
    // pick up must not wait on a missed event.
    if (seconds % 15 === 0 && [...jobs.values()].some((o) => o.status !== "ready" && o.status !== "picked_up")) loadJobs().catch(() => {});
    for (const node of offersList.querySelectorAll(".countdown")) node.textContent = countdown(node.dataset.until);
    if ([...offers.values()].some((o) => Date.parse(o.endsAt) <= Date.now())) {
      for (const [id, o] of offers) if (Date.parse(o.endsAt) <= Date.now()) offers.delete(id);
      renderOffers();
    }
  }, 1000);
  shell.onLeave(() => {
    clearInterval(ticker);
    tracker.listeners.delete(drawMap);
    shell.live?.off("offer", onOffer);
    shell.live?.off("event", onEvent);
    shell.live?.off("notification", onNotification);
    shell.live?.off("state", onState);
  });

  renderStatus();
  show(main,
    el("div", { class: "spread" }, el("h1", { text: "Work" }), shell.liveBadge()),
    el("section", { class: "card stack", "aria-labelledby": "status-title" },
      el("h2", { id: "status-title", class: "sr-label", text: "Availability" }),
      el("div", { class: "spread" }, state, toggle),
      modeForm),
    el("section", { "aria-labelledby": "offers-title" }, el("h2", { id: "offers-title", text: "Offers" }), offersList),
    el("section", { "aria-labelledby": "job-title" }, el("h2", { id: "job-title", text: "Current delivery" }), jobBox),
    positionText,
    mapBox,
  );
  map = shell.cityMap(mapBox, "Map: you, the pickup and the drop-off");
  if (tracker.position) map.fit([tracker.position]);
  await Promise.all([loadOffers(), loadJobs()]);
  if (status.isOnline && tracker.timer === null && tracker.watch === null) tracker.start(tracker.mode);
  const points = [tracker.position, ...[...jobs.values()].flatMap((o) => [o.pickupLocation, o.deliveryLocation])].filter(Boolean);
  if (points.length) map.fit(points);
}

// ---------------------------------------------------------------------------------------------

async function earningsPage() {
  const started = shell.navigation;
  const answer = await api("GET", "/v1/courier/earnings");
  if (shell.stale(started)) return;
  show(main,
    el("h1", { text: "Earnings" }),
    el("div", { class: "grid" },
      el("p", { class: "card" }, "Today", el("br"), el("strong", { id: "earned-today", class: "big", text: money(answer.today) })),
      el("p", { class: "card" }, "Last 7 days", el("br"), el("strong", { class: "big", text: money(answer.lastSevenDays) }))),
    answer.earnings.length === 0
      ? el("p", { text: "No deliveries yet." })
      : el("table", {},
          el("caption", { class: "sr-label", text: "Latest deliveries" }),
          el("thead", {}, el("tr", {}, ["When", "Ride", "Earned"].map((h) => el("th", { scope: "col", text: h })))),
          el("tbody", {}, answer.earnings.map((e) =>
            el("tr", {},
              el("td", { text: new Date(e.earnedAt).toLocaleString([], { dateStyle: "short", timeStyle: "short" }) }),
              el("td", { text: `${metresText(e.distanceMetres)}${e.bundled ? " (bundled)" : ""}` }),
              el("td", { text: money(e.amount) }))))),
  );
}

shell.start();
