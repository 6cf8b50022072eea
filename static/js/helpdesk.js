/* The helpdesk's own script, loaded on every page (CSP: script-src 'self',
   so nothing runs inline and htmx evaluates no strings).

   data-typing-field="#selector" on an element that polls with htmx: each poll
   sends typing=1 while that field holds text, typing=0 otherwise (the
   ticket page's "someone is typing a reply" notice).

   data-focus-on-swap on an element (with tabindex="-1") that htmx swaps in:
   the keyboard focus moves to it, so a question that replaces the control
   the user just changed (the routing confirmation) is where they are. */
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

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    var element = target && target.querySelector("[data-focus-on-swap]");
    if (element) {
      element.focus();
    }
  });
})();
