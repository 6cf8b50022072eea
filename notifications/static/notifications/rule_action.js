// The automation rule form: show the fieldset of the chosen action only
// (email: template and recipients; teams: the connector).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var select = document.getElementById("id_action");
  if (!select) {
    return;
  }
  function show() {
    var sets = {
      email: document.querySelectorAll("fieldset.rule-action-email"),
      teams: document.querySelectorAll("fieldset.rule-action-teams"),
    };
    Object.keys(sets).forEach(function (action) {
      sets[action].forEach(function (fieldset) {
        fieldset.hidden = action !== select.value;
      });
    });
  }
  select.addEventListener("change", show);
  show();
});
