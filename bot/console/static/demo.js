// The demo shop: products, and for the logged-in demo customer their orders. It embeds the
// chat widget with the signed customer token the shop's backend issued.
(function () {
  "use strict";
  const main = document.getElementById("main");
  const el = (tag, text) => { const n = document.createElement(tag); if (text != null) n.textContent = String(text); return n; };
  async function load() {
    const account = location.pathname.endsWith("/account");
    const cart = location.pathname.endsWith("/cart");
    const data = await (await fetch(account ? "/demo/api/account" : "/demo/api/products")).json();
    if (cart) data.customer_token = null;
    main.replaceChildren();
    if (account) {
      main.append(el("h1", "Hello, " + data.customer.first_name));
      const list = el("ul");
      for (const o of data.orders) {
        const item = el("li", o.order_id + " · " + o.status + " · " + o.items + " ");
        if (o.status === "delivered") {
          const ask = el("button", "Send the delivery event (the assistant asks how it went)");
          ask.className = "delivered";
          ask.addEventListener("click", async () => {
            const sessionId = window.NorthwindChat && window.NorthwindChat.sessionToken;
            const result = await fetch("/demo/api/delivered", { method: "POST",
              headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ session_id: sessionId, order_number: o.order_id }) });
            ask.textContent = result.ok ? "Event sent" : "Event not sent (already followed up?)";
          });
          item.append(ask);
        }
        list.append(item);
      }
      main.append(el("h2", "Your orders"), list);
    } else if (cart) {
      main.append(el("h1", "Your cart"));
      const list = el("ul");
      for (const item of ["Rain jacket (M)", "Wool socks (39-42)"]) list.append(el("li", item));
      const leave = el("button", "Leave the cart (the shop sends an abandoned-cart event)");
      leave.id = "abandon";
      leave.addEventListener("click", async () => {
        const sessionId = window.NorthwindChat && window.NorthwindChat.sessionToken;
        const result = await fetch("/demo/api/abandon", { method: "POST",
          headers: { "Content-Type": "application/json" }, body: JSON.stringify({ session_id: sessionId }) });
        leave.textContent = result.ok ? "Event sent" : "Event not sent";
      });
      main.append(list, leave);
    } else {
      main.append(el("h1", "Outdoor clothing for Nordic weather"));
      const grid = el("div"); grid.className = "grid";
      for (const p of data.products) {
        const card = el("article");
        card.append(el("h3", p.name), el("p", p.price), el("p", "Sizes in stock: " + (p.sizes.join(", ") || "none")));
        grid.append(card);
      }
      main.append(grid);
    }
    const widget = document.createElement("script");
    widget.src = "/static/widget.js";
    widget.dataset.server = data.chat_server;
    widget.dataset.token = data.customer_token || "";
    widget.dataset.language = data.language || "en";
    widget.dataset.greeting = data.greeting || "";
    widget.dataset.proactiveDelay = String(data.proactive_delay || 0);
    widget.dataset.exitIntent = "true";
    document.body.append(widget);
  }
  load().catch((e) => { main.textContent = "The demo shop could not load: " + e.message; });
})();
