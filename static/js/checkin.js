// Check-in projector screen: countdown to the next code, full-screen button.
// The code, QR and count are refreshed by htmx (hx-trigger "every 5s"); when the
// countdown reaches zero this fires "checkin-tick" so the new code shows at once.
(function () {
  "use strict";

  var deadline = null;
  var fired = false;

  function countdown() {
    return document.getElementById("checkin-countdown");
  }

  function sync() {
    var el = countdown();
    if (!el) {
      deadline = null;
      return;
    }
    var seconds = parseInt(el.getAttribute("data-seconds"), 10);
    if (isNaN(seconds)) {
      return;
    }
    deadline = Date.now() + seconds * 1000;
    fired = false;
    render();
  }

  function render() {
    var el = countdown();
    if (!el || deadline === null) {
      return;
    }
    var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    el.textContent = String(left);
    if (left === 0 && !fired) {
      fired = true;
      document.body.dispatchEvent(new CustomEvent("checkin-tick"));
    }
  }

  function setupFullscreen() {
    var button = document.getElementById("checkin-fullscreen");
    if (!button || !document.documentElement.requestFullscreen) {
      if (button) {
        button.hidden = true;
      }
      return;
    }
    button.addEventListener("click", function () {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else {
        document.documentElement.requestFullscreen();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sync();
    setupFullscreen();
    document.body.addEventListener("htmx:afterSwap", sync);
    window.setInterval(render, 250);
  });
})();
