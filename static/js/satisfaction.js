/* The satisfaction survey: an emailed Good or Bad link opens the survey page
   with that choice preselected (a GET, which records nothing: mail scanners
   fetch links). A form marked data-autosubmit is sent here at once, so a
   person rates in one click; without JavaScript the page shows the choice
   and a Send button. Sent once per page view only. */
(function () {
  "use strict";

  function start() {
    var form = document.querySelector("form[data-autosubmit]");
    if (!form || form.dataset.sent) {
      return;
    }
    form.dataset.sent = "yes";
    var status = form.querySelector("[data-autosubmit-status]");
    if (status) {
      status.hidden = false;
    }
    form.submit();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
