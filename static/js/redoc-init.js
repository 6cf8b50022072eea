// Starts ReDoc (served from our static files, no CDN) on the schema the page
// names in data-spec-url: no inline script, so the site's strict CSP holds.
(function () {
  "use strict";
  var element = document.getElementById("redoc");
  if (element && window.Redoc) {
    window.Redoc.init(element.dataset.specUrl, { expandResponses: "200,201" }, element);
  }
})();
