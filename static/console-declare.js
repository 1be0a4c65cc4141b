/* The incident composer's declaring aids (progressive enhancement).
 *
 * The server draws one "What the plan does" block per severity and shows the one selected
 * when the page was drawn; without this script a re-render (Preview, Preview reach) redraws
 * it. With it, the shown block follows the severity picker, and the warnings about a missing
 * communications lead and notifications switched off follow their fields.
 */
(function () {
  "use strict";

  function follow(field, update) {
    if (!field) {
      return;
    }
    field.addEventListener("change", update);
    update(); // a restored form (back button) may differ from what the server drew
  }

  var severity = document.getElementById("severity");
  var blocks = document.querySelectorAll("#plan-summary [data-severity]");
  follow(severity, function () {
    for (var i = 0; i < blocks.length; i++) {
      blocks[i].hidden = blocks[i].getAttribute("data-severity") !== severity.value;
    }
  });

  var lead = document.getElementById("comms_lead_id");
  var leadWarning = document.getElementById("lead-warning");
  if (leadWarning) {
    follow(lead, function () {
      leadWarning.hidden = lead.value !== "";
    });
  }

  var notify = document.getElementById("deliver_notifications");
  var notifyWarning = document.getElementById("notify-off-warning");
  if (notifyWarning) {
    follow(notify, function () {
      notifyWarning.hidden = notify.checked;
    });
  }
})();
