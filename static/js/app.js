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
