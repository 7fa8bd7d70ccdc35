/* chatgate's agent console, in the admin: status and heartbeats, the queue, the chats.
 * No dependencies, no global. It talks to the agent API only (session + CSRF token),
 * reads its configuration from the page's JSON data, and writes every text from the
 * server or a visitor with textContent, never as markup. Heartbeats go out only while
 * the page is open: closing the tab lets the status expire. */
(function () {
  "use strict";
  var root = document.getElementById("chatgate-console-page");
  var data = document.getElementById("chatgate-console-config");
  if (!root || !data) return;
  var config = JSON.parse(data.textContent);
  var T = config.texts;
  var base = config.urls.conversations;
  var lang = document.documentElement.lang || navigator.language || "en";
  var pageTitle = document.title;
  var state = { open: null, lastId: 0, seen: {}, known: {}, unreachable: false, statusSet: 0 };

  function $(name) { return document.getElementById("chatgate-console-" + name); }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (all, key) {
      return key in values ? String(values[key]) : all;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function button(text, className, onClick) {
    var node = el("button", "button " + (className || ""), text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  /* "9:00 AM" on a 12-hour clock, "09:00" on a 24-hour one, as the widget and the server write. */
  function clock(iso) {
    if (!iso) return "";
    var twelve = new Intl.DateTimeFormat(lang, { hour: "numeric" }).resolvedOptions().hour12;
    var options = { hour: twelve ? "numeric" : "2-digit", minute: "2-digit" };
    return new Intl.DateTimeFormat(lang, options).format(new Date(iso));
  }

  function languageName(code) {
    if (!code) return "";
    try {
      var name = new Intl.DisplayNames([lang], { type: "language" }).of(code);
      return name && name !== code ? name + " (" + code + ")" : code;
    } catch (error) {
      return code;
    }
  }

  /* The visitor's wall clock as the server computed it ("…T11:00:00+01:00"): its own
   * reading, not converted to the agent's zone. */
  function visitorTime(conversation) {
    if (!conversation.local_time) return "";
    var time = conversation.local_time.slice(11, 16);
    return fill(T.local_time_value, { time: time, zone: conversation.timezone });
  }

  /* Live regions announce changes: a text is written only when it differs. */
  function say(name, text) {
    var node = $(name);
    if (node.textContent !== (text || "")) node.textContent = text || "";
  }

  function notice(text) {
    say("notice", text);
  }

  function api(method, url, body) {
    var headers = { Accept: "application/json" };
    if (method !== "GET") headers[config.csrf.header] = config.csrf.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      if (state.unreachable) { state.unreachable = false; notice(""); }
      return response.json().catch(function () { return {}; }).then(function (answer) {
        return { ok: response.ok, status: response.status, data: answer };
      });
    });
  }

  function unreachable() {
    state.unreachable = true;
    notice(T.unreachable);
  }

  function refused(result) {
    notice((result.data && result.data.detail) || T.unreachable);
  }

  /* A repeating request: ``run`` returns a promise of the seconds until the next run.
   * Calling the returned function runs it now (once, even if a run is under way). */
  function loop(run, seconds) {
    var timer = null, busy = false, again = false;
    function tick() {
      if (busy) { again = true; return; }
      clearTimeout(timer);
      busy = true;
      run().catch(unreachable).then(function (next) {
        busy = false;
        if (again) { again = false; tick(); return; }
        timer = setTimeout(tick, (next || seconds()) * 1000);
      });
    }
    return tick;
  }

  /* Keyed list update: rows keep their elements (and the keyboard focus) across polls. */
  function sync(list, items, make, update, heading) {
    var existing = {};
    Array.prototype.forEach.call(list.children, function (row) { existing[row.dataset.id] = row; });
    var kept = {};
    items.forEach(function (item, index) {
      var row = existing[item.id] || make(item);
      row.dataset.id = item.id;
      update(row, item);
      kept[item.id] = true;
      if (list.children[index] !== row) list.insertBefore(row, list.children[index] || null);
    });
    Object.keys(existing).forEach(function (id) {
      if (kept[id]) return;
      var hadFocus = existing[id].contains(document.activeElement);
      existing[id].remove();
      if (hadFocus) heading.focus();
    });
  }

  // Status and heartbeats

  var radios = root.querySelectorAll('input[name="chatgate-console-status"]');

  /* ``since``: the status changes counted when the request went out; an answer sent
   * before the agent's latest change must not bring the old status back. */
  function showPresence(body, since) {
    if (since !== undefined && since !== state.statusSet) return;
    config.status = body.status;
    Array.prototype.forEach.call(radios, function (radio) { radio.checked = radio.value === body.status; });
    say("presence", body.effective_status !== body.status
      ? T.expired
      : fill(T.status_now, { status: config.statuses[body.status] || body.status }));
  }

  function setStatus(status) {
    var since = ++state.statusSet;
    api("PUT", config.urls.status, { status: status }).then(function (result) {
      if (since !== state.statusSet) return;
      if (!result.ok) { showPresence({ status: config.status, effective_status: config.status }); return refused(result); }
      notice("");
      showPresence(result.data);
      refreshQueue();
    }).catch(unreachable);
  }

  Array.prototype.forEach.call(radios, function (radio) {
    radio.addEventListener("change", function () {
      if (radio.checked) setStatus(radio.value);
    });
    // Chosen before this script ran (a slow page): send it now.
    if (radio.checked && radio.value !== config.status) setStatus(radio.value);
  });

  var heartbeat = loop(function () {
    var since = state.statusSet;
    return api("POST", config.urls.heartbeat).then(function (result) {
      if (result.ok) showPresence(result.data, since);
    });
  }, function () { return config.heartbeat_seconds; });

  // The queue and the agent's chats

  function visitorName(conversation) {
    return conversation.visitor_name || T.visitor;
  }

  function fact(list, term, value) {
    if (!value) return;
    list.appendChild(el("dt", null, term));
    var detail = el("dd");
    if (typeof value === "string") detail.textContent = value;
    else detail.appendChild(value);
    list.appendChild(detail);
  }

  function pageLink(url) {
    if (!/^https?:\/\//i.test(url || "")) return url || "";
    var link = el("a", null, url);
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }

  function makeWaiting(conversation) {
    var id = conversation.id;
    var row = el("li", "chatgate-console-item");
    var who = el("p", "chatgate-console-who");
    who.id = "chatgate-console-who-" + id;
    who.appendChild(el("strong", null, visitorName(conversation)));
    if (conversation.visitor_email) who.appendChild(el("span", null, " <" + conversation.visitor_email + ">"));
    if (conversation.department) who.appendChild(el("span", "chatgate-console-department", conversation.department_name || conversation.department));
    row.appendChild(who);
    row.appendChild(el("p", "chatgate-console-first", conversation.first_message || ""));
    var facts = el("dl", "chatgate-console-facts");
    fact(facts, T.page, pageLink(conversation.page_url));
    fact(facts, T.language, languageName(conversation.language));
    var time = el("span", "chatgate-console-local-time");
    fact(facts, T.local_time, conversation.local_time ? time : null);
    row.appendChild(facts);
    row.appendChild(el("p", "chatgate-console-since", fill(T.waiting_since, { time: clock(conversation.waiting_since || conversation.started_at) })));
    var actions = el("div", "chatgate-console-actions");
    var accept = button(T.accept, "default", function () { acceptChat(id); });
    var close = button(T.close, "", function () { closeChat(id); });
    accept.setAttribute("aria-describedby", who.id);
    close.setAttribute("aria-describedby", who.id);
    actions.appendChild(accept);
    actions.appendChild(close);
    row.appendChild(actions);
    return row;
  }

  function updateWaiting(row, conversation) {
    var time = row.querySelector(".chatgate-console-local-time");
    if (time) time.textContent = visitorTime(conversation);
  }

  function makeActive(conversation) {
    var row = el("li", "chatgate-console-chat-row");
    var open = button("", "chatgate-console-open", function () { openChat(conversation.id); });
    row.appendChild(open);
    return row;
  }

  function updateActive(row, conversation) {
    var open = row.querySelector("button");
    var unread = conversation.id !== state.open &&
      conversation.last_message_id > (state.seen[conversation.id] || 0);
    var label = visitorName(conversation) + " · " + (conversation.first_message || "");
    open.textContent = unread ? label + " — " + T.unread : label;
    open.classList.toggle("chatgate-console-unread", unread);
    if (conversation.id === state.open) open.setAttribute("aria-current", "true");
    else open.removeAttribute("aria-current");
  }

  function showQueue(body) {
    var waiting = body.waiting, active = body.active;
    waiting.concat(active).forEach(function (conversation) { state.known[conversation.id] = conversation; });
    sync($("queue"), waiting, makeWaiting, updateWaiting, $("queue-title"));
    sync($("active"), active, makeActive, updateActive, $("active-title"));
    say("queue-empty", waiting.length ? "" : T.no_waiting);
    say("active-empty", active.length ? "" : T.no_active);
    say("waiting-count", waiting.length ? "(" + waiting.length + ")" : "");
    document.title = waiting.length ? "(" + waiting.length + ") " + pageTitle : pageTitle;
    say("load", fill(T.load, { active: body.agent.active, max: body.agent.max_chats }));
  }

  var refreshQueue = loop(function () {
    var since = state.statusSet;
    return api("GET", base).then(function (result) {
      if (!result.ok) { refused(result); return null; }
      showQueue(result.data);
      showPresence(result.data.agent, since);
      return result.data.poll_after;
    });
  }, function () { return config.poll_seconds; });

  function acceptChat(id) {
    api("POST", base + id + "/accept/").then(function (result) {
      refreshQueue();
      if (!result.ok) return refused(result);
      notice("");
      openChat(id);
      $("text").focus();
    }).catch(unreachable);
  }

  function closeChat(id) {
    api("POST", base + id + "/close/").then(function (result) {
      refreshQueue();
      if (!result.ok) return refused(result);
      notice("");
      if (id === state.open) refreshMessages();
    }).catch(unreachable);
  }

  // The open conversation

  function showChatState(status) {
    var active = status === "active";
    say("chat-state", status === "closed" ? T.closed : active ? "" : T.accept_first);
    $("text").disabled = !active;
    $("send").disabled = !active;
    $("close").disabled = status === "closed";
  }

  function addMessage(message) {
    if (message.id <= state.lastId) return;
    state.lastId = message.id;
    state.seen[state.open] = message.id;
    var row = el("li", "chatgate-console-message chatgate-console-" + message.author);
    var meta = el("p", "chatgate-console-meta");
    meta.appendChild(el("span", "chatgate-console-name", message.name || (message.author === "system" ? T.system : T.visitor)));
    meta.appendChild(el("span", "chatgate-console-time", clock(message.created_at)));
    row.appendChild(meta);
    row.appendChild(el("p", "chatgate-console-text", message.text));
    $("messages").appendChild(row);
    var log = $("log");
    log.scrollTop = log.scrollHeight;
  }

  var refreshMessages = loop(function () {
    var id = state.open;
    if (id === null) return Promise.resolve(null);
    return api("GET", base + id + "/messages/?after=" + state.lastId).then(function (result) {
      if (id !== state.open) return 0.1;  // another chat was opened meanwhile
      if (result.status === 404) { hideChat(); return null; }  // back in a queue this agent cannot see
      if (!result.ok) { refused(result); return null; }
      result.data.messages.forEach(addMessage);
      showChatState(result.data.status);
      return document.hidden ? 15 : Math.min(result.data.poll_after, config.poll_seconds);
    });
  }, function () { return config.poll_seconds; });

  function openChat(id) {
    var panel = $("chat");
    if (state.open !== id) {
      state.open = id;
      state.lastId = 0;
      $("messages").replaceChildren();
      $("text").value = "";
    }
    var conversation = state.known[id];
    $("chat-title").textContent = fill(T.chat_with, { name: conversation ? visitorName(conversation) : T.visitor });
    panel.hidden = false;
    refreshMessages();
    refreshQueue();
  }

  function hideChat() {
    var hadFocus = $("chat").contains(document.activeElement);
    state.open = null;
    $("chat").hidden = true;
    if (hadFocus) $("active-title").focus();
  }

  $("reply").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("text").value.trim();
    var id = state.open;
    if (!text || id === null) return;
    api("POST", base + id + "/messages/", { text: text }).then(function (result) {
      if (!result.ok) return refused(result);
      notice("");
      $("text").value = "";
      refreshMessages();  // from the last id seen: a visitor's message sent meanwhile comes too
    }).catch(unreachable);
  });

  $("text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("reply").requestSubmit();
    }
  });

  $("close").addEventListener("click", function () {
    if (state.open !== null) closeChat(state.open);
  });

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { refreshQueue(); refreshMessages(); }
  });

  heartbeat();
  refreshQueue();
  root.setAttribute("data-ready", "true");
})();
