// Schedule pages: show only the recurrence fields that apply (forms.js confirms buttons).
(function () {
  "use strict";

  function syncRecurrence(form) {
    var checked = form.querySelector('input[name="frequency"]:checked');
    var frequency = checked ? checked.value : "weekly";
    form.querySelectorAll("[data-recurrence]").forEach(function (block) {
      block.hidden = block.getAttribute("data-recurrence") !== frequency;
    });
  }

  document.querySelectorAll("#series-form").forEach(function (form) {
    syncRecurrence(form);
    form.querySelectorAll('input[name="frequency"]').forEach(function (radio) {
      radio.addEventListener("change", function () { syncRecurrence(form); });
    });
  });
})();
