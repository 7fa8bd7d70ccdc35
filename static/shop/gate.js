/* Demo: a site-made chat built only on chatgate's public API (the widget is headless here). */
(function () {
  "use strict";
  var status = document.getElementById("gate-status");
  var list = document.getElementById("gate-messages");
  var form = document.getElementById("gate-form");
  var text = document.getElementById("gate-text");
  var button = document.getElementById("gate-button");
  var error = document.getElementById("gate-error");
  var chatting = false;

  function follow(state) {
    status.textContent = state.can_start_chat ? "someone can answer now" : "nobody can answer now (" + state.reason + ")";
    button.disabled = !chatting && !state.can_start_chat;
  }

  function show(message) {
    chatting = true;
    button.textContent = "Send";
    button.disabled = false;
    var line = document.createElement("p");
    line.className = "gate-message gate-from-" + message.author;
    var who = message.author === "visitor" ? "You" : message.author === "agent" ? message.name : "";
    line.textContent = (who ? who + ": " : "") + message.text;
    list.appendChild(line);
  }

  function submit(event) {
    event.preventDefault();
    var value = text.value.trim();
    if (!value) return;
    error.textContent = "";
    var sent = chatting ? window.Chatgate.send(value) : window.Chatgate.start({ message: value });
    sent.then(function () { text.value = ""; }, function (failed) {
      if (failed.status === 409 && failed.data && failed.data.code === "closed") {
        chatting = false;  /* the agent ended the chat: the next send starts a new one */
        button.textContent = "Start a new chat";
        error.textContent = "This chat has ended. Send your message again to start a new one.";
        return;
      }
      error.textContent = failed.status === 409 ? "Sorry, nobody can answer right now." : "Sending failed; please try again.";
    });
  }

  function start() {
    window.Chatgate.on("status", follow); /* also called at once with the current state */
    window.Chatgate.on("message", show);
    form.addEventListener("submit", submit);
  }

  if (window.Chatgate) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
