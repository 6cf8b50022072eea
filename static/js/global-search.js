/* The top bar's search box: "/" moves the focus to it from anywhere on the
   page except while typing in a field, as on GitHub and GitLab. */
(function () {
  "use strict";

  function isTyping(target) {
    return (
      target instanceof HTMLElement &&
      (target.isContentEditable || target.closest("input, textarea, select") !== null)
    );
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (isTyping(event.target)) {
      return;
    }
    var box = document.getElementById("global-search");
    if (!box || box.offsetParent === null) {
      return; // no box, or folded away in the collapsed menu
    }
    event.preventDefault();
    box.focus();
    box.select();
  });
})();
