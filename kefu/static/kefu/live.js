// Live updates by server push (docs/adr/0006-live-updates.md): one EventSource per console page.
// Events: "queue" (a queue row of the branch changed; to a "mine"/"owned" page only the rows of this member;
// to a team or escalation queue one summary per moment naming the orders), "order" (the open order changed), "presence"
// (someone else opened it), "call" (the agent's call pop-up), "notification" (the bell), "reset".
// Each one is turned into a DOM event on <body> ("live-queue", "live-order", "live-call",
// "live-notification") that the HTMX fragments listen to (hx-trigger="live-queue from:body").
// Without push (a WSGI server answers 204, or the stream keeps failing) the same DOM events are fired on a
// slow timer instead: polling only as a fall-back.
(function () {
  var body = document.body;
  var url = body && body.getAttribute("data-live-url");
  if (!url) return;
  var me = body.getAttribute("data-live-staff");
  var pollSeconds = parseInt(body.getAttribute("data-live-poll") || "15", 10);
  var PRESENCE_PUSH = 30, PRESENCE_POLL = 5;  // presence heartbeat (the server forgets a viewer after 45 s)

  function fire(name, detail) {
    body.dispatchEvent(new CustomEvent(name, { detail: detail || {} }));
  }

  // the queue fragment: refresh when a change concerns it, after a short random delay so that the
  // consoles of a whole branch do not all ask at the same millisecond
  var queueTimer = null;
  function queueChanged(data) {
    var q = document.getElementById("queue-body");
    if (!q) return;
    var scope = q.getAttribute("data-live-scope") || "team";
    // one row's change ({order, assignee, owner}), or a team queue's summary of a moment ({orders: [...]},
    // {many: true} when too many changed to list)
    var ids = data ? (data.orders || (data.order ? [data.order] : [])) : [];
    var shown = (data && data.many) || ids.some(function (id) { return document.getElementById("order-row-" + id); });
    var mine = data && ((scope === "mine" && String(data.assignee) === me) ||
                        (scope === "owned" && String(data.owner) === me));
    if (data && scope !== "team" && !shown && !mine) return;
    if (document.hidden) { queueStale = true; return; }  // fetched when the page is shown again
    if (queueTimer) return;
    queueTimer = setTimeout(function () { queueTimer = null; fire("live-queue", data); },
                            100 + Math.floor(Math.random() * 400));
  }
  var queueStale = false;
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && queueStale) { queueStale = false; queueChanged(null); }
  });

  // `kefu serve` runs the streams on a second port of the same host (data-live-port): the page's session
  // cookie goes with the request (withCredentials; the stream answers with CORS headers for this origin)
  var livePort = body.getAttribute("data-live-port");
  if (livePort) url = location.protocol + "//" + location.hostname + ":" + livePort + url;
  var order = document.querySelector("[data-live-order]");
  var full = url + (url.indexOf("?") < 0 ? "?" : "&") + "since=" + encodeURIComponent(body.getAttribute("data-live-since") || "0");
  if (order) full += "&order=" + encodeURIComponent(order.getAttribute("data-live-order"));
  // the queue this page shows (its tab; "none" without a queue): the server sends a "My queue" or "My
  // responsibilities" page only the queue changes that concern this member
  var queueBody = document.getElementById("queue-body");
  full += "&queue=" + encodeURIComponent(queueBody ? (queueBody.getAttribute("data-live-scope") || "team") : "none");

  var pollers = [];
  function startPolling() {
    if (pollers.length) return;
    body.setAttribute("data-live-state", "polling");
    pollers.push(setInterval(function () { fire("live-queue"); fire("live-call"); }, pollSeconds * 1000));
    if (order) pollers.push(setInterval(function () { fire("live-order"); }, PRESENCE_POLL * 1000));
  }
  function stopPolling() {
    pollers.forEach(clearInterval);
    pollers = [];
  }

  if (!window.EventSource) { startPolling(); return; }
  var es = new EventSource(full, { withCredentials: !!livePort });
  var failures = 0;
  es.addEventListener("open", function () {
    failures = 0;
    stopPolling();
    body.setAttribute("data-live-state", "push");
  });
  es.addEventListener("error", function () {
    failures += 1;
    // closed for good (no push on this server), or failing again and again: poll until it is back
    if (es.readyState === EventSource.CLOSED || failures >= 3) startPolling();
  });
  function parse(ev) { try { return JSON.parse(ev.data || "{}"); } catch (e) { return {}; } }
  es.addEventListener("queue", function (ev) { queueChanged(parse(ev)); });
  es.addEventListener("order", function (ev) { fire("live-order", parse(ev)); });
  es.addEventListener("presence", function (ev) { fire("live-order", parse(ev)); });
  es.addEventListener("call", function (ev) { fire("live-call", parse(ev)); });
  es.addEventListener("notification", function (ev) {
    var data = parse(ev);
    var bell = document.querySelector("[data-live-bell]");
    if (bell && data.unread !== undefined) {
      bell.textContent = String(data.unread);
      bell.hidden = !data.unread;  // no number on the bell when nothing is unread
    }
    fire("live-notification", data);
  });
  es.addEventListener("reset", function () {
    queueChanged(null); fire("live-order"); fire("live-call"); fire("live-notification");
  });
  if (order) setInterval(function () { if (!pollers.length) fire("live-order"); }, PRESENCE_PUSH * 1000);
  window.addEventListener("pagehide", function () { es.close(); });
})();
