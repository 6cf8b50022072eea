/* Attachment rules checked in the browser, before anything is sent.

   Every ticket form's file input carries the limits in force (rendered by
   tickets.forms.fields.MultipleFileInput from the settings):
     accept=".txt,.pdf,..."            the allowed types
     data-attachment-max-size="..."    bytes per file
     data-attachment-max-total="..."   bytes per message
     data-attachment-max-count="..."   files per message
   When files are chosen, and again when the form is submitted, each file is
   checked against them; a refused choice shows an inline error naming each
   file and why, and the form is not submitted. The server checks the same
   rules (tickets.services.attachments.attachments_refusals) and more (a
   program hidden behind a second extension, the sender's quota), so this is
   a courtesy, not the guard. Listeners sit on the document, so forms swapped
   in by htmx are covered too. */
(function () {
  "use strict";

  var SELECTOR = "input[type=file][data-attachment-max-size]";
  var MAX_EXTENSION_CHARS = 16;

  /* As Django's filesizeformat, so both sides word sizes alike. */
  function sizeText(bytes) {
    var units = ["KB", "MB", "GB", "TB", "PB"];
    if (bytes < 1024) {
      return bytes + "\u00a0" + (bytes === 1 ? "byte" : "bytes");
    }
    var value = bytes / 1024;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return value.toFixed(1) + "\u00a0" + units[unit];
  }

  function allowedExtensions(input) {
    return (input.getAttribute("accept") || "")
      .split(",")
      .map(function (entry) {
        return entry.trim().toLowerCase();
      })
      .filter(function (entry) {
        return entry.charAt(0) === ".";
      })
      .map(function (entry) {
        return entry.slice(1);
      });
  }

  /* The last extension of a name read as the server reads it: the last path
     part, without the trailing dots and spaces Windows drops. */
  function finalExtension(name) {
    var base = name.split(/[\/\\]/).pop().replace(/^[ .]+|[ .]+$/g, "");
    var dot = base.lastIndexOf(".");
    return dot === -1 ? "" : base.slice(dot + 1).toLowerCase();
  }

  function limit(input, name) {
    return parseInt(input.getAttribute("data-attachment-" + name), 10) || 0;
  }

  /* One sentence per refused file and per limit broken; none when fine. */
  function problems(input) {
    var files = Array.prototype.slice.call(input.files || []);
    var allowed = allowedExtensions(input);
    var maxSize = limit(input, "max-size");
    var maxTotal = limit(input, "max-total");
    var maxCount = limit(input, "max-count");
    var found = [];
    var total = 0;
    files.forEach(function (file) {
      var extension = finalExtension(file.name);
      var reason = "";
      if (!extension) {
        reason = "files without an extension are not accepted";
      } else if (allowed.length && allowed.indexOf(extension) === -1) {
        reason =
          "files of type ." +
          extension.slice(0, MAX_EXTENSION_CHARS) +
          " are not accepted";
      } else if (maxSize && file.size > maxSize) {
        reason =
          "it is " + sizeText(file.size) + ", over the " + sizeText(maxSize) + " limit";
      }
      if (reason) {
        found.push(file.name + " cannot be attached: " + reason + ".");
      }
      total += file.size;
    });
    if (maxCount && files.length > maxCount) {
      found.push(
        "You attached " + files.length + " files; a message takes at most " +
          maxCount + ". Send the rest in another message."
      );
    }
    if (maxTotal && total > maxTotal) {
      found.push(
        "The files come to " + sizeText(total) + "; a message takes at most " +
          sizeText(maxTotal) + " in all. Send some in another message."
      );
    }
    return found;
  }

  function feedbackFor(input) {
    var id = input.id ? input.id + "_check" : "";
    var next = input.nextElementSibling;
    if (next && next.classList.contains("attachment-check")) {
      return next;
    }
    var box = document.createElement("div");
    box.className = "invalid-feedback d-block attachment-check";
    box.setAttribute("role", "alert");
    if (id) {
      box.id = id;
      var described = (input.getAttribute("aria-describedby") || "").split(" ");
      if (described.indexOf(id) === -1) {
        described.unshift(id);
        input.setAttribute("aria-describedby", described.join(" ").trim());
      }
    }
    input.insertAdjacentElement("afterend", box);
    return box;
  }

  function show(input, found) {
    var existing = input.nextElementSibling;
    if (!found.length) {
      if (existing && existing.classList.contains("attachment-check")) {
        existing.remove();
      }
      input.classList.remove("is-invalid");
      input.removeAttribute("aria-invalid");
      return;
    }
    var box = feedbackFor(input);
    box.textContent = "";
    var list = document.createElement("ul");
    list.className = "mb-1 ps-3";
    found.forEach(function (sentence) {
      var item = document.createElement("li");
      item.textContent = sentence;
      list.appendChild(item);
    });
    var advice = document.createElement("p");
    advice.className = "mb-0";
    advice.textContent = "Choose the files again.";
    box.appendChild(list);
    box.appendChild(advice);
    input.classList.add("is-invalid");
    input.setAttribute("aria-invalid", "true");
  }

  function check(input) {
    var found = problems(input);
    show(input, found);
    return found.length === 0;
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches(SELECTOR)) {
      check(event.target);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.querySelectorAll || (event.submitter && event.submitter.formNoValidate)) {
      return; // e.g. the reply box's "Insert" button, which sends no files
    }
    var first = null;
    Array.prototype.forEach.call(form.querySelectorAll(SELECTOR), function (input) {
      if (!check(input) && !first) {
        first = input;
      }
    });
    if (first) {
      event.preventDefault();
      event.stopImmediatePropagation();
      first.focus();
    }
  }, true);
})();
