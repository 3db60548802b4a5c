// Kefu console helpers (no build step). Keyboard shortcuts are declared with data-shortcut="key".
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  var tag = (event.target.tagName || "").toLowerCase();
  if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) return;
  var el = document.querySelector('[data-shortcut="' + event.key + '"]');
  if (!el) return;
  event.preventDefault();
  if (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT") { el.focus(); }
  else {
    el.click();
    // a <summary> shortcut opens its <details>: put the cursor in the first field of the form inside
    if (el.tagName === "SUMMARY" && el.parentElement && el.parentElement.open) {
      var field = el.parentElement.querySelector("select, textarea, input:not([type=hidden])");
      if (field) field.focus();
    }
  }
});

// Main menu groups (<details class="navgroup">): one open at a time; a click elsewhere or Escape closes.
(function () {
  function groups() { return document.querySelectorAll("details.navgroup"); }
  document.addEventListener("toggle", function (event) {
    var d = event.target;
    if (!d.classList || !d.classList.contains("navgroup") || !d.open) return;
    groups().forEach(function (other) { if (other !== d) other.open = false; });
  }, true);
  document.addEventListener("click", function (event) {
    groups().forEach(function (d) { if (d.open && !d.contains(event.target)) d.open = false; });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    groups().forEach(function (d) {
      if (d.open) { d.open = false; d.querySelector("summary").focus(); }
    });
  });
})();

// Behaviour that used to sit in inline attributes (the Content-Security-Policy allows no inline script):
// <select data-autosubmit> submits its form when changed (the language menu); <button data-print> prints.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
});
document.addEventListener("click", function (event) {
  var btn = event.target && event.target.closest ? event.target.closest("[data-print]") : null;
  if (!btn) return;
  event.preventDefault();
  window.print();
});
