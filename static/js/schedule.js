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

// The session editor: a new start moves the end by as much, unless the end was changed
// too (the server applies the same rule to the times the form showed, so the page works
// without this script); and the warnings asked before saving take the focus.
(function () {
  "use strict";

  function minutes(value) {
    var match = /^(\d{2}):(\d{2})/.exec(value || "");
    return match ? Number(match[1]) * 60 + Number(match[2]) : null;
  }

  function clock(total) {
    var hours = Math.floor(total / 60);
    var mins = total % 60;
    return (hours < 10 ? "0" : "") + hours + ":" + (mins < 10 ? "0" : "") + mins;
  }

  document.querySelectorAll("form[data-session-editor]").forEach(function (form) {
    var start = form.querySelector('input[name="start_time"]');
    var end = form.querySelector('input[name="end_time"]');
    var shownStart = form.querySelector('input[name="shown_start"]');
    var shownEnd = form.querySelector('input[name="shown_end"]');
    var status = form.querySelector("#end-follows");
    if (!start || !end || !shownStart || !shownEnd) {
      return;
    }
    var followed = end.value; // what the end shows unless someone changed it

    function follow() {
      var from = minutes(shownStart.value);
      var until = minutes(shownEnd.value);
      var now = minutes(start.value);
      if (from === null || until === null || now === null || end.value !== followed) {
        return; // the end was changed by hand: it stays
      }
      var next = clock((((until + now - from) % 1440) + 1440) % 1440);
      if (next !== end.value) {
        end.value = next;
        if (status) {
          status.textContent = "The end moved to " + next + ".";
        }
      }
      followed = next;
    }

    start.addEventListener("input", follow);
    start.addEventListener("change", follow);
  });

  var warnings = document.getElementById("edit-warnings");
  if (warnings && !document.getElementById("problem-summary")) {
    warnings.focus();
  }
})();
