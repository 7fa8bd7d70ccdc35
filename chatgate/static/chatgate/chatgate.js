/* chatgate widget: keeps the page in step with the server's widget state.
 * No dependencies. One global, window.Chatgate. Every text from the server or a
 * visitor goes in with textContent, never as markup. */
(function () {
  "use strict";
  if (window.Chatgate && window.Chatgate.version) return;

  var listeners = { status: [], department: [], open: [], close: [], ticket: [], message: [] };
  var widgets = [];
  var nonce = (document.currentScript && document.currentScript.nonce) || "";
  var chatScript = null;
  var PHONE = /^\+?[0-9][0-9 ().\-]{4,22}$/;
  var EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  var LIMITS = { textarea: 10000 };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === false || value === null || value === undefined) return;
      if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function emit(name, detail) {
    listeners[name].forEach(function (fn) {
      try { fn(detail); } catch (error) { setTimeout(function () { throw error; }); }
    });
    document.dispatchEvent(new CustomEvent("chatgate:" + name, { detail: detail }));
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? values[key] : all;
    });
  }

  /* The language Django activated for the page (the widget's config), else the page's or the browser's. */
  var pageLanguage = null;
  function language() {
    return pageLanguage || document.documentElement.lang || navigator.language || "en";
  }

  /* "We'll be back today at 09:00." as a whole sentence of the page's language, in the
   * visitor's time zone: today, tomorrow, a weekday within a week, else a date. */
  function backAt(iso, texts, now) {
    var at = new Date(iso);
    var lang = language();
    var format = function (options) { return new Intl.DateTimeFormat(lang, options).format(at); };
    var time = clockTime(iso);
    var day = function (d) { return new Intl.DateTimeFormat("en-CA").format(d); };
    if (day(at) === day(now)) return fill(texts.backToday, { time: time });
    if (day(at) === day(new Date(now.getTime() + 864e5))) return fill(texts.backTomorrow, { time: time });
    if (at - now < 6 * 864e5) return fill(texts.backWeekday, { day: format({ weekday: "long" }), time: time });
    return fill(texts.backDate, { date: format({ day: "numeric", month: "long" }), time: time });
  }

  /* A time of day in the page's language and the visitor's zone ("09:00", "9:00 AM"): two-digit
   * hours on a 24-hour clock only, as the server writes chat messages. */
  function clockTime(iso) {
    var lang = language();
    var twelve = new Intl.DateTimeFormat(lang, { hour: "numeric" }).resolvedOptions().hour12;
    var options = { hour: twelve ? "numeric" : "2-digit", minute: "2-digit" };
    return new Intl.DateTimeFormat(lang, options).format(new Date(iso));
  }

  /* "in 13 minutes" from a Retry-After of seconds, in the page's language; "" when absent. */
  function retryIn(header) {
    var seconds = Number(header);
    if (!header || !isFinite(seconds)) return "";
    var minutes = Math.max(1, Math.ceil(seconds / 60));
    var relative = new Intl.RelativeTimeFormat(language(), { numeric: "always" });
    return minutes > 90 ? relative.format(Math.ceil(minutes / 60), "hour") : relative.format(minutes, "minute");
  }

  /* Mirrors the server's checks (chatgate/tickets.py); the server has the last word. */
  function check(field, value, texts) {
    if (field.type === "checkbox") return field.required && !value ? texts.required : "";
    var text = String(value || "").trim();
    if (!text) return field.required ? texts.required : "";
    var limit = field.max_length || LIMITS[field.type] || 500;
    if (text.length > limit) return fill(texts.tooLong, { limit: limit });
    if (field.type === "email" && !EMAIL.test(text)) return texts.email;
    if (field.type === "phone" && !PHONE.test(text)) return texts.phone;
    if (field.type === "number" && !isFinite(Number(text))) return texts.number;
    if (field.type === "date" && !/^\d{4}-\d{2}-\d{2}$/.test(text)) return texts.date;
    if (field.type === "select" && field.choices.indexOf(text) < 0) return texts.choice;
    return "";
  }

  /* The chat interface is a second script, fetched the first time it is needed, with this
   * script's CSP nonce; it defines Chatgate.Chat. */
  function loadChat(src) {
    chatScript = chatScript || new Promise(function (resolve, reject) {
      var script = el("script", { src: src, async: true, nonce: nonce || null });
      script.onload = function () { resolve(window.Chatgate.Chat); };
      script.onerror = function () { chatScript = null; script.remove(); reject(new Error("chatgate: chat script")); };
      document.head.append(script);
    });
    return chatScript;
  }

  function stored(key) {
    try { return JSON.parse(localStorage.getItem(key)); } catch (error) { return null; }
  }

  function Widget(root) {
    var slug = root.getAttribute("data-chatgate-widget");
    this.root = root;
    this.config = JSON.parse(document.getElementById("chatgate-config-" + slug).textContent);
    this.texts = this.config.texts;
    pageLanguage = pageLanguage || this.config.language || null;
    this.state = null;
    this.etag = null;
    this.draft = {};
    this.isOpen = false;
    this.sent = false;
    this.timers = {};
    this.loadedAt = Date.now();
    this.lastAnswer = null;
    this.headless = this.config.headless;
    this.chatKey = "chatgate:" + slug + ":chat";
    if (!this.headless) this.build();
    this.apply(JSON.parse(document.getElementById("chatgate-state-" + slug).textContent));
    var self = this;
    if (stored(this.chatKey)) this.chat();  /* a conversation to resume */
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) self.stop("poll");
      else self.refresh();
    });
  }

  /* A promise of this widget's conversation (Chatgate.Chat), loading the chat script once. */
  Widget.prototype.chat = function () {
    var self = this;
    return loadChat(this.config.chatScript).then(function (Chat) {
      return self.talk || (self.talk = new Chat(self));
    });
  };

  Widget.prototype.build = function () {
    var id = this.root.id;
    var self = this;
    this.live = el("p", { className: "chatgate-live", "aria-live": "polite", role: "status" });
    this.launcher = el("button", { type: "button", className: "chatgate-launcher", "aria-expanded": "false", "aria-controls": id + "-panel" });
    this.panel = el("section", { id: id + "-panel", className: "chatgate-panel", role: "dialog", "aria-labelledby": id + "-title", hidden: true });
    this.title = el("h2", { id: id + "-title", className: "chatgate-title" });
    var closer = el("button", { type: "button", className: "chatgate-close", "aria-label": this.texts.close }, "×");
    this.typical = el("p", { className: "chatgate-typical", hidden: true });
    this.heading = el("div", { className: "chatgate-heading" });
    this.heading.append(this.title);
    var header = el("header", { className: "chatgate-header" });
    header.append(this.heading, closer);
    this.body = el("div", { className: "chatgate-body" });
    this.panel.append(header, this.body);
    this.root.append(this.live, this.panel, this.launcher);
    this.launcher.addEventListener("click", function () { self.isOpen ? self.close() : self.open(); });
    closer.addEventListener("click", function () { self.close(); });
    this.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") self.close();
    });
  };

  Widget.prototype.apply = function (state) {
    var before = this.state;
    this.state = state;
    if (!this.headless) this.render(before);
    this.schedule();
    if (!before || before.status !== state.status || before.show !== state.show || before.can_start_chat !== state.can_start_chat) {
      if (before && !this.headless) this.announce();
      emit("status", state);
    }
    var old = {};
    ((before && before.departments) || []).forEach(function (d) { old[d.slug] = d.status; });
    state.departments.forEach(function (d) {
      if (before && old[d.slug] !== d.status) emit("department", d);
    });
  };

  Widget.prototype.announce = function () {
    var s = this.state;
    var t = this.texts;
    var nobody = !s.can_start_chat || s.status === "offline";  /* messaging mode can always write */
    var text = s.show === "hidden" ? t.unavailable : nobody ? t.nobody : s.status === "away" ? t.away : t.online;
    if (s.opens_at && nobody) text += " " + backAt(s.opens_at, t, new Date());
    this.live.textContent = text;
  };

  Widget.prototype.render = function (before) {
    var s = this.state;
    var t = this.texts;
    var formKind = s.form ? s.form.kind : null;
    var chatting = this.talk && this.talk.busy();  /* a conversation goes on whatever the state says */
    this.root.hidden = s.show === "hidden" && !chatting;
    this.root.setAttribute("data-show", s.show);
    this.root.setAttribute("data-status", s.status);
    if (this.root.hidden) { this.close(); return; }
    var talks = s.show === "chat" || s.show === "messaging";
    var label = { chat: t.chat, messaging: t.message, offline_form: t.leaveMessage, contact_form: t.contact }[chatting && s.show !== "messaging" ? "chat" : s.show];
    this.launcher.textContent = label;
    this.title.textContent = s.form && !chatting ? s.form.title : label;
    /* "Typically replies in a few minutes": under the title in messaging mode, under the greeting in chat mode. */
    this.typical.textContent = (!s.form && s.texts.typical_reply) || "";
    this.typical.hidden = !this.typical.textContent;
    if (s.show === "messaging") this.heading.append(this.typical);
    var same = before && before.show === s.show && this.body.firstChild && (!s.form || (before.form && formKind === before.form.kind));
    if (same || (chatting && this.talk.box && this.talk.box.isConnected)) { this.renderNotices(); if (this.talk) this.talk.update(); return; }
    this.sent = false;
    this.body.textContent = "";
    this.notices = el("div", { className: "chatgate-notices" });
    this.body.append(this.notices);
    this.renderNotices();
    if (!chatting && s.form) this.renderForm(s.form);
    else if (!chatting && s.texts.greeting) this.body.append(el("p", { className: "chatgate-greeting" }, s.texts.greeting));
    if (s.show !== "messaging") this.body.append(this.typical);
    if (this.talk && (chatting || talks)) this.talk.update();
  };

  Widget.prototype.renderNotices = function () {
    var s = this.state;
    var t = this.texts;
    this.notices.textContent = "";
    if (s.closing_soon && s.can_start_chat && s.closes_at) this.notices.append(el("p", { className: "chatgate-notice chatgate-closing-soon" }, fill(s.texts.closing_soon, { time: clockTime(s.closes_at) })));
    if (!s.can_start_chat || (s.mode === "messaging" && s.status === "offline")) {
      if (s.mode === "messaging" && s.texts.away_reply) this.notices.append(el("p", { className: "chatgate-notice" }, s.texts.away_reply));
      if (s.opens_at) this.notices.append(el("p", { className: "chatgate-notice chatgate-back-at" }, backAt(s.opens_at, t, new Date())));
    }
  };

  Widget.prototype.renderForm = function (form, parent) {
    var self = this;
    var t = this.texts;
    var base = this.root.id + "-field-";
    var node = el("form", { className: "chatgate-form", novalidate: true });
    if (form.greeting) node.append(el("p", { className: "chatgate-greeting" }, form.greeting));
    this.inputs = {};
    var fields = form.fields.slice();
    if (form.department_choice && this.state.departments.length) {
      fields.unshift({ name: "__department", label: t.department, type: "select", required: false, help: "", max_length: null,
        choices: this.state.departments.map(function (d) { return d.slug; }) });
    }
    fields.forEach(function (field) { node.append(self.renderField(field, base + field.name)); });
    var honeypot = el("input", { type: "text", name: "website", className: "chatgate-hp", tabindex: "-1", autocomplete: "off", "aria-hidden": "true" });
    this.general = el("p", { className: "chatgate-error", role: "alert" });
    this.submit = el("button", { type: "submit", className: "chatgate-submit" }, form.submit_label);
    node.append(honeypot, this.general, this.submit);
    node.addEventListener("submit", function (event) { event.preventDefault(); self.send(form, node, honeypot); });
    (parent || this.body).append(node);
  };

  Widget.prototype.renderField = function (field, id) {
    var t = this.texts;
    var self = this;
    var row = el("div", { className: "chatgate-field chatgate-field-" + field.type });
    var label = el("label", { for: id }, field.label);
    if (field.required) {
      label.append(" ", el("span", { className: "chatgate-required", "aria-hidden": "true" }, "*"));
      label.append(el("span", { className: "chatgate-sr" }, " (" + t.requiredMark + ")"));
    }
    var input;
    var attrs = { id: id, name: field.name, required: field.required, "aria-describedby": id + "-error" + (field.help ? " " + id + "-help" : "") };
    if (field.type === "textarea") input = el("textarea", attrs);
    else if (field.type === "select") {
      input = el("select", attrs);
      input.append(el("option", { value: "" }, "—"));
      field.choices.forEach(function (choice) {
        input.append(el("option", { value: choice }, self.choiceLabel(field, choice)));
      });
    } else {
      var type = { email: "email", phone: "tel", number: "number", date: "date", checkbox: "checkbox" }[field.type] || "text";
      attrs.type = type;
      attrs.autocomplete = { email: "email", phone: "tel" }[field.type] || (field.name === "name" ? "name" : null);
      input = el("input", attrs);
    }
    if (field.max_length) input.setAttribute("maxlength", field.max_length);
    var saved = this.draft[field.name];
    if (saved !== undefined) {
      if (field.type === "checkbox") input.checked = saved; else input.value = saved;
    }
    input.addEventListener("input", function () { self.draft[field.name] = field.type === "checkbox" ? input.checked : input.value; });
    input.addEventListener("change", function () { self.draft[field.name] = field.type === "checkbox" ? input.checked : input.value; });
    var error = el("p", { id: id + "-error", className: "chatgate-error" });
    if (field.type === "checkbox") row.append(input, label); else row.append(label, input);
    if (field.help) row.append(el("p", { id: id + "-help", className: "chatgate-help" }, field.help));
    row.append(error);
    this.inputs[field.name] = { field: field, input: input, error: error };
    return row;
  };

  /* Departments show their name, and "(offline)" when nobody there can answer now. */
  Widget.prototype.choiceLabel = function (field, choice) {
    if (field.name !== "__department") return choice;
    var dept = this.state.departments.filter(function (d) { return d.slug === choice; })[0];
    return dept.status === "offline" ? dept.name + " (" + this.texts.offline + ")" : dept.name;
  };

  Widget.prototype.showErrors = function (errors) {
    var first = null;
    var self = this;
    Object.keys(this.inputs).forEach(function (name) {
      var entry = self.inputs[name];
      var message = errors[name] || "";
      entry.error.textContent = message;
      if (message) entry.input.setAttribute("aria-invalid", "true"); else entry.input.removeAttribute("aria-invalid");
      if (message && !first) first = entry.input;
    });
    if (first) first.focus();
    return !first;
  };

  Widget.prototype.send = function (form, node, honeypot) {
    var self = this;
    var t = this.texts;
    var errors = {};
    var values = {};
    Object.keys(this.inputs).forEach(function (name) {
      var entry = self.inputs[name];
      var value = entry.field.type === "checkbox" ? entry.input.checked : entry.input.value;
      var message = check(entry.field, value, t);
      if (message) errors[name] = message;
      values[name] = value;
    });
    this.general.textContent = "";
    if (!this.showErrors(errors)) return;
    var department = values.__department || null;
    delete values.__department;
    var body = {
      form: form.kind, department: department, fields: values, website: honeypot.value,
      page_url: location.href.slice(0, 2000), language: language(),
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "",
      conversation: form.conversation  /* the chat whose offered form this is: its transcript goes too */
    };
    this.submit.disabled = true;
    this.submit.textContent = t.sending;
    fetch(this.config.ticketsUrl, {
      method: "POST", credentials: "omit",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      var retry = response.headers.get("Retry-After");
      return response.json().catch(function () { return {}; }).then(function (data) { return { status: response.status, data: data, retry: retry }; });
    }).then(function (result) {
      self.submit.disabled = false;
      self.submit.textContent = form.submit_label;
      if (result.status === 201) return self.succeeded(result.data);
      if (result.status === 400) return self.refused(result.data);
      var wait = result.status === 429 && retryIn(result.retry);
      self.general.textContent = wait ? fill(t.throttled, { when: wait }) : t.failed;
    }, function () {
      self.submit.disabled = false;
      self.submit.textContent = form.submit_label;
      self.general.textContent = t.failed;
    });
  };

  Widget.prototype.succeeded = function (data) {
    this.draft = {};
    this.sent = true;
    this.body.textContent = "";
    var done = el("p", { className: "chatgate-success", role: "status", tabindex: "-1" }, data.message);
    this.body.append(done);
    done.focus();
    emit("ticket", data);
  };

  Widget.prototype.refused = function (data) {
    var errors = {};
    var fieldErrors = data.fields || {};
    if (Array.isArray(fieldErrors)) this.general.textContent = fieldErrors.join(" ");
    else Object.keys(fieldErrors).forEach(function (name) { errors[name] = [].concat(fieldErrors[name]).join(" "); });
    if (data.department) errors.__department = [].concat(data.department).join(" ");
    var general = [].concat(data.form || [], data.website || [], data.page_url || [], data.timezone || []);
    if (general.length) this.general.textContent = general.join(" ");
    this.showErrors(errors);
    if (data.state) this.apply(data.state);
  };

  Widget.prototype.open = function () {
    if (this.headless || this.root.hidden) return;
    var self = this;
    this.isOpen = true;
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.focus();
    if (this.state.show === "chat" || this.state.show === "messaging" || (this.talk && this.talk.busy())) {
      this.chat().then(function (talk) { if (self.isOpen) talk.show(); }, function () { self.body.append(el("p", { className: "chatgate-error" }, self.texts.failed)); });
    }
    emit("open", this.state);
  };

  Widget.prototype.focus = function () {
    var target = this.panel.querySelector("input:not([tabindex]), textarea, select, button.chatgate-submit") || this.panel.querySelector(".chatgate-close");
    if (target) target.focus();
  };

  Widget.prototype.close = function () {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.focus();
    emit("close", this.state);
  };

  Widget.prototype.stop = function (name) {
    clearTimeout(this.timers[name]);
  };

  /* Re-check at valid_until (the next schedule change) and every poll_after seconds. */
  Widget.prototype.schedule = function (retryAfter) {
    var self = this;
    var s = this.state;
    this.stop("change");
    this.stop("poll");
    var wait = s.valid_until ? new Date(s.valid_until).getTime() - Date.now() : -1;
    if (wait > 0) {  /* already past (a fast clock on this computer): the poll below takes over */
      this.timers.change = setTimeout(function () { self.refresh(); }, Math.min(wait + 250, 2147483647));
    }
    if (!document.hidden && s.poll_after > 0) {
      var poll = Math.max(s.poll_after, retryAfter || 0);
      this.timers.poll = setTimeout(function () { self.refresh(); }, poll * 1000);
    }
  };

  Widget.prototype.refresh = function () {
    var self = this;
    var headers = { Accept: "application/json" };
    if (this.etag) headers["If-None-Match"] = this.etag;
    return fetch(this.config.stateUrl, { headers: headers, credentials: "omit", cache: "no-cache" })
      .then(function (response) {
        if (response.status === 304) return null;
        if (!response.ok) {
          var error = new Error("chatgate: state " + response.status);
          error.retryAfter = Number(response.headers.get("Retry-After")) || 0;
          throw error;
        }
        self.etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (state) {
        self.lastAnswer = Date.now();
        if (state) self.apply(state); else self.schedule();
        return self.state;
      }, function (error) { self.failed(error.retryAfter || 0); return self.state; });
  };

  /* The server cannot answer (503, network down): keep the last known state for a
   * while (two polls, and never past valid_until), then hide, as nobody can answer. */
  Widget.prototype.failed = function (retryAfter) {
    var s = this.state;
    var stale = Date.now() - (this.lastAnswer || this.loadedAt) > 2 * s.poll_after * 1000 ||
      (s.valid_until && new Date(s.valid_until).getTime() <= Date.now());
    if (stale && s.reason !== "unavailable") {
      this.apply(Object.assign({}, s, {
        status: "offline", reason: "unavailable", show: "hidden", can_start_chat: false,
        opens_at: null, closes_at: null, closing_soon: false, valid_until: null, form: null,
        departments: s.departments.map(function (d) {
          return Object.assign({}, d, { status: "offline", reason: "unavailable", opens_at: null, closes_at: null });
        })
      }));
      this.etag = null;
    }
    this.schedule(retryAfter);
  };

  function first() {
    return widgets[0];
  }

  function chat() {
    return first() ? first().chat() : Promise.reject(new Error("chatgate: no widget on this page"));
  }

  window.Chatgate = {
    version: "0.1.0",
    on: function (name, fn) {
      if (!listeners[name]) throw new Error("chatgate: unknown event " + name);
      listeners[name].push(fn);
      if (name === "status" && first()) fn(first().state);
    },
    get: function (key) {
      var widget = first();
      return widget ? (key === "state" ? widget.state : widget[key]) : undefined;
    },
    open: function () { if (first()) first().open(); },
    close: function () { if (first()) first().close(); },
    refresh: function () { return first() ? first().refresh() : Promise.resolve(undefined); },
    /* Chats: start({message, department?, name?, email?}) and send(text) return promises. */
    start: function (options) { return chat().then(function (talk) { return talk.start(options || {}); }); },
    send: function (text) { return chat().then(function (talk) { return talk.send(text); }); },
    widgets: widgets,
    _: { el: el, emit: emit, fill: fill, check: check, language: language, stored: stored, retryIn: retryIn }
  };

  function start() {
    var roots = document.querySelectorAll("[data-chatgate-widget]");
    Array.prototype.forEach.call(roots, function (root) {
      if (!root.chatgate) root.chatgate = new Widget(root);
      if (widgets.indexOf(root.chatgate) < 0) widgets.push(root.chatgate);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
