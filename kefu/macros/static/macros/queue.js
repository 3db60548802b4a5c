// The queue's selection and bulk bar (docs/macros.md). No inline script (the Content-Security-Policy
// allows none). Checkboxes: <input name="orders" form="bulk-form">; "select all": data-check-all.
(function () {
  function boxes() {
    return document.querySelectorAll('input[type=checkbox][name=orders][form="bulk-form"]');
  }
  function selected() {
    var n = 0;
    boxes().forEach(function (b) { if (b.checked) n += 1; });
    return n;
  }
  function count() {
    var n = String(selected());
    document.querySelectorAll("[data-bulk-count] strong").forEach(function (s) { s.textContent = n; });
  }
  function showFields() {
    var sel = document.querySelector("[data-bulk-action]");
    if (!sel) return;
    document.querySelectorAll("#bulk-form [data-bulk-for]").forEach(function (el) {
      el.hidden = el.getAttribute("data-bulk-for").split(" ").indexOf(sel.value) < 0;
    });
  }
  document.addEventListener("change", function (event) {
    var t = event.target;
    if (!t || !t.matches) return;
    if (t.matches("input[data-check-all]")) {
      boxes().forEach(function (b) { b.checked = t.checked; });
      count();
    } else if (t.matches('input[name=orders][form="bulk-form"]')) {
      count();
    } else if (t.matches("[data-bulk-action]")) {
      showFields();
    }
  });
  // "Save as view" keeps the filters as they are now (they change without reloading the page): they are
  // copied from the filter form when the view is saved (without script: those the page was loaded with).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var filters = document.getElementById("queue-filters");
    if (!form || form.id !== "save-view-form" || !filters) return;
    form.querySelectorAll("input[data-view-param]").forEach(function (el) { el.remove(); });
    Array.prototype.forEach.call(filters.elements, function (el) {
      if (!el.name || el.disabled || el.type === "submit" || el.type === "button") return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      if (!el.value) return;
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = el.name;
      hidden.value = el.value;
      hidden.setAttribute("data-view-param", "");
      form.appendChild(hidden);
    });
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target) return;
    if (target.id === "bulk-bar") { showFields(); count(); }
    if (target.id === "queue-body") count();
  });
  // The list is not refreshed under the agent's hand while orders are ticked (a refresh would clear them);
  // after a bulk action the ticks are cleared and the list shows the result.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.id === "queue-body" && selected() > 0) event.preventDefault();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || elt.id !== "bulk-form" || !event.detail.successful) return;
    boxes().forEach(function (b) { b.checked = false; });
    var all = document.querySelector("input[data-check-all]");
    if (all) all.checked = false;
    count();
    var body = document.getElementById("queue-body");
    if (body && window.htmx) {
      window.htmx.ajax("GET", body.getAttribute("hx-get"), { target: body, swap: "outerHTML" });
    }
  });
})();
