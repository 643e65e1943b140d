// Review inbox: every message is inserted as text, never as HTML.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const el = (tag, text) => { const n = document.createElement(tag); if (text != null) n.textContent = String(text); return n; };
  async function api(method, path, body) {
    const options = { method, credentials: "same-origin", headers: { "X-Console": "1" } };
    if (body) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    const response = await fetch(path, options);
    if (response.status === 401) { location.href = "/login"; throw new Error("login"); }
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }
  // No label is chosen beforehand: a default one would be saved by a careless click.
  function canApply() { $("apply").disabled = !$("bulk-label").value; }
  async function loadLabels() {
    const data = await api("GET", "/api/review/labels");
    const none = el("option", "choose the intent…"); none.value = "";
    $("bulk-label").replaceChildren(none);
    for (const label of data.labels) { const o = el("option", label); o.value = label; $("bulk-label").append(o); }
    canApply();
  }
  $("bulk-label").addEventListener("change", canApply);
  async function load() {
    const params = new URLSearchParams();
    for (const id of ["language", "intent", "since", "until"]) if ($(id).value) params.set(id, $(id).value);
    const data = await api("GET", "/api/review?" + params);
    const body = $("items");
    body.replaceChildren();
    for (const item of data.items) {
      const row = el("tr");
      row.dataset.event = item.event_id;
      const box = el("input"); box.type = "checkbox"; box.className = "pick";
      box.setAttribute("aria-label", "Select message");
      const pick = el("td"); pick.append(box);
      const context = el("td");
      const list = el("ul");
      for (const line of item.context) list.append(el("li", line.sender + ": " + line.text));
      context.append(list);
      row.append(pick, el("td", item.text), el("td", (item.predicted || "-") + " " + Math.round(item.confidence * 100) + "%"),
        el("td", item.reason), el("td", item.language), el("td", item.created_at), context);
      body.append(row);
    }
    $("status").textContent = data.items.length + " message(s) to review";
  }
  $("all").addEventListener("change", () => document.querySelectorAll(".pick").forEach((b) => { b.checked = $("all").checked; }));
  $("reload").addEventListener("click", () => load().catch((e) => { $("status").textContent = e.message; }));
  $("apply").addEventListener("click", async () => {
    const ids = [...document.querySelectorAll(".pick:checked")].map((b) => Number(b.closest("tr").dataset.event));
    if (!$("bulk-label").value) return;
    if (!ids.length) { $("status").textContent = "Select the messages to label first."; return; }
    try {
      const result = await api("POST", "/api/review/label", { event_ids: ids, label: $("bulk-label").value });
      $("bulk-label").value = "";
      canApply();
      await load();
      $("status").textContent = "Labelled " + result.labelled + " · " + $("status").textContent;
    } catch (e) { $("status").textContent = e.message; }
  });
  async function showModel() {
    const info = await api("GET", "/api/model");
    let text = "Live model " + (info.model_file || "unknown");
    if (info.trained_at) text = "Live model trained " + new Date(info.trained_at).toLocaleString() + " (" + info.model_file + ")";
    else if (info.newer_model) text += " (a newer model is trained: load it to use it)";
    $("model").textContent = text;
  }
  $("load-model").addEventListener("click", async () => {
    $("model").textContent = "Loading the newest model…";
    try { await api("POST", "/api/model/reload"); await showModel(); }
    catch (e) { $("status").textContent = e.message; }
  });
  showModel().catch((e) => { $("model").textContent = "Live model unknown: " + e.message; });
  loadLabels().then(load).catch((e) => { $("status").textContent = e.message; });
})();
