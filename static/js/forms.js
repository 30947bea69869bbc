// Every page: move focus to the problem summary when the server answered a form with
// problems, ask before a destructive button acts, and let a form be sent once (a second click, or a click while the first is
// on its way, does nothing). The server also refuses a repeated creation on its own.
(function () {
  "use strict";

  var summary = document.getElementById("problem-summary");
  if (summary) {
    summary.focus();
  }

  // A form with data-confirm asks first (destructive buttons).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });

  // Listen on the document, after a form's own handlers (a confirmation may cancel it).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post") {
      return;
    }
    if (form.dataset.sending === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
    // Disable after the browser has read the form, so the pressed button's name is sent.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit], button:not([type])")
        .forEach(function (button) {
          button.disabled = true;
          button.setAttribute("aria-disabled", "true");
        });
    }, 0);
  });

  // Back to a page kept in the browser's memory: its forms can be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
      form.querySelectorAll("[aria-disabled=true]").forEach(function (button) {
        button.disabled = false;
        button.removeAttribute("aria-disabled");
      });
    });
  });
})();
