// Supervisor inboxes (kefu/web/inbox.py): the row's action in a <dialog>, "select all" and the count of
// selected rows for the bulk bar. No inline script (the Content-Security-Policy allows none).
(function () {
  function open(btn) {
    var dialog = document.getElementById(btn.dataset.dialogOpen);
    if (!dialog) return;
    var form = dialog.querySelector("form");
    if (form) {
      form.reset();
      if (btn.dataset.action) form.action = btn.dataset.action;
      var ids = form.querySelector("[data-dialog-ids]");
      if (ids) ids.value = btn.dataset.ids || "";
      if (btn.dataset.prefill) {
        var values = JSON.parse(btn.dataset.prefill);
        Object.keys(values).forEach(function (name) {
          var field = form.elements.namedItem(name);
          if (field) field.value = values[name];
        });
      }
    }
    var label = dialog.querySelector("[data-dialog-label]");
    if (label) label.textContent = btn.dataset.label || "";
    dialog.showModal();
    var first = dialog.querySelector("textarea, input[type=text], select");
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var t = event.target;
    if (!t || !t.closest) return;
    var opener = t.closest("[data-dialog-open]");
    if (opener) { event.preventDefault(); open(opener); return; }
    var closer = t.closest("[data-dialog-close]");
    if (closer) { event.preventDefault(); var d = closer.closest("dialog"); if (d) d.close(); }
  });

  function boxes(formId) {
    return document.querySelectorAll('input[type=checkbox][name=ids][form="' + formId + '"]');
  }
  function count(formId) {
    var n = 0;
    boxes(formId).forEach(function (b) { if (b.checked) n += b.value.split(",").length; });
    document.querySelectorAll("#" + formId + " [data-bulk-count] strong").forEach(function (s) {
      s.textContent = String(n);
    });
  }
  document.addEventListener("change", function (event) {
    var t = event.target;
    if (!t || !t.matches) return;
    if (t.matches("input[data-check-all]")) {
      boxes(t.dataset.checkAll).forEach(function (b) { b.checked = t.checked; });
      count(t.dataset.checkAll);
    } else if (t.matches("input[type=checkbox][name=ids][form]")) {
      count(t.getAttribute("form"));
    }
  });
})();
