/* Demo: load a (stand-in) third-party chat only while chatgate says a chat can start. */
(function () {
  "use strict";
  var status = document.getElementById("gate-status");
  var bubble = null;

  function load() {
    if (bubble) return;
    bubble = document.createElement("button");
    bubble.type = "button";
    bubble.className = "thirdparty-chat";
    bubble.textContent = "Third-party chat";
    document.body.appendChild(bubble);
  }

  function unload() {
    if (bubble) bubble.remove();
    bubble = null;
  }

  function follow(state) {
    var launcher = document.querySelector(".chatgate-launcher");
    if (launcher) launcher.setAttribute("data-gated", "");
    if (state.can_start_chat) load(); else unload();
    status.textContent = state.can_start_chat ? "loaded (chat can start)" : "not loaded (" + state.reason + ")";
  }

  function start() {
    window.Chatgate.on("status", follow); /* also called at once with the current state */
  }

  if (window.Chatgate) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
