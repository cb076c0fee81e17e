// The review UI's only script: confirmations before consequential actions, the timed reveal,
// "select all" for bulk forms, and the queue's keyboard shortcuts (j/k/x/a/d/r/?).
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
      return r.json().then(function (body) { return { ok: r.ok, status: r.status, body: body }; });
    }).then(function (res) {
      if (!res.ok) {
        btn.disabled = res.status === 429;  // today's cap is reached: the button rests
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

  // "Select all on this page": tick every checkbox of the named field belonging to the form.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-select-all]");
    if (!btn) return;
    var form = btn.closest("form");
    var boxes = document.querySelectorAll(
      'input[type=checkbox][name="' + btn.getAttribute("data-select-all") + '"][form="' + form.id + '"]');
    var all = Array.prototype.every.call(boxes, function (b) { return b.checked; });
    Array.prototype.forEach.call(boxes, function (b) { b.checked = !all; });
  });

  // Keyboard shortcuts of the queue (documented on the page): never while typing in a field.
  var queue = document.querySelector("[data-shortcuts=queue]");
  if (!queue) return;
  var current = -1;
  function entries() { return queue.querySelectorAll("article.notice-entry"); }
  function move(step) {
    var list = entries();
    if (!list.length) return;
    if (current >= 0 && list[current]) list[current].classList.remove("current");
    current = Math.max(0, Math.min(list.length - 1, current + step));
    list[current].classList.add("current");
    list[current].focus();
    list[current].scrollIntoView({ block: "nearest" });
  }
  function press(selector) {
    var list = entries();
    if (current < 0 || !list[current]) move(1);
    list = entries();
    var el = list[current] && list[current].querySelector(selector);
    if (el) el.click();
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) return;
    var help = document.getElementById("shortcuts");
    switch (ev.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "x": press("input.pick"); break;
      case "a": press("button.approve"); break;
      case "d": press("button.reject"); break;
      case "r": press("button.reveal"); break;
      case "?": if (help) { help.open = !help.open; if (help.open) help.querySelector("summary").focus(); } break;
      default: return;
    }
    ev.preventDefault();
  });
})();
