/* The chatbot's panel (CSP: script-src 'self'; nothing inline).

   [data-chat-launcher]: a button that opens a popup; the panel is loaded
   into it with htmx the first time (without JavaScript the button is a link
   to the chat page). After every swap the transcript scrolls to its end,
   the question box takes the focus, and the bot's latest line is copied into
   a polite live region ([data-chat-announcer]) that stays in the page, so
   screen readers hear each reply once. */
(function () {
  "use strict";

  function settle(panel) {
    if (!panel) {
      return;
    }
    var transcript = panel.querySelector("[data-chat-transcript]");
    if (transcript) {
      transcript.scrollTop = transcript.scrollHeight;
    }
    var lines = panel.querySelectorAll("[data-chat-bot-line]");
    var holder = panel.closest("[data-chat-launcher], .chat-card");
    var announcer = holder && holder.querySelector("[data-chat-announcer]");
    if (announcer && lines.length) {
      announcer.textContent = lines[lines.length - 1].textContent.trim();
    }
    var input = panel.querySelector("[data-chat-input]");
    if (input && panel.dataset.chatFocus !== "no") {
      input.focus();
    }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var config = event.detail.requestConfig;
    if (!config || String(config.path).indexOf("/help/chat/") === -1) {
      return;
    }
    document.querySelectorAll("[data-chat-panel]").forEach(settle);
  });

  function setUp(launcher) {
    var toggle = launcher.querySelector("[data-chat-toggle]");
    var popup = launcher.querySelector(".chat-popup");
    var body = launcher.querySelector("[data-chat-body]");
    var close = launcher.querySelector("[data-chat-close]");
    var loaded = false;
    var announcer = document.createElement("div");
    announcer.className = "visually-hidden";
    announcer.setAttribute("aria-live", "polite");
    announcer.setAttribute("data-chat-announcer", "");
    launcher.appendChild(announcer);

    function open() {
      popup.hidden = false;
      toggle.setAttribute("aria-expanded", "true");
      if (!loaded && window.htmx) {
        loaded = true;
        window.htmx.ajax("GET", launcher.getAttribute("data-chat-url"), {
          target: body,
          swap: "innerHTML",
        });
      } else {
        settle(body.querySelector("[data-chat-panel]"));
      }
    }

    function shut() {
      popup.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }

    toggle.addEventListener("click", function (event) {
      if (!window.htmx) {
        return; /* follow the link to the chat page */
      }
      event.preventDefault();
      if (popup.hidden) {
        open();
      } else {
        shut();
      }
    });
    close.addEventListener("click", shut);
    popup.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        shut();
      }
    });
  }

  function start() {
    document.querySelectorAll("[data-chat-launcher]").forEach(setUp);
    var page = document.querySelector(".chat-card [data-chat-panel]");
    if (page) {
      page.dataset.chatFocus = "no";
      settle(page);
      delete page.dataset.chatFocus;
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
