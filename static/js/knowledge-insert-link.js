/* The ticket page's knowledge-base search: "Insert link" puts an article's
   Markdown link into the reply box at the cursor (CSP: a static file, no
   inline handlers).

   A results list inside an element with data-insert-target="#selector" gets
   its [data-insert-link] buttons shown once that field exists; each button
   carries the link in data-markdown. Without JavaScript the buttons stay
   hidden and the results still show each article's address to copy. */
(function () {
  "use strict";

  function fieldFor(element) {
    var box = element.closest("[data-insert-target]");
    return box ? document.querySelector(box.getAttribute("data-insert-target")) : null;
  }

  function reveal(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    root.querySelectorAll("[data-insert-link]").forEach(function (button) {
      if (fieldFor(button)) {
        button.hidden = false;
      }
    });
  }

  function announce(button, text) {
    var section = button.closest("section") || document;
    var status = section.querySelector("[data-insert-status]");
    if (status) {
      status.textContent = text;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-link]");
    if (!button) {
      return;
    }
    var field = fieldFor(button);
    if (!field) {
      return;
    }
    event.preventDefault();
    var link = button.getAttribute("data-markdown") || "";
    var value = field.value;
    var start = typeof field.selectionStart === "number" ? field.selectionStart : value.length;
    var end = typeof field.selectionEnd === "number" ? field.selectionEnd : start;
    // Keep the link apart from the words around it.
    if (start > 0 && !/\s/.test(value.charAt(start - 1))) {
      link = " " + link;
    }
    if (end < value.length && !/\s/.test(value.charAt(end))) {
      link = link + " ";
    }
    field.focus();
    field.setRangeText(link, start, end, "end");
    field.dispatchEvent(new Event("input", { bubbles: true }));
    announce(button, "Link inserted into the reply.");
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    reveal(event.detail.target);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      reveal(document);
    });
  } else {
    reveal(document);
  }
})();
