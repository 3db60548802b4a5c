/* The service worker of the technician's pages (scope /field/, served by kefu/console/views_field.py, which
 * puts KEFU_SHELL and KEFU_VERSION above this text). It keeps the shell (the day page, the style sheet, the
 * script, the icons) and today's visit pages, so the technician can read them without network:
 * pages are fetched from the network first and the copy is the fallback; static files come from the copy.
 * Actions are not the worker's business: the page queues them itself (field.js). */
/* global KEFU_SHELL, KEFU_VERSION */
"use strict";

var CACHE = "kefu-field-" + KEFU_VERSION;
var PAGES = "kefu-field-pages";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(KEFU_SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("kefu-field-") === 0 && k !== CACHE && k !== PAGES; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// the day page sends today's visit pages: they are fetched and kept; yesterday's are dropped
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "today" || !Array.isArray(data.urls)) { return; }
  var wanted = data.urls.map(function (u) { return new URL(u, self.location).href; });
  event.waitUntil(caches.open(PAGES).then(function (c) {
    return c.keys().then(function (keys) {
      return Promise.all(keys.filter(function (r) { return wanted.indexOf(r.url) < 0; }).map(function (r) { return c.delete(r); }));
    }).then(function () {
      return Promise.all(wanted.map(function (u) {
        return fetch(u, { credentials: "same-origin" }).then(function (res) {
          if (res.ok && !res.redirected) { return c.put(u, res); }
        }).catch(function () {});
      }));
    });
  }));
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  if (req.mode === "navigate" || url.pathname.indexOf("/field/") === 0) {
    event.respondWith(fetch(req).then(function (res) {
      if (res.ok && !res.redirected && req.mode === "navigate") {
        var copy = res.clone();
        caches.open(PAGES).then(function (c) { c.put(req.url, copy); });
      }
      return res;
    }).catch(function () {
      return caches.match(req.url).then(function (hit) {
        return hit || caches.match(KEFU_SHELL[0]);
      }).then(function (hit) {
        return hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
      });
    }));
    return;
  }
  if (KEFU_SHELL.indexOf(url.pathname) >= 0 || url.pathname.indexOf("/orders/attachments/") === 0) {
    event.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        if (res.ok && url.pathname.indexOf("/orders/attachments/") === 0) {
          var copy = res.clone();
          caches.open(PAGES).then(function (c) { c.put(req, copy); });
        }
        return res;
      });
    }));
  }
});
