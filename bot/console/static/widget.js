/*
 * Northwind chat widget. Embed with one tag:
 *   <script src="https://assistant.example/static/widget.js" data-server="https://rasa.example"
 *           data-language="fi" data-color="#20344c" data-position="right"
 *           data-greeting="Hi! Ask me about your order." data-token="<signed customer token>"></script>
 * Talks to Rasa's socket.io channel; untrusted text is always inserted as text, never as HTML.
 * Integrators drive it through window.NorthwindChat (docs/widget.md).
 */
(function () {
  "use strict";
  if (window.NorthwindChat && window.NorthwindChat.loaded) return;  // the tag is on the page twice
  const script = document.currentScript;

  // The API exists as soon as this file has run; calls made before the widget is up wait for it.
  const handlers = {};
  const queued = [];
  let widget = null;
  let readyDetail = null;
  const later = (name) => (...args) => (widget ? widget[name](...args) : void queued.push([name, args]));
  const api = {
    loaded: true,
    // The conversation's id, for the shop's backend events (abandoned cart, delivery).
    sessionId: "",
    // The whole signed session id: the widget's secret.
    sessionToken: "",
    open: later("open"),
    close: later("close"),
    toggle: later("toggle"),
    send: later("send"),
    say: later("send"),
    show: later("show"),
    setCustomerToken: later("setCustomerToken"),
    setLanguage: later("setLanguage"),
    on(name, handler) {
      if (typeof handler !== "function") return api;
      (handlers[name] = handlers[name] || []).push(handler);
      if (name === "ready" && readyDetail) call(handler, readyDetail);  // ready has happened
      return api;
    },
    off(name, handler) {
      handlers[name] = (handlers[name] || []).filter((h) => h !== handler);
      return api;
    },
  };
  window.NorthwindChat = api;

  function call(handler, detail) {
    try { handler(detail); } catch (error) { console.error("NorthwindChat handler failed:", error); }
  }

  function fire(name, detail) {
    if (name === "ready") readyDetail = detail;
    for (const handler of (handlers[name] || []).slice()) call(handler, detail);
  }

// The widget's own words, in the six languages of the assistant. {shop} and {n} are filled in.
const TEXTS = {
  en: {
    dialog: "Chat with {shop}", open: "Open chat", close: "Close chat", messages: "Messages",
    unread: { one: "{n} unread message", other: "{n} unread messages" },
    call: "Call us", email: "Email us", input: "Type your message", placeholder: "Type a message…",
    send: "Send", quickReplies: "Quick replies", typing: "Typing…", you: "You",
    invitation: "Chat invitation", nudge: "Need help? Ask me about sizes, delivery or your order.",
    nudgeOpen: "Chat now", nudgeClose: "No thanks",
  },
  fi: {
    dialog: "Chat – {shop}", open: "Avaa chat", close: "Sulje chat", messages: "Viestit",
    unread: { one: "{n} lukematon viesti", other: "{n} lukematonta viestiä" },
    call: "Soita meille", email: "Lähetä meille sähköpostia", input: "Kirjoita viestisi",
    placeholder: "Kirjoita viesti…", send: "Lähetä", quickReplies: "Pikavastaukset",
    typing: "Kirjoittaa…", you: "Sinä", invitation: "Kutsu chattiin",
    nudge: "Tarvitsetko apua? Kysy minulta koosta, toimituksesta tai tilauksestasi.",
    nudgeOpen: "Avaa chat", nudgeClose: "Ei kiitos",
  },
  tr: {
    dialog: "{shop} ile sohbet", open: "Sohbeti aç", close: "Sohbeti kapat", messages: "Mesajlar",
    unread: { one: "{n} okunmamış mesaj", other: "{n} okunmamış mesaj" },
    call: "Bizi arayın", email: "Bize e-posta gönderin", input: "Mesajınızı yazın",
    placeholder: "Bir mesaj yazın…", send: "Gönder", quickReplies: "Hızlı yanıtlar",
    typing: "Yazıyor…", you: "Siz", invitation: "Sohbet daveti",
    nudge: "Yardım ister misiniz? Beden, teslimat veya siparişiniz hakkında sorabilirsiniz.",
    nudgeOpen: "Sohbeti aç", nudgeClose: "Hayır, teşekkürler",
  },
  uk: {
    dialog: "Чат: {shop}", open: "Відкрити чат", close: "Закрити чат", messages: "Повідомлення",
    unread: {
      one: "{n} непрочитане повідомлення", few: "{n} непрочитані повідомлення",
      many: "{n} непрочитаних повідомлень", other: "{n} непрочитаного повідомлення",
    },
    call: "Зателефонуйте нам", email: "Напишіть нам листа", input: "Введіть повідомлення",
    placeholder: "Напишіть повідомлення…", send: "Надіслати", quickReplies: "Швидкі відповіді",
    typing: "Друкує…", you: "Ви", invitation: "Запрошення до чату",
    nudge: "Потрібна допомога? Запитайте про розмір, доставку чи замовлення.",
    nudgeOpen: "Відкрити чат", nudgeClose: "Ні, дякую",
  },
  id: {
    dialog: "Chat dengan {shop}", open: "Buka chat", close: "Tutup chat", messages: "Pesan",
    unread: { other: "{n} pesan belum dibaca" },
    call: "Telepon kami", email: "Email kami", input: "Tulis pesan Kakak",
    placeholder: "Tulis pesan…", send: "Kirim", quickReplies: "Balasan cepat",
    typing: "Sedang mengetik…", you: "Kakak", invitation: "Undangan chat",
    nudge: "Butuh bantuan, Kak? Tanya soal ukuran, pengiriman, atau pesanan.",
    nudgeOpen: "Chat sekarang", nudgeClose: "Tidak, terima kasih",
  },
  nb: {
    dialog: "Chat med {shop}", open: "Åpne chat", close: "Lukk chat", messages: "Meldinger",
    unread: { one: "{n} ulest melding", other: "{n} uleste meldinger" },
    call: "Ring oss", email: "Send oss e-post", input: "Skriv meldingen din",
    placeholder: "Skriv en melding…", send: "Send", quickReplies: "Hurtigsvar",
    typing: "Skriver…", you: "Du", invitation: "Invitasjon til chat",
    nudge: "Trenger du hjelp? Spør meg om størrelser, levering eller bestillingen din.",
    nudgeOpen: "Åpne chat", nudgeClose: "Nei takk",
  },
};

// Icons are inline SVG, so they show without an emoji font and follow the text colour.
const ICONS = {
  chat: "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z",
  phone: "M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25c1.1.37 2.3.57 3.6.57a1 1 0 0 1 1 1V20a1 1 0 0 1-1 1C10.6 21 3 13.4 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z",
  mail: "M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm0 4v10h16V8l-8 5-8-5zm.5-2 7.5 4.7L19.5 6h-15z",
  close: "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z",
  send: "M2 21l21-9L2 3v7l15 2-15 2v7z",
};
// A bot message that announces a handoff names its ticket (utter_handoff_created, ..._after_hours).
const TICKET = /\bH-[0-9A-F]{8}\b/;
const LINK = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TYPING_MS = 8000;  // no answer by then: a person may own the chat, or the reply got lost
const ANSWER_MS = 60 * 1000;  // bot messages this soon after the shopper wrote answer them
const NUDGE_GAP_MS = 10 * 60 * 1000;

/** "fi-FI" -> "fi"; Norwegian ("no", "nn") -> "nb". */
function languageCode(tag) {
  const code = String(tag || "").trim().toLowerCase().split(/[-_]/)[0];
  return code === "no" || code === "nn" ? "nb" : code;
}

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function icon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  for (const [k, v] of Object.entries({ viewBox: "0 0 24 24", width: "24", height: "24",
    "aria-hidden": "true", focusable: "false", class: "nw-icon" })) svg.setAttribute(k, v);
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", ICONS[name]);
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

/** The text with its http(s) links as anchors that open in a new tab; everything is a text node. */
function linkify(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    let candidate = match[0];
    // Sentence punctuation after a link, and a bracket the link did not open, are not part of it.
    for (;;) {
      const trimmed = candidate.replace(/[.,;:!?]+$/, "");
      const opened = (trimmed.match(/\(/g) || []).length;
      const closed = (trimmed.match(/\)/g) || []).length;
      candidate = trimmed.endsWith(")") && closed > opened ? trimmed.slice(0, -1) : trimmed;
      if (candidate === trimmed) break;
    }
    let url;
    try { url = new URL(candidate); } catch (error) { continue; }
    if (url.protocol !== "http:" && url.protocol !== "https:") continue;
    fragment.append(document.createTextNode(text.slice(last, match.index)));
    fragment.append(el("a", { href: url.href, target: "_blank", rel: "noopener noreferrer" }, candidate));
    last = match.index + candidate.length;
  }
  fragment.append(document.createTextNode(text.slice(last)));
  return fragment;
}

/** Whether help is offered on this page: its path is a configured path, lies below one, or ends
 * with one (a shop under a prefix, e.g. /demo/cart or /fi/cart for "/cart"). */
function matchesPage(pathname, paths) {
  const path = pathname.replace(/\/+$/, "") || "/";
  return paths.some((configured) => {
    const p = configured.trim().replace(/\/+$/, "");
    if (!p) return false;
    return path === p || path.startsWith(p + "/") || (p.startsWith("/") && path.endsWith(p));
  });
}

function readConfig(script) {
  const base = new URL(script.src, location.href);
  const data = script.dataset;
  return {
    server: data.server || base.origin.replace(/:\d+$/, ":5005"),
    language: languageCode(data.language || document.documentElement.lang || navigator.language) || "en",
    color: data.color || "#20344c",
    position: data.position === "left" ? "left" : "right",
    greeting: data.greeting || "",
    token: data.token || "",
    shopName: data.shopName || "Northwind Outfitters",
    phone: data.phone || "+358 9 4242 4242",
    email: data.email || "support@northwind.example",
    proactiveDelay: Number(data.proactiveDelay || 0),
    proactivePages: (data.proactivePages || "/cart,/checkout").split(",").filter(Boolean),
    exitIntent: data.exitIntent === "true",
    // The conversation (session id and history) is kept in this browser for a limited time only.
    historyMs: Number(data.historyHours || 24) * 60 * 60 * 1000,
  };
}

/** The stored conversation, if it is recent enough. */
function loadState(store, historyMs) {
  let state = JSON.parse(sessionStorage.getItem(store) || localStorage.getItem(store) || "{}");
  if (!state.savedAt || Date.now() - state.savedAt > historyMs) state = {};
  // The session id is issued (and signed) by the assistant in session_confirm.
  state.session = typeof state.session === "string" ? state.session : "";
  state.history = state.history || [];
  state.open = Boolean(state.open);
  state.seen = state.seen || 0;
  // Quick replies are for the newest message only; older ones (also from before this version,
  // which kept them) stay visible but can no longer be pressed.
  state.history.forEach((entry, i) => {
    if (entry.buttons && (entry.answered || i < state.history.length - 1)) entry.closed = true;
  });
  return state;
}

/** The launcher, the chat panel and the invitation, added to the page; texts come later. */
function buildElements(config) {
  const ui = {};
  ui.launch = el("button", { class: "nw-launch", "aria-expanded": "false", type: "button" });
  ui.badge = el("span", { class: "nw-badge", "aria-hidden": "true" });
  ui.badge.hidden = true;
  ui.launch.append(icon("chat"), ui.badge);

  ui.panel = el("div", { class: "nw-panel", role: "dialog" });
  ui.panel.hidden = true;
  const head = el("div", { class: "nw-head" });
  const title = el("strong", { class: "nw-title" }, config.shopName);
  ui.phone = el("a", { class: "nw-phone", href: "tel:" + config.phone.replace(/[^\d+]/g, "") });
  ui.phoneLabel = el("span", { class: "nw-sr" });
  ui.phone.append(icon("phone"), ui.phoneLabel, el("span", { class: "nw-phone-number" }, config.phone));
  ui.email = el("a", { class: "nw-email", href: "mailto:" + config.email, title: config.email });
  ui.email.append(icon("mail"));
  ui.close = el("button", { type: "button", class: "nw-close" });
  ui.close.append(icon("close"));
  const contact = el("div", { class: "nw-contact" });
  contact.append(ui.phone, ui.email);
  head.append(title, contact, ui.close);
  // role="log" on the <ol> would remove its list semantics: the log is a wrapper around it.
  ui.log = el("div", { class: "nw-log", role: "log", "aria-live": "polite", tabindex: "0" });
  ui.list = el("ol", { class: "nw-list" });
  ui.log.append(ui.list);
  ui.typing = el("div", { class: "nw-typing", role: "status" });
  ui.typingLabel = el("span", { class: "nw-sr" });
  ui.typing.append(el("span", { class: "nw-dots", "aria-hidden": "true" }, "…"), ui.typingLabel);
  ui.typing.hidden = true;
  ui.form = el("form", { class: "nw-form" });
  ui.input = el("input", { type: "text", autocomplete: "off", maxlength: "2000" });
  ui.send = el("button", { type: "submit" });
  ui.send.append(icon("send"));
  ui.form.append(ui.input, ui.send);
  ui.panel.append(head, ui.log, ui.typing, ui.form);

  ui.nudge = el("div", { class: "nw-nudge", role: "dialog" });
  ui.nudge.hidden = true;
  ui.nudgeText = el("p");
  ui.nudgeOpen = el("button", { type: "button", class: "nw-nudge-open" });
  ui.nudgeClose = el("button", { type: "button", class: "nw-nudge-close" });
  ui.nudgeClose.append(icon("close"));
  ui.nudge.append(ui.nudgeText, ui.nudgeOpen, ui.nudgeClose);
  // Room at the end of the page, so that its last buttons can scroll clear of the launcher.
  const spacer = el("div", { class: "nw-spacer", "aria-hidden": "true" });

  for (const node of [ui.launch, ui.panel, ui.nudge]) {
    node.style.setProperty("--nw-color", config.color);  // CSSOM, allowed under a strict CSP
    if (config.position === "left") node.classList.add("nw-left");
  }
  document.body.append(spacer, ui.launch, ui.panel, ui.nudge);
  return ui;
}

/** A bot_uttered message as a history entry, and the handoff marker of its metadata if any. */
function botMessage(message) {
  message = message && typeof message === "object" ? message : {};
  // Rasa merges a bot event's metadata (an agent's name) into the message; a channel may also
  // pass it under "metadata".
  const meta = message.metadata && typeof message.metadata === "object" ? message.metadata : message;
  const agent = typeof meta.agent === "string" ? meta.agent.trim().slice(0, 80) : "";
  const entry = {
    from: "bot", ts: Date.now(), text: typeof message.text === "string" ? message.text : "",
    buttons: (message.quick_replies || message.buttons || [])
      .map((b) => ({ title: String(b.title), payload: String(b.payload) })),
    image: message.attachment && message.attachment.payload ? message.attachment.payload.src : message.image,
  };
  if (agent) entry.agent = agent;
  return { entry, handoff: meta.handoff || null };
}

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (m, key) => (key in values ? values[key] : m));
}

/** The widget's fixed words and labels in its language (the messages are rendered apart). */
function labelElements(ui, t, config) {
  for (const node of [ui.launch, ui.panel, ui.nudge]) node.setAttribute("lang", config.language);
  ui.panel.setAttribute("aria-label", fill(t.dialog, { shop: config.shopName }));
  ui.phoneLabel.textContent = t.call + " ";
  ui.email.setAttribute("aria-label", t.email);
  ui.close.setAttribute("aria-label", t.close);
  ui.log.setAttribute("aria-label", t.messages);
  ui.typingLabel.textContent = t.typing;
  ui.input.setAttribute("aria-label", t.input);
  ui.input.setAttribute("placeholder", t.placeholder);
  ui.send.setAttribute("aria-label", t.send);
  ui.nudge.setAttribute("aria-label", t.invitation);
  ui.nudgeText.textContent = t.nudge;
  ui.nudgeOpen.textContent = t.nudgeOpen;
  ui.nudgeClose.setAttribute("aria-label", t.nudgeClose);
}

function start(script) {
  const config = readConfig(script);
  let t = TEXTS[config.language] || TEXTS.en;
  const STORE = "northwind-chat";
  const state = loadState(STORE, config.historyMs);
  const save = () => { state.savedAt = Date.now(); localStorage.setItem(STORE, JSON.stringify(state)); };
  const conversationId = () => (state.session ? "socketio:" + state.session.split(".")[0] : "");

  document.head.append(el("link", { rel: "stylesheet", href: new URL("widget.css", script.src).href }));
  const ui = buildElements(config);
  const { launch, badge, panel, close, log, list, typing, form, input, nudge, nudgeOpen, nudgeClose } = ui;

  /** Every text of the widget in the widget's language. */
  function applyTexts() {
    labelElements(ui, t, config);
    list.replaceChildren();
    for (const entry of state.history) render(entry);
    updateBadge();
  }

  function time(ts) {
    return new Date(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function render(entry) {
    const fromBot = entry.from !== "user";
    const item = el("li", { class: "nw-msg " + (fromBot ? "nw-bot" : "nw-user") + (entry.agent ? " nw-agent" : "") });
    if (entry.agent) item.append(el("span", { class: "nw-from" }, entry.agent), el("span", { class: "nw-sr" }, ": "));
    else item.append(el("span", { class: "nw-sr" }, (fromBot ? config.shopName : t.you) + ": "));
    if (entry.text) item.append(fromBot ? linkify(entry.text) : document.createTextNode(entry.text));
    if (entry.image && /^https?:\/\//.test(entry.image)) item.append(el("img", { src: entry.image, alt: "" }));
    item.append(el("time", { class: "nw-time", datetime: new Date(entry.ts).toISOString() }, time(entry.ts)));
    if (entry.buttons && entry.buttons.length) {
      const row = el("div", { class: "nw-buttons", role: "group", "aria-label": t.quickReplies });
      for (const b of entry.buttons) {
        const button = el("button", { type: "button" }, b.title);
        if (entry.closed) button.disabled = true;
        if (entry.chosen === b.payload) button.classList.add("nw-chosen");
        button.addEventListener("click", () => {
          if (entry.closed) return;
          entry.chosen = b.payload;
          button.classList.add("nw-chosen");
          userSays(b.title, b.payload);
        });
        row.append(button);
      }
      item.append(row);
    }
    list.append(item);
    log.scrollTop = log.scrollHeight;
  }

  /** Anything new in the conversation ends the quick replies offered before it. */
  function closeButtons() {
    for (const entry of state.history) if (entry.buttons && entry.buttons.length) entry.closed = true;
    for (const button of list.querySelectorAll(".nw-buttons button")) button.disabled = true;
  }

  function add(entry) {
    closeButtons();
    state.history.push(entry);
    state.history = state.history.slice(-200);
    save();
    render(entry);
    updateBadge();
  }

  function updateBadge() {
    const fromBot = state.history.filter((e) => e.from !== "user").length;
    if (!panel.hidden) { state.seen = fromBot; save(); }
    const unread = panel.hidden ? Math.max(fromBot - state.seen, 0) : 0;
    badge.hidden = unread <= 0;
    badge.textContent = String(unread);
    let label = panel.hidden ? t.open : t.close;
    if (unread > 0) {
      let plural = "other";
      try { plural = new Intl.PluralRules(config.language).select(unread); } catch (error) { /* unknown language */ }
      label += ", " + fill(t.unread[plural] || t.unread.other, { n: unread });
    }
    launch.setAttribute("aria-label", label);
  }

  function setOpen(open) {
    const changed = open === panel.hidden;
    panel.hidden = !open;
    launch.setAttribute("aria-expanded", String(open));
    document.documentElement.classList.toggle("nw-chat-open", open);
    state.open = open;
    updateBadge();
    save();
    if (open) { nudge.hidden = true; input.focus(); }
    if (changed) fire(open ? "opened" : "closed", {});
  }

  function closePanel() {
    setOpen(false);
    launch.focus();
  }

  launch.addEventListener("click", () => setOpen(panel.hidden));
  close.addEventListener("click", closePanel);
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") closePanel(); });

  // Proactive help: after a while on a page, on cart/checkout pages, or on exit intent;
  // at most once per 10 minutes, and never again in this session once dismissed.
  function offerHelp(reason) {
    const now = Date.now();
    if (!panel.hidden || sessionStorage.getItem(STORE + "-dismissed")) return;
    if (now - Number(sessionStorage.getItem(STORE + "-nudged") || 0) < NUDGE_GAP_MS) return;
    sessionStorage.setItem(STORE + "-nudged", String(now));
    nudge.dataset.reason = reason;
    nudge.hidden = false;
  }
  function setUpProactiveHelp() {
    nudgeOpen.addEventListener("click", () => { nudge.hidden = true; setOpen(true); });
    nudgeClose.addEventListener("click", () => {
      nudge.hidden = true;
      sessionStorage.setItem(STORE + "-dismissed", "1");
    });
    if (matchesPage(location.pathname, config.proactivePages)) {
      setTimeout(() => offerHelp("page"), 3000);
    } else if (config.proactiveDelay > 0) {
      setTimeout(() => offerHelp("time"), config.proactiveDelay * 1000);
    }
    if (config.exitIntent) {
      document.addEventListener("mouseout", (e) => {
        if (!e.relatedTarget && e.clientY <= 0) offerHelp("exit");
      });
    }
  }
  setUpProactiveHelp();

  // The typing indicator: shown while the bot works on an answer, never for long. A person
  // who owns the chat answers when they answer (and Rasa sends nothing meanwhile).
  let typingTimer = 0;
  function showTyping() {
    if (state.agent) return;
    typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_MS);
  }
  function hideTyping() {
    clearTimeout(typingTimer);
    typing.hidden = true;
  }

  const socket = io(config.server, { path: "/socket.io", transports: ["websocket", "polling"] });
  const pending = [];
  let ready = false;
  let lastUserAt = 0;
  const announced = new Set();

  function metadata() {
    const meta = { language: config.language };
    if (config.token) meta.customer_token = config.token;
    return meta;
  }

  function emit(text) {
    const payload = { message: text, session_id: state.session, metadata: metadata() };
    if (ready) socket.emit("user_uttered", payload); else pending.push(payload);
  }

  function userSays(shown, payload) {
    const text = String(shown || "").trim();
    if (!text) return;
    add({ from: "user", text, ts: Date.now() });
    lastUserAt = Date.now();
    showTyping();
    emit(payload || text);
  }

  socket.on("connect", () => socket.emit("session_request", { session_id: state.session }));
  socket.on("session_confirm", (confirmed) => {
    const id = typeof confirmed === "string" ? confirmed : (confirmed && confirmed.session_id) || "";
    if (id && id !== state.session) { state.session = id; save(); }
    api.sessionId = conversationId();
    api.sessionToken = state.session;
    const first = !ready && !readyDetail;
    ready = true;
    while (pending.length) {
      const payload = pending.shift();
      payload.session_id = state.session;
      socket.emit("user_uttered", payload);
    }
    if (first) fire("ready", { sessionId: api.sessionId });
  });
  socket.on("bot_uttered", (message) => {
    const { entry, handoff } = botMessage(message);
    const answer = Date.now() - lastUserAt < ANSWER_MS;
    hideTyping();
    state.agent = entry.agent || "";
    // Nobody was waiting for an answer: the shop reached out, or a person answered later.
    if (!answer && panel.hidden && !sessionStorage.getItem(STORE + "-dismissed")) setOpen(true);
    add(entry);
    fire("message", { text: entry.text, agent: entry.agent || null, buttons: entry.buttons, image: entry.image || null });
    const ticket = (entry.text.match(TICKET) || [])[0];
    const key = handoff ? String(ticket || handoff) : (answer && ticket);
    if (key && !announced.has(key)) {
      announced.add(key);
      fire("handoff", { ticket: ticket || null, text: entry.text });
    }
  });
  socket.on("disconnect", () => { ready = false; });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    userSays(text);
  });

  applyTexts();
  if (!state.history.length && config.greeting) add({ from: "bot", text: config.greeting, ts: Date.now() });
  setOpen(state.open);

  widget = {
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(panel.hidden),
    send: (text) => { setOpen(true); userSays(text); },
    show: (text) => { add({ from: "bot", text: String(text), ts: Date.now() }); setOpen(true); },
    setCustomerToken: (token) => { config.token = token ? String(token) : ""; },
    setLanguage: (language) => {
      config.language = languageCode(language) || "en";
      t = TEXTS[config.language] || TEXTS.en;
      applyTexts();
    },
  };
  api.sessionId = conversationId();
  api.sessionToken = state.session;
  while (queued.length) {
    const [name, args] = queued.shift();
    widget[name](...args);
  }
}

  // Started last: the widget needs the constants above.
  if (typeof window.io === "undefined") {
    const loader = document.createElement("script");
    loader.src = new URL("vendor/socket.io.min.js", script.src).href;
    loader.onload = () => start(script);
    document.head.append(loader);
  } else {
    start(script);
  }
})();
