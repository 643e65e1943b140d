// Agent console. Everything a shopper wrote is inserted with textContent, never as HTML.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  let selected = null;
  let me = null;
  let detailTimer = null;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  async function api(method, path, body) {
    const options = { method, headers: { "X-Console": "1" }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch("/api" + path, options);
    if (response.status === 401) { location.href = "/login"; throw new Error("login"); }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  function say(text) { $("status").textContent = text; }

  function minutesSince(iso) {
    return Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 60000));
  }

  function renderQueue(tickets) {
    const filter = $("language-filter").value;
    const list = $("queue");
    list.replaceChildren();
    const shown = tickets.filter((t) => !filter || t.language === filter);
    $("queue-empty").hidden = shown.length > 0;
    for (const t of shown) {
      const item = el("li");
      item.dataset.ticket = t.ticket_id;
      item.setAttribute("role", "listitem");
      item.tabIndex = 0;
      if (t.priority === 1) item.classList.add("urgent");
      if (t.status === "active") item.classList.add("active");
      item.setAttribute("aria-current", String(t.ticket_id === selected));
      const head = el("div");
      head.append(el("span", t.status === "waiting" ? "#" + t.position + " waiting" : "with " + t.agent, "badge"),
        el("span", t.language, "badge"), el("span", t.channel, "badge"),
        el("span", t.intent || t.reason, "badge"),
        el("span", minutesSince(t.created_at) + " min", "badge"));
      item.append(head, el("div", t.summary));
      const open = () => select(t.ticket_id);
      item.addEventListener("click", open);
      item.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
      list.append(item);
    }
  }

  // How sure the bot was of an intent. A tapped button ("/intent{...}") was not guessed at all.
  // Whole percent, except near certainty, where "100 %" would hide 99.5-99.9 %: one decimal,
  // rounded down so that only a certain intent reads 100 %.
  function confidence(intent) {
    if (String(intent.text || "").startsWith("/")) return "button";
    const c = Number(intent.confidence) || 0;
    if (c >= 1) return "100 %";
    if (c >= 0.995) return (Math.floor(c * 1000) / 10).toFixed(1) + " %";
    return Math.min(99, Math.round(c * 100)) + " %";
  }

  function renderDetail(t) {
    $("ticket").hidden = false;
    $("ticket-title").textContent = t.ticket_id + " · " + t.status + (t.agent ? " · " + t.agent : "");
    $("ticket-summary").textContent = t.summary;
    const context = $("context");
    context.replaceChildren();
    const rows = [
      ["Customer", t.customer ? t.customer.first_name + " " + t.customer.last_name + " <" + t.customer.email + ">" : "not logged in"],
      ["Order", t.order_number ? t.order_number + (t.order_verified ? " (verified)" : " (not verified)") : "-"],
      ["Order status", t.order ? t.order.status + " · " + t.order.items + (t.order.carrier ? " · " + t.order.carrier : "") : "-"],
      ["Tracking", t.order && t.order.tracking_url ? t.order.tracking_url : "-"],
      ["Language / channel", t.language + " / " + t.channel],
      ["Reason", t.reason + (t.after_hours ? " (after hours)" : "")],
      ["Follow-up email", t.followup_email || "-"],
      ["Detected intents", (t.intents || []).map((i) => i.intent + " " + confidence(i)).join(", ") || "-"],
      ["Slots", Object.entries(t.slots || {}).map(([k, v]) => k + "=" + v).join(", ") || "-"],
    ];
    for (const [key, value] of rows) context.append(el("dt", key), el("dd", value));
    const transcript = $("transcript");
    const atBottom = transcript.scrollTop + transcript.clientHeight >= transcript.scrollHeight - 5;
    transcript.replaceChildren();
    for (const line of t.transcript) {
      const item = el("li", null, line.sender);
      item.append(el("small", line.sender + " "), document.createTextNode(line.text));
      transcript.append(item);
    }
    if (atBottom) transcript.scrollTop = transcript.scrollHeight;
    const mine = t.status === "active" && me && t.agent === me.username;
    $("claim").hidden = t.status !== "waiting";
    $("owned-actions").hidden = !mine;
    const notes = $("notes");
    notes.replaceChildren();
    for (const n of t.notes) notes.append(el("li", n.author + ": " + n.text));
  }

  async function loadDetail() {
    if (!selected) return;
    try { renderDetail(await api("GET", "/tickets/" + encodeURIComponent(selected))); }
    catch (e) { say(e.message); }
  }

  async function loadCanned() {
    if (!selected) return;
    const language = ($("ticket-title").dataset.language) || "";
    const q = encodeURIComponent($("canned-search").value);
    const data = await api("GET", "/canned?ticket=" + encodeURIComponent(selected) + "&q=" + q +
      (language ? "&language=" + language : ""));
    const list = $("canned");
    list.replaceChildren();
    for (const c of data.canned) {
      const button = el("button", c.title);
      button.type = "button";
      button.title = c.text;
      button.addEventListener("click", () => { $("reply").value = c.text; $("reply").focus(); });
      const item = el("li"); item.append(button); list.append(item);
    }
  }

  async function loadAgents() {
    const data = await api("GET", "/agents");
    const select = $("transfer-to");
    select.replaceChildren(el("option", "back to the queue"));
    select.firstChild.value = "";
    for (const a of data.agents) {
      if (me && a.username === me.username) continue;
      const option = el("option", a.display_name + (a.online ? " (online)" : ""));
      option.value = a.username;
      select.append(option);
    }
  }

  async function select(ticketId) {
    selected = ticketId;
    clearInterval(detailTimer);
    await loadDetail();
    const detail = await api("GET", "/tickets/" + encodeURIComponent(ticketId));
    $("ticket-title").dataset.language = detail.language;
    loadCanned(); loadAgents();
    detailTimer = setInterval(loadDetail, 1500);
    document.querySelectorAll("#queue li").forEach((li) =>
      li.setAttribute("aria-current", String(li.dataset.ticket === ticketId)));
  }

  async function act(path, body, message) {
    try { await api("POST", path, body); say(message); await loadDetail(); }
    catch (e) { say(e.message); }
  }

  $("claim").addEventListener("click", () => act("/tickets/" + selected + "/claim", undefined, "Claimed."));
  $("send").addEventListener("click", async () => {
    const text = $("reply").value.trim();
    if (!text) return;
    await act("/tickets/" + selected + "/reply", { text }, "Sent.");
    $("reply").value = "";
  });
  $("reply").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("send").click();
  });
  $("add-note").addEventListener("click", async () => {
    const text = $("note").value.trim();
    if (!text) return;
    await act("/tickets/" + selected + "/notes", { text }, "Note added.");
    $("note").value = "";
  });
  $("transfer").addEventListener("click", () => act("/tickets/" + selected + "/transfer",
    { agent: $("transfer-to").value || null }, "Transferred."));
  $("resolve").addEventListener("click", () => act("/tickets/" + selected + "/resolve", undefined, "Resolved."));
  $("canned-search").addEventListener("input", () => loadCanned());
  $("next").addEventListener("click", async () => {
    try { const t = await api("POST", "/tickets/next"); select(t.ticket_id); }
    catch (e) { say(e.message); }
  });
  let lastQueue = [];
  $("language-filter").addEventListener("change", () => renderQueue(lastQueue));

  async function start() {
    me = (await api("GET", "/me")).agent; // the header (nav.js) shows who it is
    const data = await api("GET", "/tickets");
    $("online").textContent = data.agents_online + " agent(s) online" + (data.open ? "" : " · outside opening hours");
    lastQueue = data.tickets; renderQueue(lastQueue);
    liveQueue();
  }

  // The live queue. A dropped stream (its console instance stopped) is opened again by the
  // browser and the load balancer sends it to another instance; an error answer (all of them
  // restarting) makes EventSource give up, so the page opens it again a few seconds later.
  function liveQueue() {
    const events = new EventSource("/api/events");
    events.addEventListener("queue", (e) => { lastQueue = JSON.parse(e.data); renderQueue(lastQueue); });
    // The session ended (logged out elsewhere, expired, password changed): back to the login.
    events.addEventListener("logout", () => { events.close(); location.href = "/login"; });
    events.addEventListener("error", () => {
      if (events.readyState === EventSource.CLOSED) setTimeout(liveQueue, 3000);
    });
  }
  start().catch((e) => say(e.message));
})();
