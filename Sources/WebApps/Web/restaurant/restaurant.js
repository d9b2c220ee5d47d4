// The restaurant app: the live order board (new orders ring and count down to their accept
// deadline; accept with a preparation time, reject with a reason, preparing, ready, cancel; the
// courier's arrival), today's orders and revenue, the menu editor, opening hours, pause and resume.
import { api, el, show, money, clock, label, toast, formError, ApiError } from "/shared/tiffin.js";
import { Shell, countdown, oneAtATime } from "/shared/shell.js";

const main = document.getElementById("main");
/** The signed-in staff member's restaurant (GET /v1/restaurants/mine), loaded once per sign-in. */
let restaurant = null;

const shell = new Shell({
  role: "staff",
  title: "Tiffin for restaurants",
  routes: [
    [/^#\/menu$/, menuPage, true],
    [/^#\/menu\/items\/([0-9A-Fa-f-]{36})$/, (id) => itemPage({ itemID: id }), true],
    [/^#\/menu\/sections\/([0-9A-Fa-f-]{36})\/new-item$/, (id) => itemPage({ sectionID: id }), true],
    [/^#\/settings$/, settingsPage, true],
    [/^#\/?$/, boardPage, true],
  ],
  links: () => [el("a", { href: "#/" }, "Orders"), el("a", { href: "#/menu" }, "Menu"), el("a", { href: "#/settings" }, "Hours & status")],
  home: () => "#/",
  // A new order is announced by the board itself (a sound, and its own toast).
  onLive: (live) => live.on("notification", (message) => message.notification.kind !== "restaurant_new_order" && toast(message.notification.title)),
  onSignOut: () => {
    restaurant = null;
  },
});

async function mine() {
  if (!restaurant) restaurant = await api("GET", "/v1/restaurants/mine");
  return restaurant;
}

const currency = () => restaurant.minimumOrder.currency;
const digits = (code) => new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits;

/** "12.50" (or "12,50") in major units → 1250 minor units; NaN when it is not an amount in the
 *  restaurant's currency (more decimals than it has, or any in a currency without them). */
function toMinor(text) {
  const places = digits(currency());
  const clean = String(text).trim().replace(",", ".");
  const match = clean.match(/^(-?)(\d+)(?:\.(\d+))?$/);
  if (!match || (match[3] || "").length > places) return NaN;
  const minor = Number(match[2]) * 10 ** places + Number((match[3] || "").padEnd(places, "0") || 0);
  return match[1] ? -minor : minor;
}
const toMajor = (minor) => (minor / 10 ** digits(currency())).toFixed(digits(currency()));

// ---------------------------------------------------------------------------------------------
// The sound of a new order: two short tones, made by WebAudio (no file to fetch). Browsers let a
// page play sound only after the person has used it, so the audio starts with the first click.

let audio = null;
let soundOn = true;
const unlockAudio = () => {
  try {
    audio = audio || new AudioContext();
    if (audio.state === "suspended") audio.resume();
  } catch (_) {
    audio = null;
  }
};
document.addEventListener("pointerdown", unlockAudio);
document.addEventListener("keydown", unlockAudio);

function chime() {
  if (!soundOn || !audio || audio.state !== "running") return;
  const start = audio.currentTime;
  [880, 1318].forEach((frequency, index) => {
    const at = start + index * 0.2;
    const tone = audio.createOscillator();
    const volume = audio.createGain();
    tone.frequency.value = frequency;
    volume.gain.setValueAtTime(0.0001, at);
    volume.gain.exponentialRampToValueAtTime(0.35, at + 0.02);
    volume.gain.exponentialRampToValueAtTime(0.0001, at + 0.18);
    tone.connect(volume).connect(audio.destination);
    tone.start(at);
    tone.stop(at + 0.2);
  });
}

// ---------------------------------------------------------------------------------------------
// The order board

const columns = [
  { id: "new", title: "New: accept or reject", statuses: ["confirmed"] },
  { id: "kitchen", title: "In the kitchen", statuses: ["accepted", "preparing"] },
  { id: "ready", title: "Ready: waiting for the courier", statuses: ["ready"] },
  { id: "away", title: "On the way to the customer", statuses: ["picked_up"] },
];
const ended = ["delivered", "rejected", "cancelled", "expired", "payment_failed"];
const rejectReasons = ["Too busy right now", "An item is not available", "Closing soon", "Cannot deliver to this address"];

async function boardPage() {
  const started = shell.navigation;
  await mine();
  if (shell.stale(started)) return;
  /** id → order on the board */
  const orders = new Map();
  /** order id → the courier's last position message (on the way to us) */
  const couriers = new Map();
  const today = el("p", { id: "today", class: "panel", "aria-live": "polite", tabindex: "-1" });
  const board = el("div", { class: "board" });
  const lists = new Map(columns.map((c) => [c.id, el("ul", { class: "plain stack", id: `column-${c.id}` })]));
  const counts = new Map(columns.map((c) => [c.id, el("span", { class: "badge" })]));
  for (const column of columns) {
    board.append(
      el("section", { class: "column", "aria-labelledby": `h-${column.id}` },
        el("h2", { id: `h-${column.id}` }, `${column.title} `, counts.get(column.id)),
        lists.get(column.id)),
    );
  }

  async function loadToday() {
    try {
      const day = await api("GET", `/v1/restaurants/${restaurant.id}/today`);
      show(today,
        el("strong", { text: "Today: " }),
        `${day.orders} order${day.orders === 1 ? "" : "s"} · ${day.inProgress} in progress · ${day.delivered} delivered`,
        day.notFulfilled ? ` · ${day.notFulfilled} not fulfilled` : "",
        " · revenue ", el("strong", { id: "revenue", text: money(day.revenue) }));
    } catch (error) {
      show(today, `Today's figures are not available: ${error.message}`);
    }
  }

  function columnOf(order) {
    return columns.find((c) => c.statuses.includes(order.status))?.id;
  }

  /** Draws the order's card in its column (replacing the old one), or removes it once it ended. */
  function place(order) {
    const old = document.getElementById(`order-${order.id}`);
    const focused = old?.contains(document.activeElement) ? document.activeElement.id : null;
    const column = columnOf(order);
    if (!column) {
      orders.delete(order.id);
      old?.remove();
      if (focused) document.getElementById("today")?.focus(); // the card left: focus where the count changed
    } else {
      const before = orders.get(order.id);
      orders.set(order.id, order);
      // The same order again (the answer to our own step, then its event): the card stays, so a
      // button being pressed is not swapped under the pointer.
      if (old && before && before.status === order.status && before.updatedAt === order.updatedAt && before.courierAssigned === order.courierAssigned) return;
      const card = orderCard(order);
      if (old && old.parentElement === lists.get(column)) old.replaceWith(card);
      else {
        old?.remove();
        lists.get(column).append(card);
      }
      // Keep the keyboard on the card: the same control if it is still there, else its next step.
      if (focused) (document.getElementById(focused) || card.querySelector("button:not(:disabled), input") || card).focus();
    }
    recount();
  }

  /** The count beside each column's heading, and "None" in an empty column. */
  function recount() {
    for (const c of columns) {
      const n = [...orders.values()].filter((o) => columnOf(o) === c.id).length;
      counts.get(c.id).textContent = String(n);
      const empty = lists.get(c.id).querySelector(".empty");
      if (n === 0 && !empty) lists.get(c.id).append(el("li", { class: "muted empty", text: "None" }));
      if (n > 0) empty?.remove();
    }
  }

  function orderCard(order) {
    const id = order.id;
    const short = id.slice(-6).toUpperCase();
    const run = (path, body, done) => async (event) => {
      event?.preventDefault?.();
      try {
        place(await api("POST", `/v1/orders/${id}/${path}`, { body }));
        if (done) toast(done);
        loadToday();
      } catch (error) {
        toast(error.message, "error");
        if (error instanceof ApiError && error.status === 409) refresh(id); // moved by someone else: show where it is
      }
    };
    const items = el("ul", { class: "order-lines" },
      order.lines.map((l) => el("li", { text: `${l.quantity} × ${l.name}${l.options?.length ? ` (${l.options.map((o) => o.name).join(", ")})` : ""}` })));
    const card = el("li", { class: `card order-card${order.status === "confirmed" ? " highlight" : ""}`, id: `order-${id}`, tabindex: "-1", "aria-labelledby": `title-${id}` },
      el("div", { class: "spread" },
        el("h3", { id: `title-${id}`, text: `Order ${short}` }),
        el("span", { class: "badge" }, label(order.status))),
      el("p", { class: "muted", text: `Placed ${clock(order.placedAt)} · ${money(order.subtotal)} · to ${order.deliveryAddress}` }),
      items,
    );
    if (order.status === "confirmed" && order.acceptDeadline) {
      card.append(el("p", { class: "deadline" }, "Accept within ",
        el("strong", { class: "countdown", dataset: { until: order.acceptDeadline }, text: countdown(order.acceptDeadline) })));
      const accept = el("form", { class: "row", "aria-label": `Accept order ${short}` },
        el("label", { for: `prep-${id}`, class: "inline" }, "Ready in (minutes)"),
        el("input", { id: `prep-${id}`, name: "prepMinutes", type: "number", min: "1", max: "180", required: true, value: String(restaurant.prepMinutes), class: "short" }),
        el("button", { type: "submit", id: `accept-${id}` }, "Accept"));
      accept.addEventListener("submit", (event) => {
        event.preventDefault();
        const minutes = Number(accept.elements.prepMinutes.value);
        if (!Number.isInteger(minutes) || minutes < 1 || minutes > 180) {
          return formError(accept, new ApiError(422, { detail: "Give the minutes until it is ready: 1 to 180.", field: "prepMinutes" }));
        }
        // Left as offered, the server uses the time the kitchen usually takes (learned from its
        // orders); changed, the kitchen's word for this order.
        run("accept", minutes === restaurant.prepMinutes ? {} : { prepMinutes: minutes }, `Order ${short} accepted`)();
      });
      const reject = el("form", { class: "row", "aria-label": `Reject order ${short}` },
        el("label", { for: `reason-${id}`, class: "inline" }, "Reason"),
        el("select", { id: `reason-${id}`, name: "reason" }, rejectReasons.map((r) => el("option", { value: r, text: r }))),
        el("button", { type: "submit", class: "danger", id: `reject-${id}` }, "Reject"));
      reject.addEventListener("submit", (event) => {
        event.preventDefault();
        run("reject", { reason: reject.elements.reason.value }, `Order ${short} rejected`)();
      });
      card.append(accept, reject);
    } else {
      if (order.readyBy && ["accepted", "preparing"].includes(order.status)) card.append(el("p", {}, "Ready by ", el("strong", { text: clock(order.readyBy) })));
      const buttons = el("div", { class: "row" },
        order.status === "accepted" && el("button", { type: "button", id: `preparing-${id}`, onclick: run("preparing", undefined) }, "Start preparing"),
        order.status === "preparing" && el("button", { type: "button", id: `ready-${id}`, onclick: run("ready", undefined, `Order ${short} is ready`) }, "Ready for pickup"),
        ["accepted", "preparing", "ready"].includes(order.status) &&
          el("button", { type: "button", class: "secondary", id: `cancel-${id}`, onclick: () => cancel(order, short) }, "Cannot fulfil…"),
      );
      card.append(courierLine(order), buttons);
    }
    return card;
  }

  function courierLine(order) {
    const line = el("p", { class: "courier-line", id: `courier-${order.id}` });
    if (order.status === "picked_up") return show(line, "Picked up by the courier."), line;
    if (!order.courierAssigned) return show(line, el("span", { class: "muted", text: "Looking for a courier…" })), line;
    const position = couriers.get(order.id);
    if (!position) return show(line, "A courier is assigned."), line;
    const age = Math.max(0, Math.round((Date.now() - Date.parse(position.recordedAt)) / 1000));
    const quiet = position.isStale || age >= (shell.live?.welcome?.staleAfterSeconds ?? 15);
    const arrival = position.estimatedArrival ? Date.parse(position.estimatedArrival) : null;
    const minutes = arrival != null ? Math.max(0, Math.round((arrival - Date.now()) / 60000)) : position.etaSeconds != null ? Math.round(position.etaSeconds / 60) : null;
    show(line,
      minutes != null ? `Courier arrives in about ${minutes} min` : "Courier on the way",
      quiet ? el("span", { class: "badge danger" }, ` last seen ${age} s ago`) : "");
    return line;
  }

  async function cancel(order, short) {
    const reason = prompt(`Why can order ${short} not be fulfilled? The customer is told and refunded.`);
    if (reason === null) return;
    if (!reason.trim()) return toast("A reason is needed to cancel.", "error");
    try {
      place(await api("POST", `/v1/orders/${order.id}/cancel`, { body: { reason: reason.trim() } }));
      toast(`Order ${short} cancelled`);
      loadToday();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async function loadBoard() {
    const answer = await api("GET", `/v1/restaurants/${restaurant.id}/orders?active=true&limit=200`);
    if (shell.stale(started)) return;
    const present = new Set(answer.orders.map((o) => o.id));
    for (const id of [...orders.keys()]) if (!present.has(id)) place({ ...orders.get(id), status: "delivered" });
    for (const order of answer.orders.slice().reverse()) place(order);
    loadToday();
  }

  // Live: every event of our orders re-reads that order; a new one rings. After a (re)connect
  // the subscription is confirmed with "subscribed", and the whole board is read again, so
  // nothing that happened while the connection was down is missed.
  const refresh = oneAtATime(async (id) => {
    const known = orders.get(id);
    const order = await api("GET", `/v1/orders/${id}`);
    if (shell.stale(started) || order.restaurantID !== restaurant.id) return;
    if (!known && order.status === "confirmed") {
      chime();
      toast(`New order ${order.id.slice(-6).toUpperCase()}`);
    }
    place(order);
    if (ended.includes(order.status) || order.status === "confirmed") loadToday();
  });
  const onEvent = (message) => {
    if (!message.orderID) return;
    // Another courier, or none: the last one's position no longer belongs to the order.
    if (message.eventType === "order.courier_assigned" || message.eventType === "order.courier_released") couriers.delete(message.orderID);
    refresh(message.orderID);
  };
  const onPosition = (message) => {
    if (!orders.has(message.orderID)) return;
    couriers.set(message.orderID, message);
    document.getElementById(`courier-${message.orderID}`)?.replaceWith(courierLine(orders.get(message.orderID)));
  };
  const onSubscribed = (message) => {
    if (message.topic === "restaurant") loadBoard().catch((error) => toast(error.message, "error"));
  };
  shell.live.on("event", onEvent);
  shell.live.on("position", onPosition);
  shell.live.on("subscribed", onSubscribed);
  // Countdowns tick every second; an order waiting to be accepted rings again every 20 s.
  let tick = 0;
  const ticker = setInterval(() => {
    for (const node of board.querySelectorAll(".countdown")) node.textContent = countdown(node.dataset.until);
    for (const [id, order] of orders) if (couriers.has(id)) document.getElementById(`courier-${id}`)?.replaceWith(courierLine(order));
    tick += 1;
    if (tick % 20 === 0 && [...orders.values()].some((o) => o.status === "confirmed")) chime();
  }, 1000);
  shell.onLeave(() => {
    clearInterval(ticker);
    shell.live?.off("event", onEvent);
    shell.live?.off("position", onPosition);
    shell.live?.off("subscribed", onSubscribed);
    shell.live?.unsubscribe("restaurant", { type: "unsubscribe", topic: "restaurant", id: restaurant.id });
  });

  const sound = el("button", { type: "button", class: "secondary", id: "sound", "aria-pressed": String(soundOn) }, "Sound for new orders");
  sound.addEventListener("click", () => {
    soundOn = !soundOn;
    sound.setAttribute("aria-pressed", String(soundOn));
    if (soundOn) chime();
  });
  show(
    main,
    el("div", { class: "spread" },
      el("h1", { text: restaurant.name }),
      el("div", { class: "row" }, sound, shell.liveBadge())),
    restaurant.isPaused && el("p", { class: "notice" }, "Paused: customers cannot order now. ", el("a", { href: "#/settings" }, "Resume")),
    today,
    board,
  );
  recount();
  await loadBoard();
  if (shell.stale(started)) return; // left while the board loaded: its cleanup already ran
  shell.live.subscribe("restaurant", { type: "subscribe", topic: "restaurant", id: restaurant.id });
}

// ---------------------------------------------------------------------------------------------
// Menu editor

async function menuPage() {
  const started = shell.navigation;
  await mine();
  const menu = await api("GET", `/v1/restaurants/${restaurant.id}/menu`);
  if (shell.stale(started)) return;
  const base = `/v1/restaurants/${restaurant.id}/menu`;
  const reload = async (focusID) => {
    await shell.route();
    if (focusID) document.getElementById(focusID)?.focus();
  };

  function sectionBlock(section, index) {
    const rename = el("form", { class: "row", "aria-label": `Rename ${section.name}` },
      el("label", { for: `name-${section.id}`, class: "inline" }, "Section name"),
      el("input", { id: `name-${section.id}`, name: "name", value: section.name, required: true, maxlength: "80", class: "medium" }),
      el("button", { type: "submit", class: "secondary" }, "Rename"));
    rename.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await api("PATCH", `${base}/sections/${section.id}`, { body: { name: rename.elements.name.value } });
        toast("Section renamed");
        reload(`name-${section.id}`);
      } catch (error) {
        formError(rename, error);
      }
    });
    const move = (delta) => async () => {
      if (!menu.sections[index + delta]) return;
      // Every section numbered 0…n-1 in the new order (equal or gapped positions cannot swap).
      const order = [...menu.sections];
      [order[index], order[index + delta]] = [order[index + delta], order[index]];
      try {
        for (const [position, s] of order.entries()) {
          if (s.position !== position) await api("PATCH", `${base}/sections/${s.id}`, { body: { position } });
        }
        reload(`${delta < 0 ? "up" : "down"}-${section.id}`);
      } catch (error) {
        toast(error.message, "error");
      }
    };
    return el("section", { class: "card stack", "aria-labelledby": `h-${section.id}` },
      el("div", { class: "spread" },
        el("h2", { id: `h-${section.id}`, text: section.name }),
        el("div", { class: "row" },
          index > 0 && el("button", { type: "button", class: "secondary", id: `up-${section.id}`, "aria-label": `Move ${section.name} up`, onclick: move(-1) }, "↑"),
          index < menu.sections.length - 1 &&
            el("button", { type: "button", class: "secondary", id: `down-${section.id}`, "aria-label": `Move ${section.name} down`, onclick: move(1) }, "↓"),
          el("button", {
            type: "button", class: "danger", "aria-label": `Delete section ${section.name}`,
            onclick: async () => {
              if (!confirm(`Delete the section ${section.name}${section.items.length ? ` and its ${section.items.length} items` : ""}?`)) return;
              try {
                await api("DELETE", `${base}/sections/${section.id}`);
                reload();
              } catch (error) {
                toast(error.message, "error");
              }
            },
          }, "Delete"))),
      rename,
      section.items.length === 0
        ? el("p", { class: "muted", text: "No items yet." })
        : el("table", {},
            el("caption", { class: "sr-label", text: `Items of ${section.name}` }),
            el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Item" }), el("th", { scope: "col", text: "Price" }), el("th", { scope: "col", text: "Sold out" }), el("th", { scope: "col", text: "Edit" }))),
            el("tbody", {}, section.items.map((item) => itemRow(item)))),
      el("p", {}, el("a", { href: `#/menu/sections/${section.id}/new-item`, class: "button secondary" }, `Add an item to ${section.name}`)),
    );
  }

  function itemRow(item) {
    const toggle = el("input", { type: "checkbox", id: `soldout-${item.id}`, checked: item.isSoldOut });
    toggle.addEventListener("change", async () => {
      try {
        const updated = await api("PATCH", `${base}/items/${item.id}`, { body: { isSoldOut: toggle.checked } });
        toast(`${updated.name} is ${updated.isSoldOut ? "sold out" : "available again"}`);
      } catch (error) {
        toggle.checked = !toggle.checked;
        toast(error.message, "error");
      }
    });
    return el("tr", {},
      el("td", {}, el("strong", { text: item.name }), item.optionGroups.length ? el("span", { class: "muted", text: ` · ${item.optionGroups.length} option group${item.optionGroups.length > 1 ? "s" : ""}` }) : ""),
      el("td", { text: money(item.price) }),
      el("td", {}, el("label", { for: `soldout-${item.id}`, class: "choice" }, toggle, el("span", { class: "sr-label", text: `${item.name} sold out` }))),
      el("td", {}, el("a", { href: `#/menu/items/${item.id}`, "aria-label": `Edit ${item.name}` }, "Edit")),
    );
  }

  const add = el("form", { class: "card row", "aria-labelledby": "add-section" },
    el("h2", { id: "add-section", class: "sr-label", text: "Add a section" }),
    el("label", { for: "new-section", class: "inline" }, "New section"),
    el("input", { id: "new-section", name: "name", required: true, maxlength: "80", class: "medium" }),
    el("button", { type: "submit" }, "Add section"));
  add.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const last = Math.max(-1, ...menu.sections.map((s) => s.position));
      await api("POST", `${base}/sections`, { body: { name: add.elements.name.value, position: last + 1 } });
      toast("Section added");
      reload("new-section");
    } catch (error) {
      formError(add, error);
    }
  });
  show(main,
    el("h1", { text: `Menu of ${restaurant.name}` }),
    el("p", { class: "muted", text: "Changes reach customers at once. A sold-out item stays on the menu but cannot be ordered." }),
    el("div", { class: "stack" }, menu.sections.map(sectionBlock)),
    add);
}

/** One item: name, description, price, section, sold out, and its option groups with their options. */
async function itemPage({ itemID, sectionID }) {
  const started = shell.navigation;
  await mine();
  const menu = await api("GET", `/v1/restaurants/${restaurant.id}/menu`);
  if (shell.stale(started)) return;
  const item = itemID ? menu.sections.flatMap((s) => s.items).find((i) => i.id === itemID) : null;
  if (itemID && !item) throw new Error("This item is no longer on the menu.");
  const groups = el("div", { class: "stack", id: "groups" });
  let serial = 0;

  function optionRow(option = {}) {
    const n = (serial += 1);
    return el("div", { class: "row option-row", dataset: { id: option.id || "" } },
      el("div", {}, el("label", { for: `on-${n}` }, "Option"), el("input", { id: `on-${n}`, name: `option-name-${n}`, dataset: { role: "name" }, value: option.name || "", required: true, maxlength: "80" })),
      el("div", {}, el("label", { for: `op-${n}` }, `Extra price (${currency()})`), el("input", { id: `op-${n}`, name: `option-price-${n}`, dataset: { role: "price" }, inputmode: "decimal", value: toMajor(option.priceDelta || 0), class: "short" })),
      el("label", { class: "choice", for: `os-${n}` }, el("input", { type: "checkbox", id: `os-${n}`, dataset: { role: "soldout" }, checked: !!option.isSoldOut }), "Sold out"),
      el("button", { type: "button", class: "secondary", "aria-label": "Remove this option", onclick: (e) => e.target.closest(".option-row").remove() }, "Remove"),
    );
  }

  function groupBlock(group = { name: "", minChoices: 0, maxChoices: 1, options: [{}] }) {
    const n = (serial += 1);
    const options = el("div", { class: "stack options" }, group.options.map(optionRow));
    return el("fieldset", { class: "group", dataset: { id: group.id || "" } },
      el("legend", { text: group.name ? `Option group: ${group.name}` : "New option group" }),
      el("label", { for: `gn-${n}` }, "Group name (e.g. Size, Extras)"),
      el("input", { id: `gn-${n}`, name: "groupName", value: group.name, required: true, maxlength: "80" }),
      el("div", { class: "row" },
        el("div", {}, el("label", { for: `gmin-${n}` }, "Choose at least"), el("input", { id: `gmin-${n}`, name: "minChoices", type: "number", min: "0", value: String(group.minChoices), class: "short" })),
        el("div", {}, el("label", { for: `gmax-${n}` }, "and at most"), el("input", { id: `gmax-${n}`, name: "maxChoices", type: "number", min: "1", value: String(group.maxChoices), class: "short" }))),
      options,
      el("div", { class: "row" },
        el("button", { type: "button", class: "secondary", onclick: () => { const row = optionRow(); options.append(row); row.querySelector("input").focus(); } }, "Add an option"),
        el("button", { type: "button", class: "danger", onclick: (e) => e.target.closest("fieldset.group").remove() }, "Remove this group")),
    );
  }
  for (const group of item?.optionGroups || []) groups.append(groupBlock(group));

  const form = el("form", { class: "card stack", id: "item-form" },
    el("label", { for: "item-name" }, "Name"),
    el("input", { id: "item-name", name: "name", required: true, maxlength: "120", value: item?.name || "" }),
    el("label", { for: "item-description" }, "Description"),
    el("textarea", { id: "item-description", name: "description", maxlength: "1000", rows: "2" }, item?.description || ""),
    el("label", { for: "item-price" }, `Price (${currency()})`),
    el("input", { id: "item-price", name: "price", inputmode: "decimal", required: true, value: item ? toMajor(item.price.amount) : "", class: "short" }),
    el("label", { for: "item-section" }, "Section"),
    el("select", { id: "item-section", name: "sectionID" },
      menu.sections.map((s) => el("option", { value: s.id, selected: s.id === (item?.sectionID || sectionID), text: s.name }))),
    el("label", { class: "choice", for: "item-soldout" }, el("input", { type: "checkbox", id: "item-soldout", name: "isSoldOut", checked: !!item?.isSoldOut }), "Sold out"),
    el("h2", { text: "Option groups" }),
    groups,
    el("button", { type: "button", class: "secondary", onclick: () => { const block = groupBlock(); groups.append(block); block.querySelector("input").focus(); } }, "Add an option group"),
    el("div", { class: "row" }, el("button", { type: "submit", id: "save-item" }, item ? "Save changes" : "Add to the menu"), el("a", { href: "#/menu" }, "Back to the menu")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const price = toMinor(form.elements.price.value);
    if (!Number.isFinite(price) || price < 0) return formError(form, new ApiError(422, { detail: "Give the price as an amount, e.g. 12.50.", field: "price" }));
    const optionGroups = [];
    for (const block of groups.querySelectorAll("fieldset.group")) {
      const options = [];
      for (const row of block.querySelectorAll(".option-row")) {
        const priceInput = row.querySelector("[data-role=price]");
        const delta = toMinor(priceInput.value || "0");
        if (!Number.isFinite(delta)) {
          return formError(form, new ApiError(422, { detail: "An option's extra price is an amount, e.g. 1.50 or 0.", field: priceInput.name }));
        }
        options.push({
          ...(row.dataset.id ? { id: row.dataset.id } : {}),
          name: row.querySelector("[data-role=name]").value,
          priceDelta: delta,
          isSoldOut: row.querySelector("[data-role=soldout]").checked,
        });
      }
      optionGroups.push({
        ...(block.dataset.id ? { id: block.dataset.id } : {}),
        name: block.querySelector("[name=groupName]").value,
        minChoices: Number(block.querySelector("[name=minChoices]").value),
        maxChoices: Number(block.querySelector("[name=maxChoices]").value),
        options,
      });
    }
    const body = {
      name: form.elements.name.value,
      description: form.elements.description.value,
      price,
      sectionID: form.elements.sectionID.value,
      isSoldOut: form.elements.isSoldOut.checked,
      optionGroups,
    };
    try {
      if (item) await api("PATCH", `/v1/restaurants/${restaurant.id}/menu/items/${item.id}`, { body });
      else await api("POST", `/v1/restaurants/${restaurant.id}/menu/items`, { body });
      toast(item ? "Item saved" : "Item added");
      location.hash = "#/menu";
    } catch (error) {
      formError(form, error);
    }
  });
  show(main,
    el("p", {}, el("a", { href: "#/menu" }, "← Menu")),
    el("h1", { text: item ? `Edit ${item.name}` : "A new item" }),
    form,
    item && el("p", {},
      el("button", {
        type: "button", class: "danger",
        onclick: async () => {
          if (!confirm(`Delete ${item.name} from the menu?`)) return;
          try {
            await api("DELETE", `/v1/restaurants/${restaurant.id}/menu/items/${item.id}`);
            toast(`${item.name} deleted`);
            location.hash = "#/menu";
          } catch (error) {
            toast(error.message, "error");
          }
        },
      }, "Delete this item")),
  );
}

// ---------------------------------------------------------------------------------------------
// Hours and status: pause and resume, the usual preparation time, opening hours.

const weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

async function settingsPage() {
  const started = shell.navigation;
  restaurant = await api("GET", "/v1/restaurants/mine");
  if (shell.stale(started)) return;
  const r = restaurant;

  const pause = el("button", {
    type: "button", id: "pause", class: r.isPaused ? "" : "danger",
    onclick: async () => {
      try {
        restaurant = await api("POST", `/v1/restaurants/${r.id}/${r.isPaused ? "resume" : "pause"}`);
        toast(restaurant.isPaused ? "Paused: no new orders" : "Taking orders again");
        await shell.route();
        document.getElementById("pause")?.focus();
      } catch (error) {
        toast(error.message, "error");
      }
    },
  }, r.isPaused ? "Resume taking orders" : "Pause new orders");

  const prep = el("form", { class: "row", "aria-label": "Usual preparation time" },
    el("label", { for: "prep", class: "inline" }, "Usual preparation time (minutes)"),
    el("input", { id: "prep", name: "prepMinutes", type: "number", min: "1", max: "180", value: String(r.prepMinutes), class: "short" }),
    el("button", { type: "submit", class: "secondary" }, "Save"));
  prep.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      restaurant = await api("PATCH", `/v1/restaurants/${r.id}`, { body: { prepMinutes: Number(prep.elements.prepMinutes.value) } });
      toast("Preparation time saved");
    } catch (error) {
      formError(prep, error);
    }
  });

  const rows = el("ul", { class: "plain stack", id: "hours" });
  let serial = 0;
  const time = (id, name, value, text) =>
    el("div", {}, el("label", { for: id }, text),
      el("input", { id, name, value, required: true, inputmode: "numeric", pattern: "[0-2][0-9]:[0-5][0-9]", placeholder: "HH:MM", class: "short", maxlength: "5" }));
  function hoursRow(rule = { weekday: 1, opens: "11:00", closes: "22:00" }) {
    const n = (serial += 1);
    const remove = el("button", { type: "button", class: "secondary", onclick: (e) => e.target.closest("li").remove() }, "Remove");
    const named = (weekday) => remove.setAttribute("aria-label", `Remove this ${weekdays[weekday - 1]} opening`);
    named(rule.weekday);
    return el("li", { class: "row hours-row" },
      el("div", {}, el("label", { for: `wd-${n}` }, "Day"),
        el("select", { id: `wd-${n}`, name: "weekday", class: "day", onchange: (e) => named(Number(e.target.value)) },
          weekdays.map((day, i) => el("option", { value: String(i + 1), selected: rule.weekday === i + 1, text: day })))),
      time(`op-${n}`, "opens", rule.opens, "Opens"),
      time(`cl-${n}`, "closes", rule.closes, "Closes"),
      remove);
  }
  const sorted = [...r.openingHours].sort((a, b) => a.weekday - b.weekday || a.opens.localeCompare(b.opens));
  for (const rule of sorted) rows.append(hoursRow(rule));
  const hours = el("form", { class: "card stack", "aria-labelledby": "hours-title" },
    el("h2", { id: "hours-title", text: `Opening hours (${r.timeZone})` }),
    el("p", { class: "muted", text: "One row per opening, times as HH:MM (24:00 is midnight at the end of the day); a day with none is closed. A closing time earlier than the opening runs past midnight." }),
    rows,
    el("div", { class: "row" },
      el("button", { type: "button", class: "secondary", onclick: () => { const row = hoursRow(); rows.append(row); row.querySelector("select").focus(); } }, "Add opening"),
      el("button", { type: "submit", id: "save-hours" }, "Save hours")));
  hours.addEventListener("submit", async (event) => {
    event.preventDefault();
    const openingHours = [...rows.querySelectorAll("li")].map((row) => ({
      weekday: Number(row.querySelector("[name=weekday]").value),
      opens: row.querySelector("[name=opens]").value.trim(),
      closes: row.querySelector("[name=closes]").value.trim(),
    }));
    try {
      restaurant = await api("PUT", `/v1/restaurants/${r.id}/hours`, { body: { openingHours } });
      toast("Opening hours saved");
    } catch (error) {
      formError(hours, error);
    }
  });

  show(main,
    el("h1", { text: `${r.name}: hours and status` }),
    el("section", { class: "card stack", "aria-labelledby": "status-title" },
      el("h2", { id: "status-title", text: "Taking orders" }),
      el("p", {}, r.isPaused ? el("strong", { class: "field-error", text: "Paused: customers cannot order now." }) : "Open for orders during the hours below."),
      pause,
      prep),
    hours);
}

shell.start();
