/* Service worker of one intake link: keeps the page and its scripts so that the page opens and
 * hashes again on a phone without a connection. Network first (a spent or expired link says so
 * when online); the cache only when the network fails. Never caches or replays a POST. */
"use strict";
var CACHE = "takedown-intake-v1";
var SCOPE = self.registration.scope; // https://center/intake/<token>/
var FILES = [
  SCOPE,
  "/static/style.css",
  "/static/intake/pdq.js",
  "/static/intake/digests.js",
  "/static/intake/intake.js"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(FILES); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return; // hashes go straight to the network, never stored
  var url = new URL(request.url);
  var known = FILES.some(function (f) { return new URL(f, SCOPE).href === url.href; });
  if (!known) return;
  event.respondWith(
    fetch(request).then(function (reply) {
      if (reply.ok) {
        var copy = reply.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return reply;
    }).catch(function () {
      return caches.match(request).then(function (hit) { return hit || Response.error(); });
    })
  );
});
