/* The helpdesk's own script, loaded on every page (CSP: script-src 'self',
   so nothing runs inline and htmx evaluates no strings).

   data-typing-field="#selector" on an element that polls with htmx: each poll
   sends typing=1 while that field holds text, typing=0 otherwise (the
   ticket page's "someone is typing a reply" notice). */
(function () {
  "use strict";

  document.addEventListener("htmx:configRequest", function (event) {
    var element = event.detail.elt;
    if (!element || !element.matches("[data-typing-field]")) {
      return;
    }
    var field = document.querySelector(element.getAttribute("data-typing-field"));
    event.detail.parameters.typing = field && field.value.trim() ? "1" : "0";
  });
})();
