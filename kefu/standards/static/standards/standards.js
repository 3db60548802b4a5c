// Service standards on the order page (no build step): insert a standard phrase at the cursor of the reply
// box, or replace a forbidden phrase by the suggested one. The live check listens to the box's input event.
(function () {
  function put(box, start, end, text) {
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + text.length;
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }
  document.addEventListener("click", function (event) {
    var btn = event.target.closest("[data-phrase-insert], [data-standards-replace]");
    if (!btn) return;
    var box = document.getElementById(btn.getAttribute("data-target") || "reply-body");
    if (!box) return;
    event.preventDefault();
    if (btn.hasAttribute("data-phrase-insert")) {
      var select = document.getElementById(btn.getAttribute("data-phrase-insert"));
      var opt = select && select.options[select.selectedIndex];
      if (!opt || !opt.value) return;
      put(box, box.selectionStart, box.selectionEnd, opt.getAttribute("data-text") || "");
    } else {
      var from = btn.getAttribute("data-standards-replace"), at = box.value.indexOf(from);
      if (at >= 0) put(box, at, at + from.length, btn.getAttribute("data-with") || "");
    }
  });
})();
