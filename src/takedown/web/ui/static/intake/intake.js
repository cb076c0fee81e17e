/* The victim's intake page: hash each chosen file on the device and send only the hashes.
 * No file, thumbnail or file name is ever sent: the request body is a list of hex strings. */
(function () {
  "use strict";
  var input = document.getElementById("files");
  if (!input) return;
  var send = document.getElementById("send");
  var status = document.getElementById("status");
  var result = document.getElementById("result");
  var tbody = document.querySelector("#list tbody");
  var items = [];
  var target = window.location.pathname.replace(/\/+$/, "") + "/hashes";
  // Keep this page for offline use (a service worker scoped to this one link).
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("sw.js").then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () { document.body.dataset.offline = "ready"; }, function () {});
  }

  function row(name, kind, text) {
    var tr = document.createElement("tr");
    [name, kind, text].forEach(function (value) {
      var td = document.createElement("td");
      td.textContent = value;
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  }

  function hashOne(file) {
    var video = file.type.indexOf("video/") === 0;
    return TakedownDigests.ofBlob(file).then(function (d) {
      if (video) return { kind: "video", sha256: d.sha256, md5: d.md5 };
      return TakedownPDQ.fromBlob(file).then(function (p) {
        return { kind: "image", sha256: d.sha256, md5: d.md5, pdq: p.hex, quality: p.quality };
      });
    });
  }

  input.addEventListener("change", function () {
    var files = Array.prototype.slice.call(input.files);
    send.disabled = true;
    var done = 0;
    status.textContent = "Computing fingerprints on this device…";
    files.reduce(function (chain, file) {
      return chain.then(function () {
        return hashOne(file).then(function (item) {
          items.push(item);
          row(file.name, item.kind, item.pdq || item.md5);
        }, function () {
          row(file.name, "?", "could not be read here (skipped)");
        }).then(function () { done += 1; status.textContent = done + " of " + files.length + " done"; });
      });
    }, Promise.resolve()).then(function () {
      status.textContent = items.length + " file(s) ready. Nothing has been sent yet.";
      document.body.dataset.hashed = String(items.length);
      send.disabled = items.length === 0;
    });
  });

  send.addEventListener("click", function () {
    send.disabled = true;
    result.textContent = "Sending fingerprints…";
    fetch(target, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ items: items }),
      credentials: "omit",
      referrerPolicy: "no-referrer"
    }).then(function (reply) {
      return reply.json().then(function (body) {
        if (!reply.ok) throw new Error(body.detail || reply.statusText);
        result.textContent = "Sent: " + body.references + " fingerprint set(s). You can close this page.";
        document.body.dataset.sent = String(body.references);
      });
    }).catch(function (err) {
      result.textContent = "Not sent (" + err.message + "). Your files stayed here; try again when online.";
      send.disabled = false;
    });
  });
})();
