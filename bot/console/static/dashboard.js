// Support dashboard: KPIs from /api/kpis drawn with Chart.js; all text inserted as text.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const el = (tag, text) => { const n = document.createElement(tag); if (text != null) n.textContent = String(text); return n; };
  const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  const charts = {};
  const pct = (v) => (v == null ? "-" : Math.round(v * 1000) / 10 + " %");
  const secs = (d) => (d && d.median != null ? (d.median < 120 ? d.median + " s" : Math.round(d.median / 60) + " min") : "-");

  function params() {
    const p = new URLSearchParams();
    for (const id of ["since", "until", "language", "channel"]) if ($(id).value) p.set(id, $(id).value);
    return p;
  }

  // A chart without data says so, instead of showing empty axes.
  function noData(id, empty) { $(id + "-empty").hidden = !empty; }

  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart($(id), config);
    window.dashboardCharts = charts; // for the browser test and for debugging
  }

  function bars(id, pairs, label, colour) {
    noData(id, pairs.length === 0);
    draw(id, {
      type: "bar",
      data: { labels: pairs.map((p) => p[0]), datasets: [{ label, data: pairs.map((p) => p[1]), backgroundColor: colour }] },
      options: { indexAxis: "y", maintainAspectRatio: false, plugins: { legend: { display: false } } },
    });
  }

  function heat(matrix) {
    const data = [];
    let max = 1;
    matrix.forEach((hours, d) => hours.forEach((v, h) => { data.push({ x: h, y: DAYS[d], v }); max = Math.max(max, v); }));
    noData("heat", data.every((cell) => !cell.v));
    draw("heat", {
      type: "matrix",
      data: { datasets: [{
        label: "messages", data,
        backgroundColor: (c) => { const v = (c.raw && c.raw.v) || 0; return `rgba(44,111,187,${0.06 + 0.94 * v / max})`; },
        width: ({ chart }) => (chart.chartArea || {}).width / 24 - 2,
        height: ({ chart }) => (chart.chartArea || {}).height / 7 - 2,
      }] },
      options: {
        maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { title: () => "", label: (c) => `${c.raw.y} ${String(c.raw.x).padStart(2, "0")}:00 — ${c.raw.v} messages` } } },
        scales: {
          x: { type: "linear", min: -0.5, max: 23.5, offset: false, grid: { display: false },
               afterBuildTicks: (axis) => { axis.ticks = Array.from({ length: 24 }, (_, h) => ({ value: h })); },
               ticks: { autoSkip: true, maxRotation: 0, callback: (v) => String(v).padStart(2, "0") } },
          y: { type: "category", labels: DAYS, offset: true, reverse: false, grid: { display: false } },
        },
      },
    });
  }

  function trend(rows) {
    noData("trend", !rows.some((r) => r.csat != null || r.nps != null));
    draw("trend", {
      type: "line",
      data: { labels: rows.map((r) => r.period), datasets: [
        { label: "CSAT (1-5)", data: rows.map((r) => r.csat), yAxisID: "csat", borderColor: "#2c6fbb", spanGaps: true },
        { label: "NPS (-100..100)", data: rows.map((r) => r.nps), yAxisID: "nps", borderColor: "#d35400", spanGaps: true },
      ] },
      options: { maintainAspectRatio: false, scales: {
        csat: { type: "linear", position: "left", min: 1, max: 5 },
        nps: { type: "linear", position: "right", min: -100, max: 100, grid: { drawOnChartArea: false } },
      } },
    });
  }

  function table(id, groups) {
    const body = $(id);
    body.replaceChildren();
    for (const [name, g] of Object.entries(groups)) {
      const row = el("tr");
      for (const v of [name, g.conversations, pct(g.solved_by_bot), pct(g.handed_to_person), pct(g.other),
        g.csat == null ? "-" : `${g.csat} (${g.csat_answers})`, g.nps == null ? "-" : `${g.nps} (${g.nps_answers})`]) row.append(el("td", v));
      body.append(row);
    }
  }

  async function load() {
    $("status").textContent = "Loading…";
    $("csv").href = "/api/kpis.csv?" + params();
    const response = await fetch("/api/kpis?" + params(), { credentials: "same-origin" });
    if (response.status === 401) { location.href = "/login"; return; }
    const k = await response.json();
    if (!response.ok) { $("status").textContent = k.error || response.statusText; return; }
    if (!$("since").value) $("since").value = k.filters.since;
    if (!$("until").value) $("until").value = k.filters.until;
    $("k-conversations").textContent = k.conversations;
    $("k-containment").textContent = pct(k.containment);
    $("k-handoff").textContent = pct(k.handoff_rate);
    $("k-repeat").textContent = pct(k.repeat_rate);
    $("k-csat").textContent = k.csat == null ? "-" : `${k.csat} (${k.csat_answers})`;
    $("k-nps").textContent = k.nps == null ? "-" : `${k.nps} (${k.nps_answers})`;
    $("k-first").textContent = `${secs(k.first_response_bot)} / ${secs(k.first_response_human)}`;
    $("k-resolve").textContent = `${secs(k.resolution_bot)} / ${secs(k.resolution_human)}`;
    heat(k.busiest_hours);
    trend(k.trend);
    bars("intents", k.top_intents, "conversations", "#2c6fbb");
    bars("reasons", k.handoff_reasons, "handoffs", "#8e44ad");
    bars("complaints", k.complaint_topics, "complaints", "#c0392b");
    const fix = $("faq-fix");
    fix.replaceChildren();
    for (const f of k.faq_to_fix) {
      const row = el("tr");
      for (const v of [f.faq, f.answered, f.then_handoff, f.low_rating, pct(f.share)]) row.append(el("td", v));
      fix.append(row);
    }
    table("by-language", k.by_language);
    table("by-channel", k.by_channel);
    $("status").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  }

  $("apply").addEventListener("click", () => load().catch((e) => { $("status").textContent = String(e); }));
  load().catch((e) => { $("status").textContent = String(e); });
})();
