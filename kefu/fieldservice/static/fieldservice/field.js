/* The technician's day on a phone (docs/field-service.md).
 *
 * Every action (set off, arrived, note, photo, signature, finished) is first put in a queue on the device
 * (IndexedDB, with a UUID made here) and then sent to the server in the order it was taken. Without network
 * the queue waits and is sent when the browser is back online; the server applies each UUID exactly once,
 * so sending again after a lost answer changes nothing. The bar at the top says what is waiting.
 * No inline script (the CSP allows scripts from our static files only); texts come from #field-messages.
 */
(function () {
  "use strict";

  var body = document.body;
  var ACTION_URL = body.dataset.actionUrl;
  var MSG = JSON.parse(document.getElementById("field-messages").textContent);
  var DB_NAME = "kefu-field";
  var STORE = "queue";
  var dbPromise = null;
  var syncing = false;

  function fmt(text, n) { return text.replace("%(n)s", String(n)); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- the queue (IndexedDB: survives closing the app and switching the phone off) ------------------

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          req.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }

  function tx(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }

  function allQueued() { return tx("readonly", function (s) { return s.getAll(); }); }
  function putQueued(item) { return tx("readwrite", function (s) { return s.put(item); }); }
  function dropQueued(seq) { return tx("readwrite", function (s) { return s.delete(seq); }); }

  function enqueue(visitKey, kind, fields) {
    var item = { id: uuid(), visit: visitKey, kind: kind, at: new Date().toISOString(), status: "waiting" };
    Object.keys(fields || {}).forEach(function (k) { item[k] = fields[k]; });
    return putQueued(item).then(function () { return refresh(); }).then(function () { sync(); });
  }

  // --- sending -----------------------------------------------------------------------------------

  function send(item) {
    var form = new FormData();
    form.append("action_id", item.id);
    form.append("visit", item.visit);
    form.append("kind", item.kind);
    form.append("at", item.at);
    ["text", "outcome", "signed_by"].forEach(function (k) { if (item[k]) { form.append(k, item[k]); } });
    if (item.blob) { form.append("file", item.blob, item.filename || "photo.jpg"); }
    return fetch(ACTION_URL, {
      method: "POST",
      body: form,
      credentials: "same-origin",
      headers: { "X-CSRFToken": body.dataset.csrf, "Accept": "application/json" },
      redirect: "manual"
    });
  }

  function sync() {
    if (syncing) { return Promise.resolve(); }
    syncing = true;
    setStatus("sending");
    return allQueued().then(function (items) {
      var waiting = items.filter(function (i) { return i.status === "waiting"; });
      var blocked = {};  // a refused action stops the later ones of the same visit (they depend on it)
      var chain = Promise.resolve();
      waiting.forEach(function (item) {
        chain = chain.then(function (stop) {
          if (stop || blocked[item.visit]) { return stop; }
          return send(item).then(function (res) {
            var type = res.headers.get("Content-Type") || "";
            if (res.type === "opaqueredirect" || res.status === 401 || type.indexOf("application/json") < 0) {
              item.error = MSG.login;
              return "login";
            }
            return res.json().then(function (data) {
              if (res.ok) {
                return dropQueued(item.seq).then(function () { applyServer(item, data.result.visit); });
              }
              if (res.status >= 500) { return "later"; }
              item.status = "refused";
              item.error = (data.error && data.error.message) || String(res.status);
              blocked[item.visit] = true;
              return putQueued(item).then(function () { return undefined; });
            });
          }, function () { return "offline"; });  // no network: keep everything, try again later
        });
      });
      return chain.then(function (stop) { return stop; });
    }).then(function (stop) {
      syncing = false;
      return refresh(stop === "login" ? MSG.login : "");
    }, function () { syncing = false; return refresh(); });
  }

  // --- what the screen shows ---------------------------------------------------------------------

  var statusEl = document.getElementById("sync-status");
  var listEl = document.getElementById("sync-list");

  function setStatus(state, text) {
    if (!statusEl) { return; }
    statusEl.dataset.state = state;
    if (text) { statusEl.textContent = text; }
  }

  function refresh(problem) {
    return allQueued().then(function (items) {
      var waiting = items.filter(function (i) { return i.status === "waiting"; });
      var refused = items.filter(function (i) { return i.status === "refused"; });
      if (problem) {
        setStatus("refused", problem);
      } else if (refused.length) {
        setStatus("refused", MSG.refused + " " + refused.length);
      } else if (!waiting.length) {
        setStatus("synced", MSG.synced);
      } else if (!navigator.onLine) {
        setStatus("offline", fmt(MSG.offline, waiting.length));
      } else {
        setStatus("waiting", fmt(MSG.waiting, waiting.length));
      }
      statusEl.dataset.count = String(waiting.length);
      renderList(items);
      renderVisit(items);
      return items;
    });
  }

  function renderList(items) {
    listEl.textContent = "";
    items.forEach(function (i) {
      var row = document.createElement("div");
      row.className = "qitem qitem-" + i.status;
      row.dataset.kind = i.kind;
      var when = new Date(i.at);
      row.textContent = (MSG["kind_" + i.kind] || i.kind) + " · " + pad(when.getHours()) + ":" + pad(when.getMinutes()) +
        (i.status === "refused" ? " — " + MSG.refused + " " + i.error : "");
      if (i.status === "refused") {
        var drop = document.createElement("button");
        drop.type = "button";
        drop.className = "qdrop";
        drop.textContent = MSG.discard;
        drop.addEventListener("click", function () { dropQueued(i.seq).then(function () { refresh(); sync(); }); });
        row.appendChild(drop);
      }
      listEl.appendChild(row);
    });
    listEl.hidden = !items.length || listEl.dataset.open !== "1";
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // --- one visit ---------------------------------------------------------------------------------

  var visitEl = document.getElementById("visit");
  var server = visitEl ? JSON.parse(document.getElementById("visit-state").textContent) : null;
  var NEXT = { start_travel: "travelling", arrive: "on_site", finish: "finished" };
  var STAMP = { start_travel: "travel_started_at", arrive: "arrived_at", finish: "finished_at" };

  function applyServer(item, state) {
    if (!visitEl || visitEl.dataset.key !== item.visit || !state) { return; }
    server = state;
    if (item.kind === "photo" && item.blob) {  // sent: shown like the photos the page came with
      var img = document.createElement("img");
      img.className = "thumb";
      img.alt = item.filename;
      img.src = URL.createObjectURL(item.blob);
      document.getElementById("photos").appendChild(img);
    }
  }

  function renderVisit(items) {
    if (!visitEl) { markCards(items); return; }
    var key = visitEl.dataset.key;
    var state = server.state;
    var stamps = { travel_started_at: server.travel_started_at, arrived_at: server.arrived_at, finished_at: server.finished_at };
    var signed = server.signed;
    var outcome = server.outcome;
    items.filter(function (i) { return i.visit === key && i.status === "waiting"; }).forEach(function (i) {
      if (NEXT[i.kind]) { state = NEXT[i.kind]; stamps[STAMP[i.kind]] = i.at; }
      if (i.kind === "signature") { signed = true; }
      if (i.kind === "finish") { outcome = i.outcome; }
    });
    visitEl.dataset.state = state;
    visitEl.dataset.signed = signed ? "1" : "0";
    visitEl.querySelectorAll("[data-when]").forEach(function (el) { el.hidden = el.dataset.when !== state; });
    visitEl.querySelectorAll("[data-when-not]").forEach(function (el) { el.hidden = el.dataset.whenNot === state; });
    visitEl.querySelectorAll("[data-stamp]").forEach(function (el) {
      var v = stamps[el.dataset.stamp];
      el.hidden = !v;
      if (v) { var d = new Date(v); el.querySelector("time").textContent = pad(d.getHours()) + ":" + pad(d.getMinutes()); }
    });
    var label = visitEl.querySelector('#outcome-labels [data-outcome="' + outcome + '"]');
    document.getElementById("outcome-label").textContent = label ? label.textContent : "";
    document.getElementById("sigwrap").classList.toggle("signed", !!signed);
    document.getElementById("signed-ok").hidden = !signed;
    // photos waiting to be sent: shown from the queue, marked as waiting
    var box = document.getElementById("photos");
    box.querySelectorAll(".thumb-waiting").forEach(function (el) { URL.revokeObjectURL(el.src); el.remove(); });
    items.filter(function (i) { return i.visit === key && i.kind === "photo" && i.blob; }).forEach(function (i) {
      var img = document.createElement("img");
      img.className = "thumb thumb-waiting";
      img.alt = MSG.photo_waiting;
      img.title = MSG.photo_waiting;
      img.src = URL.createObjectURL(i.blob);
      box.appendChild(img);
    });
  }

  function markCards(items) {
    var pending = {};
    items.forEach(function (i) { if (i.status === "waiting" && NEXT[i.kind]) { pending[i.visit] = NEXT[i.kind]; } });
    document.querySelectorAll(".vcard").forEach(function (card) {
      card.classList.toggle("vcard-waiting", !!pending[card.dataset.key]);
      if (pending[card.dataset.key]) { card.dataset.state = pending[card.dataset.key]; }
    });
  }

  function showError(id, text) {
    var el = document.getElementById(id);
    el.textContent = text || "";
    el.hidden = !text;
  }

  // --- photos: compressed here to a JPEG of at most 1600 px before they are queued --------------------

  var MAX_SIDE = 1600;

  function compress(file) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
        var ctx = canvas.getContext("2d");
        ctx.fillStyle = "#fff";
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) { if (blob) { resolve(blob); } else { reject(new Error("toBlob")); } }, "image/jpeg", 0.8);
      };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("image")); };
      img.src = url;
    });
  }

  // --- the signature box (pointer events: finger, stylus or mouse) -----------------------------------

  function signaturePad(canvas) {
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var strokes = 0;
    ctx.lineWidth = 4;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
    }
    canvas.addEventListener("pointerdown", function (e) {
      e.preventDefault();
      drawing = true;
      canvas.setPointerCapture(e.pointerId);
      var p = point(e);
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) { return; }
      e.preventDefault();
      var p = point(e);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
      strokes += 1;
    });
    function end() { drawing = false; }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    return {
      empty: function () { return strokes < 3; },
      clear: function () { ctx.clearRect(0, 0, canvas.width, canvas.height); strokes = 0; },
      blob: function () {
        return new Promise(function (resolve) {
          var out = document.createElement("canvas");
          out.width = canvas.width; out.height = canvas.height;
          var o = out.getContext("2d");
          o.fillStyle = "#fff"; o.fillRect(0, 0, out.width, out.height);
          o.drawImage(canvas, 0, 0);
          out.toBlob(resolve, "image/png");
        });
      }
    };
  }

  function wireVisit() {
    var key = visitEl.dataset.key;
    visitEl.querySelectorAll("button[data-kind]").forEach(function (btn) {
      btn.addEventListener("click", function () { btn.disabled = true; enqueue(key, btn.dataset.kind).then(function () { btn.disabled = false; }); });
    });
    document.getElementById("btn-note").addEventListener("click", function () {
      var ta = document.getElementById("note-text");
      var text = ta.value.trim();
      if (!text) { showError("note-error", MSG.need_note); return; }
      showError("note-error", "");
      enqueue(key, "note", { text: text }).then(function () { ta.value = ""; });
    });
    var input = document.getElementById("photo-input");
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      input.value = "";
      files.reduce(function (p, f) {
        return p.then(function () {
          return compress(f).then(function (blob) {
            return enqueue(key, "photo", { blob: blob, filename: "photo-" + Date.now() + ".jpg" });
          });
        });
      }, Promise.resolve());
    });
    var pad = signaturePad(document.getElementById("sig-pad"));
    document.getElementById("sig-clear").addEventListener("click", function () { pad.clear(); });
    document.getElementById("sig-save").addEventListener("click", function () {
      if (pad.empty()) { showError("finish-error", MSG.empty_signature); return; }
      showError("finish-error", "");
      pad.blob().then(function (blob) {
        return enqueue(key, "signature", { blob: blob, filename: "signature.png", signed_by: document.getElementById("sig-name").value.trim() });
      }).then(function () { pad.clear(); });
    });
    document.getElementById("btn-finish").addEventListener("click", function () {
      var chosen = visitEl.querySelector("input[name=outcome]:checked");
      var text = document.getElementById("finish-text").value.trim();
      if (!chosen) { showError("finish-error", MSG.need_outcome); return; }
      if (chosen.value === "done" && visitEl.dataset.signed !== "1") { showError("finish-error", MSG.need_signature); return; }
      if (chosen.value !== "done" && !text) { showError("finish-error", MSG.need_text); return; }
      showError("finish-error", "");
      enqueue(key, "finish", { outcome: chosen.value, text: text });
    });
    // the checklist is the technician's own aid: ticks are kept on this phone only
    visitEl.querySelectorAll(".chk").forEach(function (box) {
      var k = "kefu-field-check-" + key + "-" + box.dataset.step;
      box.checked = localStorage.getItem(k) === "1";
      box.addEventListener("change", function () { localStorage.setItem(k, box.checked ? "1" : "0"); });
    });
  }

  // --- start -------------------------------------------------------------------------------------

  // tapping the bar shows what is waiting and sends it now
  statusEl.addEventListener("click", function () {
    listEl.dataset.open = listEl.dataset.open === "1" ? "0" : "1";
    refresh().then(function () { sync(); });
  });
  window.addEventListener("online", function () { sync(); });
  window.addEventListener("offline", function () { refresh(); });
  setInterval(function () { if (navigator.onLine) { sync(); } }, 30000);
  if (visitEl) { wireVisit(); }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(body.dataset.swUrl, { scope: body.dataset.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var list = document.getElementById("visits");
      if (list && reg.active) {  // today's visit pages, kept for viewing without network
        var urls = (list.dataset.urls || "").split(" ").filter(Boolean);
        reg.active.postMessage({ type: "today", urls: [location.pathname].concat(urls) });
      }
    }).catch(function () { /* no worker (private mode): the pages still work online */ });
  }
  refresh().then(function () { sync(); });
})();
