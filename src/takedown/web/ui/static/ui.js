// The review UI's only script: confirmations before consequential actions, and the timed reveal.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;

  // A button, link or form carrying data-confirm asks first; "Cancel" stops the action.
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-confirm]");
    if (!el || el.hasAttribute("data-reveal")) return;
    if (!window.confirm(el.getAttribute("data-confirm"))) {
      ev.preventDefault();
      ev.stopPropagation();
    }
  }, true);

  function reblur(img, btn, counter) {
    img.src = img.getAttribute("data-thumb");
    img.classList.remove("revealed");
    btn.disabled = false;
    counter.textContent = "";
  }

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-reveal]");
    if (!btn) return;
    ev.preventDefault();
    if (!window.confirm(btn.getAttribute("data-confirm"))) return;
    var fig = btn.closest("figure");
    var img = fig.querySelector("img.thumb");
    var counter = fig.querySelector(".countdown");
    btn.disabled = true;
    fetch(btn.getAttribute("data-reveal"), {
      method: "POST",
      headers: { "X-CSRF-Token": csrf },
      credentials: "same-origin",
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (!res.ok) {
        btn.disabled = false;
        counter.textContent = res.body.detail || "error";
        return;
      }
      img.src = res.body.src;
      img.classList.add("revealed");
      var left = res.body.seconds;
      counter.textContent = left + " s";
      var timer = window.setInterval(function () {
        left -= 1;
        counter.textContent = left > 0 ? left + " s" : "";
        if (left <= 0) {
          window.clearInterval(timer);
          reblur(img, btn, counter);
        }
      }, 1000);
    }).catch(function () {
      btn.disabled = false;
    });
  });
})();
