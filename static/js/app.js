// The project's little script (the content security policy allows only scripts served from here).
document.addEventListener("click", (event) => {
  // A print button: <button data-print>.
  if (event.target.closest("[data-print]")) {
    window.print();
    return;
  }
  // A button that asks before it acts: <button data-confirm="Question?">.
  const asking = event.target.closest("[data-confirm]");
  if (asking && !window.confirm(asking.dataset.confirm)) {
    event.preventDefault();
  }
});
// The header search's results close on Escape and go back to the box.
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    const results = document.getElementById("header-results");
    if (results && results.contains(document.activeElement) || document.activeElement?.id === "header-q") {
      results.innerHTML = "";
      document.getElementById("header-q").focus();
    }
  }
});
// A table wider than the screen scrolls inside its box: the box then takes keyboard focus (so it can be
// scrolled with the arrow keys) and is named after its table's heading, as a region.
function markScrollingTables() {
  const used = new Map();
  for (const box of document.querySelectorAll(".table-responsive")) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      // Its own name (data-region-label), else its section's heading; two regions never share a name.
      const heading = box.closest("section, .card-body, main")?.querySelector("h1, h2, h3");
      let name = box.dataset.regionLabel || (heading ? heading.textContent.trim() : "");
      const seen = (used.get(name) || 0) + 1;
      used.set(name, seen);
      if (seen > 1) name += ` (${seen})`;
      box.setAttribute("aria-label", (name ? name + ": " : "") + "table, scrolls sideways");
    } else if (box.getAttribute("role") === "region") {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }
}
document.addEventListener("DOMContentLoaded", markScrollingTables);
window.addEventListener("resize", markScrollingTables);
document.addEventListener("htmx:afterSwap", markScrollingTables);
// A form that failed comes back with its error summary focused, so a screen reader reads the problems first.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelector("[data-error-summary]")?.focus();
});
// A contributor's part is kept as a draft as they write: two seconds after they stop typing, the form is
// sent with action=draft; the line under the form says when it was saved. Each save keeps the session.
function autosave(form) {
  const status = form.querySelector("[data-autosave-status]");
  let timer = null;
  let sending = false;
  async function save() {
    if (sending) { timer = setTimeout(save, 1000); return; }
    sending = true;
    const body = new FormData(form);
    body.set("action", "draft");
    try {
      // Not form.action: the form has buttons named "action", which that property would return.
      const response = await fetch(form.getAttribute("action") || window.location.href, {
        method: "POST", body, headers: { "X-Autosave": "1" }, credentials: "same-origin",
      });
      const plain = (response.headers.get("Content-Type") || "").startsWith("text/plain");
      if (response.ok && plain) {
        status.textContent = await response.text();
        // A save keeps the session going, unless the answer says it had already ended.
        if (!response.headers.get("X-Session-Ended")) document.dispatchEvent(new Event("cwsw:session-kept"));
      } else {
        status.textContent = "Not saved just now. Keep this page open; it will try again as you type.";
      }
    } catch (error) {
      status.textContent = "Not saved just now (no connection). Keep this page open; it will try again as you type.";
    } finally {
      sending = false;
    }
  }
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(save, 2000);
  });
}
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-autosave]").forEach(autosave);
});
// Before a session ends for want of a request, a dialog offers to stay signed in (the GOV.UK timeout
// warning). The session ends idle seconds after it was last saved, which is at most slack seconds before
// the page loaded; the dialog shows warn seconds before that, counts down, and says when it has ended.
function sessionWarning(dialog) {
  const idle = Number(dialog.dataset.idleSeconds);
  const warn = Number(dialog.dataset.warnSeconds);
  const slack = Number(dialog.dataset.slackSeconds);
  const left = dialog.querySelector("[data-session-left]");
  const leftWords = dialog.querySelector("[data-session-left-words]");
  const stay = dialog.querySelector("form[data-session-stay]");
  let showTimer = null;
  let tick = null;
  function words(seconds) {
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60);
      return `${minutes} minute${minutes === 1 ? "" : "s"}`;
    }
    return `${seconds} second${seconds === 1 ? "" : "s"}`;
  }
  function ended() {
    clearInterval(tick);
    dialog.querySelector("[data-session-title]").textContent = "You have been signed out";
    dialog.querySelector("[data-session-open]").hidden = true;
    dialog.querySelector("[data-session-ended]").hidden = false;
    stay.hidden = true;
    const signIn = dialog.querySelector("[data-session-signin]");
    if (signIn) signIn.hidden = false;
  }
  function show(endsAt) {
    let spoken = "";
    const update = () => {
      const seconds = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      left.textContent = words(seconds);
      // Screen readers hear the time left each minute (and the last half-minute), not every second.
      const said = seconds > 30 ? words(Math.ceil(seconds / 60) * 60) : (seconds > 0 ? "less than 30 seconds" : "");
      if (said !== spoken) { leftWords.textContent = said; spoken = said; }
      if (seconds === 0) ended();
    };
    update();
    tick = setInterval(update, 1000);
    if (!dialog.open) dialog.showModal();
  }
  function start() {
    clearTimeout(showTimer);
    clearInterval(tick);
    const endsAt = Date.now() + (idle - slack) * 1000;
    showTimer = setTimeout(() => show(endsAt), Math.max(0, idle - slack - warn) * 1000);
  }
  stay.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const response = await fetch(stay.getAttribute("action"), { method: "POST", body: new FormData(stay), credentials: "same-origin" });
      if (response.status === 204) {
        dialog.close();
        start();
        return;
      }
    } catch (error) { /* no connection: say it has ended only when it has */ return; }
    ended();
  });
  // Escape closes the warning as "Stay signed in" does.
  dialog.addEventListener("cancel", (event) => { event.preventDefault(); stay.requestSubmit(); });
  document.addEventListener("cwsw:session-kept", start);
  start();
}
document.addEventListener("DOMContentLoaded", () => {
  const dialog = document.getElementById("session-warning");
  if (dialog) sessionWarning(dialog);
});

// A part of a form shown only for some answers to another field (data-show-if names the field, data-show-values
// the answers, comma separated; "" is an empty answer). Without JavaScript every part is shown.
function showIfAnswered(form) {
  const parts = form.querySelectorAll("[data-show-if]");
  function update() {
    parts.forEach((part) => {
      const field = form.elements[part.dataset.showIf];
      const wanted = part.dataset.showValues.split(",");
      part.hidden = field !== undefined && !wanted.includes(field.value);
      // A hidden part sends nothing, so a value typed before the answer changed is not saved with it.
      part.querySelectorAll("input, select, textarea").forEach((input) => { input.disabled = part.hidden; });
    });
  }
  form.addEventListener("change", update);
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form").forEach((form) => {
    if (form.querySelector("[data-show-if]")) showIfAnswered(form);
  });
});
