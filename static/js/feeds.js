// My calendar: copy the feed address to the clipboard.
(function () {
  "use strict";

  function report(button, text) {
    var original = button.dataset.label || button.textContent;
    button.dataset.label = original;
    button.textContent = text;
    window.setTimeout(function () { button.textContent = original; }, 2500);
  }

  function fallbackCopy(input) {
    input.focus();
    input.select();
    try {
      return document.execCommand("copy");
    } catch (e) {
      return false;
    }
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copyTarget);
      if (!input) { return; }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(
          function () { report(button, "Copied"); },
          function () { report(button, fallbackCopy(input) ? "Copied" : "Select and copy"); }
        );
      } else {
        report(button, fallbackCopy(input) ? "Copied" : "Select and copy");
      }
    });
  });
})();
