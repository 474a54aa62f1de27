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
  for (const box of document.querySelectorAll(".table-responsive")) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      const heading = box.closest("section, .card-body, main")?.querySelector("h1, h2, h3");
      box.setAttribute("aria-label", (heading ? heading.textContent.trim() + ": " : "") + "table, scrolls sideways");
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
