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

// The order page's action bar: <a href="#section" data-jump="field-id" [data-jump-value="v"]> opens the
// section (a closed <details> too), scrolls it under the bar, puts the cursor in the field and, with
// data-jump-value, chooses that value of a <select> (the "Resolve" action). Without script the link
// still jumps to the section.
document.addEventListener("click", function (event) {
  var link = event.target && event.target.closest ? event.target.closest("a[data-jump]") : null;
  if (!link) return;
  var section = document.getElementById((link.getAttribute("href") || "").replace(/^#/, ""));
  var field = document.getElementById(link.getAttribute("data-jump"));
  if (!section) return;
  event.preventDefault();
  for (var el = field || section; el; el = el.parentElement) {
    if (el.tagName === "DETAILS") el.open = true;
  }
  var value = link.getAttribute("data-jump-value");
  if (field && value !== null && field.tagName === "SELECT") {
    for (var i = 0; i < field.options.length; i++) {
      if (field.options[i].value === value) {
        field.value = value;
        field.dispatchEvent(new Event("change", { bubbles: true }));
        break;
      }
    }
  }
  section.scrollIntoView({ block: "start" });
  if (field) field.focus({ preventScroll: true });
});

// <input data-filter-options="select-id">: shows only the options of that <select> whose text contains
// what was typed (the transfer targets: 150+ colleagues); the chosen option always stays.
document.addEventListener("input", function (event) {
  var input = event.target;
  if (!input || !input.matches || !input.matches("input[data-filter-options]")) return;
  var select = document.getElementById(input.getAttribute("data-filter-options"));
  if (!select) return;
  var q = input.value.trim().toLowerCase();
  for (var i = 0; i < select.options.length; i++) {
    var opt = select.options[i];
    opt.hidden = q !== "" && opt.value !== "" && !opt.selected && opt.text.toLowerCase().indexOf(q) < 0;
  }
});

// A list that arrives after its form was opened (the transfer targets load when the transfer form opens):
// what was already typed in its filter applies to it too.
document.addEventListener("htmx:afterSettle", function () {
  document.querySelectorAll("input[data-filter-options]").forEach(function (input) {
    if (input.value.trim() !== "") input.dispatchEvent(new Event("input", { bubbles: true }));
  });
});

// A form that came back with errors (HTTP 400 re-renders the whole page at its top): bring the first error
// into view and put the cursor in its field, so the person sees at once why nothing was done. Errors inside
// a closed <details> open it first.
document.addEventListener("DOMContentLoaded", function () {
  var error = document.querySelector("main .field-error[role=alert], .field-error[role=alert]");
  if (!error) return;
  for (var el = error; el; el = el.parentElement) {
    if (el.tagName === "DETAILS") el.open = true;
  }
  var id = error.id && error.id.slice(-6) === "-error" ? error.id.slice(0, -6) : "";
  var field = id ? document.getElementById(id) : null;
  if (!field) {
    var form = error.closest("form, fieldset");
    field = form ? form.querySelector("input:not([type=hidden]), select, textarea") : null;
  }
  error.scrollIntoView({ block: "center" });
  if (field) field.focus({ preventScroll: true });
});

// <button data-toggle-class="c" data-toggle-target="id">: toggles class c on the element with that id
// (the queue's "More filters" on a phone).
document.addEventListener("click", function (event) {
  var button = event.target && event.target.closest ? event.target.closest("[data-toggle-class]") : null;
  if (!button) return;
  var target = document.getElementById(button.getAttribute("data-toggle-target"));
  if (!target) return;
  var open = target.classList.toggle(button.getAttribute("data-toggle-class"));
  button.setAttribute("aria-expanded", open ? "true" : "false");
});

// <form hx-post=… data-swap-errors>: the answer of a refusal (400/403 with the form again and its message,
// e.g. a reveal without a reason) replaces the target like a success does, so the message is seen
// (htmx does not swap 4xx answers by default: the click would seem to do nothing).
document.addEventListener("htmx:beforeSwap", function (event) {
  var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
  var status = event.detail.xhr ? event.detail.xhr.status : 0;
  if (elt && elt.closest && elt.closest("[data-swap-errors]") && (status === 400 || status === 403)) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
