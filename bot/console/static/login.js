const params = new URLSearchParams(location.search);
if (params.get("failed")) {
  document.getElementById("failed").hidden = false;
}
const lockedMinutes = parseInt(params.get("locked") || "", 10);
if (lockedMinutes > 0) {
  const locked = document.getElementById("locked");
  locked.textContent = `Too many failed attempts, try again in ${lockedMinutes} ` +
    (lockedMinutes === 1 ? "minute." : "minutes.");
  locked.hidden = false;
}
