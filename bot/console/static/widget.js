/*
 * Northwind chat widget. Embed with one tag:
 *   <script src="https://assistant.example/static/widget.js" data-server="https://rasa.example"
 *           data-language="fi" data-color="#20344c" data-position="right"
 *           data-greeting="Hi! Ask me about your order." data-token="<signed customer token>"></script>
 * Talks to Rasa's socket.io channel; untrusted text is always inserted as text, never as HTML.
 */
(function () {
  "use strict";
  const script = document.currentScript;
  if (typeof window.io === "undefined") {
    const loader = document.createElement("script");
    loader.src = new URL("vendor/socket.io.min.js", script.src).href;
    loader.onload = () => start(script);
    document.head.append(loader);
  } else {
    start(script);
  }

function start(script) {
  const base = new URL(script.src, location.href);
  const config = {
    server: script.dataset.server || base.origin.replace(/:\d+$/, ":5005"),
    language: script.dataset.language || (navigator.language || "en").slice(0, 2),
    color: script.dataset.color || "#20344c",
    position: script.dataset.position === "left" ? "left" : "right",
    greeting: script.dataset.greeting || "",
    token: script.dataset.token || "",
    phone: script.dataset.phone || "+358 9 4242 4242",
    proactiveDelay: Number(script.dataset.proactiveDelay || 0),
    proactivePages: (script.dataset.proactivePages || "/cart,/checkout").split(",").filter(Boolean),
    exitIntent: script.dataset.exitIntent === "true",
    email: script.dataset.email || "support@northwind.example",
  };
  const STORE = "northwind-chat";
  const NUDGE = {
    en: ["Need help? Ask me about sizes, delivery or your order.", "Chat now", "No thanks"],
    fi: ["Tarvitsetko apua? Kysy minulta koosta, toimituksesta tai tilauksestasi.", "Avaa chat", "Ei kiitos"],
    tr: ["Yardım ister misiniz? Beden, teslimat veya siparişiniz hakkında sorabilirsiniz.", "Sohbeti aç", "Hayır, teşekkürler"],
    uk: ["Потрібна допомога? Запитайте про розмір, доставку чи замовлення.", "Відкрити чат", "Ні, дякую"],
    id: ["Butuh bantuan, Kak? Tanya soal ukuran, pengiriman, atau pesanan.", "Chat sekarang", "Tidak, terima kasih"],
    nb: ["Trenger du hjelp? Spør meg om størrelser, levering eller bestillingen din.", "Åpne chat", "Nei takk"],
  };
  const NUDGE_GAP_MS = 10 * 60 * 1000;
  // The conversation (session id and history) is kept in this browser for a limited time only.
  const HISTORY_MS = Number(script.dataset.historyHours || 24) * 60 * 60 * 1000;
  let state = JSON.parse(sessionStorage.getItem(STORE) || localStorage.getItem(STORE) || "{}");
  if (!state.savedAt || Date.now() - state.savedAt > HISTORY_MS) state = {};
  // The session id is issued (and signed) by the assistant in session_confirm.
  state.session = typeof state.session === "string" ? state.session : "";
  state.history = state.history || [];
  state.open = Boolean(state.open);
  state.seen = state.seen || 0;
  const save = () => { state.savedAt = Date.now(); localStorage.setItem(STORE, JSON.stringify(state)); };
  const conversationId = () => (state.session ? "socketio:" + state.session.split(".")[0] : "");

  const el = (tag, attrs, text) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };

  const sheet = el("link", { rel: "stylesheet", href: new URL("widget.css", script.src).href });
  document.head.append(sheet);

  const launch = el("button", { class: "nw-launch", "aria-label": "Open chat", "aria-expanded": "false", type: "button" }, "💬");
  const badge = el("span", { class: "nw-badge", "aria-label": "unread messages" });
  badge.hidden = true;
  launch.append(badge);
  const panel = el("div", { class: "nw-panel", role: "dialog", "aria-label": "Chat with Northwind Outfitters" });
  panel.hidden = true;
  const head = el("div", { class: "nw-head" });
  head.append(el("strong", {}, "Northwind Outfitters"),
    el("a", { href: "tel:" + config.phone.replace(/\s/g, ""), "aria-label": "Call us" }, "☎ " + config.phone),
    el("a", { href: "mailto:" + config.email, "aria-label": "Email us" }, "✉"));
  const close = el("button", { type: "button", "aria-label": "Close chat" }, "×");
  head.append(close);
  const log = el("ol", { class: "nw-log", role: "log", "aria-live": "polite", "aria-label": "Messages" });
  const typing = el("div", { class: "nw-typing", "aria-live": "polite" });
  typing.hidden = true;
  const form = el("form", { class: "nw-form" });
  const input = el("input", { type: "text", "aria-label": "Type your message", autocomplete: "off", maxlength: "2000", placeholder: "Type a message…" });
  const send = el("button", { type: "submit", "aria-label": "Send" }, "➤");
  form.append(input, send);
  panel.append(head, log, typing, form);
  for (const node of [launch, panel]) {
    node.style.setProperty("--nw-color", config.color);  // CSSOM, allowed under a strict CSP
    if (config.position === "left") node.classList.add("nw-left");
  }
  const nudge = el("div", { class: "nw-nudge", role: "dialog", "aria-label": "Chat invitation" });
  nudge.hidden = true;
  const words = NUDGE[config.language] || NUDGE.en;
  const nudgeOpen = el("button", { type: "button", class: "nw-nudge-open" }, words[1]);
  const nudgeClose = el("button", { type: "button", class: "nw-nudge-close", "aria-label": words[2] }, "×");
  nudge.append(el("p", {}, words[0]), nudgeOpen, nudgeClose);
  nudge.style.setProperty("--nw-color", config.color);
  if (config.position === "left") nudge.classList.add("nw-left");
  document.body.append(launch, panel, nudge);

  function time(ts) {
    return new Date(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function render(entry) {
    const item = el("li", { class: "nw-msg " + (entry.from === "user" ? "nw-user" : "nw-bot") });
    if (entry.text) item.append(document.createTextNode(entry.text));
    if (entry.image && /^https?:\/\//.test(entry.image)) item.append(el("img", { src: entry.image, alt: "" }));
    item.append(el("time", { class: "nw-time", datetime: new Date(entry.ts).toISOString() }, time(entry.ts)));
    log.append(item);
    if (entry.buttons && entry.buttons.length && !entry.answered) {
      const row = el("div", { class: "nw-buttons", role: "group", "aria-label": "Quick replies" });
      for (const b of entry.buttons) {
        const button = el("button", { type: "button" }, b.title);
        button.addEventListener("click", () => { entry.answered = true; row.remove(); userSays(b.title, b.payload); });
        row.append(button);
      }
      log.append(row);
    }
    log.scrollTop = log.scrollHeight;
  }

  function add(entry) {
    state.history.push(entry);
    state.history = state.history.slice(-200);
    if (entry.from === "bot" && panel.hidden) { state.seen = state.seen || 0; }
    save();
    render(entry);
    updateBadge();
  }

  function updateBadge() {
    const unread = state.history.filter((e) => e.from === "bot").length - state.seen;
    if (!panel.hidden) { state.seen = state.history.filter((e) => e.from === "bot").length; save(); }
    badge.hidden = panel.hidden ? unread <= 0 : true;
    badge.textContent = String(Math.max(unread, 0));
  }

  function setOpen(open) {
    panel.hidden = !open;
    launch.setAttribute("aria-expanded", String(open));
    state.open = open;
    updateBadge();
    save();
    if (open) input.focus();
  }

  launch.addEventListener("click", () => { nudge.hidden = true; setOpen(panel.hidden); });

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
  nudgeOpen.addEventListener("click", () => { nudge.hidden = true; setOpen(true); });
  nudgeClose.addEventListener("click", () => {
    nudge.hidden = true;
    sessionStorage.setItem(STORE + "-dismissed", "1");
  });
  if (config.proactivePages.some((prefix) => location.pathname.startsWith(prefix))) {
    setTimeout(() => offerHelp("page"), 3000);
  } else if (config.proactiveDelay > 0) {
    setTimeout(() => offerHelp("time"), config.proactiveDelay * 1000);
  }
  if (config.exitIntent) {
    document.addEventListener("mouseout", (e) => {
      if (!e.relatedTarget && e.clientY <= 0) offerHelp("exit");
    });
  }
  close.addEventListener("click", () => { setOpen(false); launch.focus(); });
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") { setOpen(false); launch.focus(); } });

  const socket = io(config.server, { path: "/socket.io", transports: ["websocket", "polling"] });
  const pending = [];
  let ready = false;

  function metadata() {
    const data = { language: config.language };
    if (config.token) data.customer_token = config.token;
    return data;
  }

  function emit(text) {
    const payload = { message: text, session_id: state.session, metadata: metadata() };
    if (ready) socket.emit("user_uttered", payload); else pending.push(payload);
  }

  function userSays(shown, payload) {
    add({ from: "user", text: shown, ts: Date.now() });
    typing.hidden = false;
    typing.textContent = "…";
    emit(payload || shown);
  }

  socket.on("connect", () => socket.emit("session_request", { session_id: state.session }));
  socket.on("session_confirm", (confirmed) => {
    const id = typeof confirmed === "string" ? confirmed : (confirmed && confirmed.session_id) || "";
    if (id && id !== state.session) { state.session = id; save(); }
    if (window.NorthwindChat) {
      window.NorthwindChat.sessionId = conversationId();
      window.NorthwindChat.sessionToken = state.session;
    }
    ready = true;
    while (pending.length) {
      const payload = pending.shift();
      payload.session_id = state.session;
      socket.emit("user_uttered", payload);
    }
  });
  socket.on("bot_uttered", (message) => {
    const pushed = typing.hidden;  // nobody was waiting for an answer: the shop reached out
    typing.hidden = true;
    if (pushed && panel.hidden && !sessionStorage.getItem(STORE + "-dismissed")) setOpen(true);
    add({
      from: "bot", ts: Date.now(), text: message.text || "",
      buttons: (message.quick_replies || message.buttons || []).map((b) => ({ title: String(b.title), payload: String(b.payload) })),
      image: message.attachment && message.attachment.payload ? message.attachment.payload.src : message.image,
    });
  });
  socket.on("disconnect", () => { ready = false; });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    userSays(text);
  });

  for (const entry of state.history) render(entry);
  if (!state.history.length && config.greeting) add({ from: "bot", text: config.greeting, ts: Date.now() });
  setOpen(state.open);

  window.NorthwindChat = {
    // The conversation's id, for the shop's backend events (abandoned cart, delivery).
    sessionId: conversationId(),
    sessionToken: state.session,
    open: () => setOpen(true),
    say: (text) => { setOpen(true); userSays(text); },
    show: (text) => { add({ from: "bot", text, ts: Date.now() }); setOpen(true); },
  };
}
})();
