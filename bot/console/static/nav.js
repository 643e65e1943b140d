// The header's page links: only those the signed-in agent's role may open (GET /api/me).
// Each page marks its own link with aria-current="page" in its HTML.
(function () {
  "use strict";
  const nav = document.getElementById("pages");
  if (!nav) return;
  fetch("/api/me", { credentials: "same-origin", headers: { "X-Console": "1" } })
    .then((response) => (response.ok ? response.json() : Promise.reject(new Error(response.statusText))))
    .then((data) => {
      const role = data.agent.role;
      for (const link of nav.querySelectorAll("a[data-roles]")) {
        link.closest("li").hidden = !link.dataset.roles.split(" ").includes(role);
      }
      const me = document.getElementById("me");
      if (me) me.textContent = data.agent.display_name + " (" + role + ")";
    })
    .catch(() => {}); // the page itself sends a signed-out agent to the login
})();
