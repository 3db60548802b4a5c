// Emergency notice: shows #emergency-notice as soon as the chosen service is an emergency
// service or the typed text contains an emergency keyword — before anything is submitted. The keyword
// list and the emergency services come from data attributes (the Content-Security-Policy allows no
// inline script); the server checks again on submit and flags the order.
(function () {
  function normalize(text) { return (text || "").toLowerCase().replace(/\s+/g, ""); }
  function setup() {
    var notice = document.getElementById("emergency-notice");
    if (!notice) return;
    var form = notice.closest("form") || document.querySelector("form");
    if (!form) return;
    var keywords = [];
    try { keywords = JSON.parse(notice.getAttribute("data-emergency-keywords") || "[]"); } catch (e) { keywords = []; }
    var services = (notice.getAttribute("data-emergency-services") || "").split(",").filter(Boolean);
    var serverShown = !notice.hidden;
    function check() {
      var text = "";
      form.querySelectorAll("input[type=text], input:not([type]), textarea").forEach(function (el) {
        text += " " + el.value;
      });
      var flat = normalize(text);
      var hit = keywords.some(function (k) { return k && flat.indexOf(k) !== -1; });
      var service = form.querySelector("select[name=service]");
      if (service && services.indexOf(service.value) !== -1) hit = true;
      notice.hidden = !(hit || serverShown);
      form.classList.toggle("is-emergency", !notice.hidden);
    }
    form.addEventListener("input", check);
    form.addEventListener("change", check);
    check();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
