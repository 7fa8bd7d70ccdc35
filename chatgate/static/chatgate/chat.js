/* chatgate chat: the visitor's side of a conversation (pre-chat step, messages, send box).
 * Loaded by chatgate.js the first time a visitor opens the chat panel, calls Chatgate.start or
 * send, or has a conversation to resume; never on a plain page load. The conversation's token
 * stays in localStorage (one key per widget), so a reload or another page resumes it.
 * While the panel is open (or the widget is headless) and the tab visible, it polls at least
 * every 2 seconds; a hidden tab polls every 30. Every text goes in with textContent.
 * Messaging mode: the same interface for a thread that never ends. Its first step is a send
 * box, its token is kept even when the server closed it (writing reopens it), and each message
 * sent is followed by a poll at once, for the automatic reply the server may have added. */
(function () {
  "use strict";
  var Chatgate = window.Chatgate;
  if (!Chatgate || Chatgate.Chat) return;
  var u = Chatgate._;
  var el = u.el;
  var OPEN_POLL = 2, CLOSED_POLL = 10, HIDDEN_POLL = 30;

  function call(method, url, body) {
    return fetch(url, {
      method: method, credentials: "omit", cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      var retry = response.headers.get("Retry-After");
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data, retry: retry };
      });
    });
  }

  function failure(result) {
    var error = new Error("chatgate: " + (result.data.detail || result.status));
    error.status = result.status;
    error.data = result.data;
    error.retryAfter = result.retry;
    return error;
  }

  function Chat(widget) {
    var self = this;
    this.w = widget;
    this.t = widget.texts;
    this.token = null;
    this.status = null;
    this.after = null;
    this.seen = {};
    this.messages = [];
    this.offered = null;
    this.timer = null;
    var saved = u.stored(widget.chatKey);
    document.addEventListener("visibilitychange", function () { self.schedule(document.hidden ? HIDDEN_POLL : 0); });
    Chatgate.on("ticket", function () { if (self.offered) self.forget(); });
    Chatgate.on("close", function () { self.save(); });  /* a reload opens the panel only if it was open */
    if (saved && saved.token) {
      this.token = saved.token;
      this.status = "waiting";
      this.publish();
      if (!widget.headless) widget.render(null);
      this.poll();
      if (saved.open && !widget.isOpen) widget.open();
    }
  }

  /* A conversation is on screen and not over: the widget keeps showing it. */
  Chat.prototype.busy = function () {
    return !!this.token && (this.status !== "closed" || this.thread());
  };

  /* Messaging mode: a thread is never over; a closed one reopens when its visitor writes. */
  Chat.prototype.thread = function () {
    return this.w.state.mode === "messaging";
  };

  Chat.prototype.save = function () {
    try {
      if (this.busy()) localStorage.setItem(this.w.chatKey, JSON.stringify({ token: this.token, open: this.w.isOpen }));
      else localStorage.removeItem(this.w.chatKey);
    } catch (error) { /* storage refused (private mode): the chat lasts as long as the page */ }
  };

  Chat.prototype.publish = function () {
    this.w.conversation = { status: this.status, form: this.offered };
    this.save();
  };

  /* Chatgate.start: the server decides now. 409: nobody can take it; the state it carries is
   * applied and the visitor's words wait in the offline form. */
  Chat.prototype.start = function (options) {
    var self = this;
    if (this.busy()) return Promise.reject(new Error("chatgate: a conversation is already going on"));
    var body = {
      message: options.message || "", department: options.department || null,
      name: options.name || "", email: options.email || "",
      page_url: location.href.slice(0, 2000), language: u.language(),
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || ""
    };
    return call("POST", this.w.config.conversationsUrl, body).then(function (result) {
      if (result.status !== 201) {
        if (result.status === 409 && result.data.state) self.refused(body, result.data.state);
        throw failure(result);
      }
      self.token = result.data.token;
      self.status = result.data.status;
      self.after = null;
      self.seen = {};
      self.messages = [];
      self.offered = null;
      self.visitor = { name: body.name, email: body.email };
      self.publish();
      self.receive(result.data.messages, true);
      if (self.thread()) self.poll(); else self.schedule();
      return result.data;
    });
  };

  /* Where a form takes the visitor's words: its "message" field, else its first textarea. */
  function messageField(form) {
    var fields = (form && form.fields) || [];
    return fields.filter(function (f) { return f.name === "message"; })[0] || fields.filter(function (f) { return f.type === "textarea"; })[0];
  }

  /* A form gets what the visitor already typed: ``text`` in its message field, name, email. */
  function prefill(draft, form, text, visitor) {
    var target = messageField(form);
    if (target) draft[target.name] = text.slice(-(target.max_length || 10000));
    ((form && form.fields) || []).forEach(function (field) {
      if (field.type === "email" && visitor.email) draft[field.name] = visitor.email;
      else if (field.name === "name" && visitor.name) draft[field.name] = visitor.name;
    });
  }

  /* The offline form the 409's state shows gets the message, name and email already typed. */
  Chat.prototype.refused = function (body, state) {
    prefill(this.w.draft, state.form, body.message, body);
    this.w.apply(state);
  };

  Chat.prototype.send = function (text) {
    var self = this;
    if (!this.busy()) {  /* as the server would answer: 409 once closed, 404 before any chat */
      var closed = !!this.token;
      var data = { code: closed ? "closed" : "none", detail: closed ? "closed" : "no conversation" };
      return Promise.reject(failure({ status: closed ? 409 : 404, data: data }));
    }
    return call("POST", this.url("messagesUrl"), { text: text }).then(function (result) {
      if (result.status === 201) {
        self.receive([result.data], false);
        if (self.thread()) self.poll();  /* the automatic reply, if the server added one */
        return result.data;
      }
      if (result.status === 404 && self.thread()) self.reset();  /* gone: a new thread can start */
      else if (result.status === 404 || (result.status === 409 && result.data.code === "closed")) self.ended();
      throw failure(result);
    });
  };

  Chat.prototype.end = function () {
    var self = this;
    if (!this.busy()) return Promise.resolve();
    return call("POST", this.url("closeUrl")).then(function () { return self.poll(); });
  };

  Chat.prototype.url = function (name) {
    return this.w.config[name].replace("{token}", encodeURIComponent(this.token));
  };

  /* New messages only (ids seen are skipped), each announced as chatgate:message. Only a
   * poll's answer moves ``after``: a sent message may overtake an agent's unread one. */
  Chat.prototype.receive = function (messages, polled) {
    var self = this;
    var known = this.after !== null;  /* not the history of a resumed chat */
    messages.forEach(function (message) {
      if (polled) self.after = Math.max(self.after || 0, message.id);
      if (self.seen[message.id]) return;
      self.seen[message.id] = true;
      self.messages.push(message);
      if (self.list) self.draw(message);
      if (known && !self.w.isOpen && message.author !== "visitor") self.unread(1);
      u.emit("message", message);
    });
  };

  /* With the panel closed, the launcher counts the messages that came, and the page says so. */
  Chat.prototype.unread = function (more) {
    var w = this.w;
    if (w.headless) return;
    this.unseen = more ? (this.unseen || 0) + more : 0;
    if (!this.unseen) return w.launcher.removeAttribute("data-unread");
    w.launcher.setAttribute("data-unread", this.unseen);
    w.live.textContent = this.t.newMessage;
  };

  Chat.prototype.poll = function () {
    var self = this;
    clearTimeout(this.timer);
    if (!this.token) return Promise.resolve();
    var url = this.url("messagesUrl") + (this.after ? "?after=" + this.after : "");
    return call("GET", url).then(function (result) {
      if (result.status === 404) return self.reset();  /* gone: a new chat can start */
      if (result.status !== 200) return self.schedule(5, Number(result.retry) || 5);
      var data = result.data;
      self.receive(data.messages, true);
      self.status = data.status;
      if (data.status === "closed" && !self.thread()) return self.ended();
      self.offer(data.form);
      self.publish();
      self.render();
      self.schedule(data.poll_after);
    }, function () { self.schedule(5, 5); });
  };

  /* Open panel (or headless) and visible tab: at most every 2 s, whatever the server's hint;
   * closed panel: the hint, at least 10 s; hidden tab: 30 s. After a failure, ``floor``
   * seconds at least (the server's Retry-After). */
  Chat.prototype.schedule = function (hint, floor) {
    var self = this;
    clearTimeout(this.timer);
    if (!this.busy()) return;
    var wait = document.hidden ? HIDDEN_POLL : (this.w.isOpen || this.w.headless) ? Math.min(hint || OPEN_POLL, OPEN_POLL) : Math.max(hint || 0, CLOSED_POLL);
    if (hint === 0 && !document.hidden) wait = 0;
    wait = Math.max(wait, floor || 0);
    this.timer = setTimeout(function () { self.poll(); }, wait * 1000);
  };

  Chat.prototype.ended = function () {
    clearTimeout(this.timer);
    this.status = "closed";
    this.offer(null);
    this.publish();
    this.render();
  };

  Chat.prototype.reset = function () {
    clearTimeout(this.timer);
    this.token = null;
    this.status = null;
    this.messages = [];
    this.offer(null);
    this.publish();
    if (!this.w.headless && this.w.state.show !== "chat") this.w.render(null);  /* the state's own form */
    else this.render();
  };

  Chat.prototype.forget = function () {
    this.offered = null;
    this.ended();
  };

  /* What the panel shows. ---------------------------------------------------------------- */

  /* The panel opened: draw the pre-chat step or the conversation, then focus it. */
  Chat.prototype.show = function () {
    if (this.w.headless) return;
    this.unread(0);
    this.update();
    this.save();
    if (this.token) { this.schedule(0); if (this.box) this.focusText(); } else this.w.focus();
  };

  /* Redraw in the widget's body when the body was rebuilt, or the state changed. */
  Chat.prototype.update = function () {
    var show = this.w.state.show;
    if (this.w.headless || (!this.busy() && show !== "chat" && show !== "messaging" && !(this.box && this.box.isConnected))) return;
    if (!this.box || !this.box.isConnected) {
      this.box = el("div", { className: "chatgate-chat" });
      this.list = null;
      this.w.body.append(this.box);
      this.render();
    } else if (!this.token && this.departments) this.departmentChoices();
  };

  Chat.prototype.render = function () {
    if (!this.box) return;
    var greeting = this.w.body.querySelector(".chatgate-greeting");
    if (greeting) greeting.hidden = !!this.token;
    if (!this.token) return this.prechat();
    if (!this.list) this.conversation();
    var thread = this.thread();  /* no wait to announce, no end: the automatic reply says when */
    var over = this.status === "closed" && !thread;
    this.waiting.textContent = over ? this.t.ended : this.status === "waiting" && !thread ? this.t.waiting : "";
    this.sendForm.hidden = over || !!this.offered;
    this.ender.hidden = this.status === "closed" || thread;
    this.again.hidden = !over;
  };

  Chat.prototype.prechat = function () {
    var self = this;
    var w = this.w;
    var t = this.t;
    var ask = w.config.ask || {};
    var base = w.root.id + "-chat-";
    var form = el("form", { className: "chatgate-form chatgate-prechat", novalidate: true });
    var fields = [];
    if (ask.name && ask.name !== "off") fields.push({ name: "name", label: t.yourName, type: "text", required: ask.name === "required", max_length: 100 });
    if (ask.email && ask.email !== "off") fields.push({ name: "email", label: t.yourEmail, type: "email", required: ask.email === "required" });
    if (w.state.departments.length > 1) fields.push({ name: "__department", label: t.department, type: "select", required: true, choices: w.state.departments.map(function (d) { return d.slug; }) });
    fields.push({ name: "message", label: t.yourMessage, type: "textarea", required: true, max_length: 5000 });
    w.inputs = {};
    fields.forEach(function (field) { form.append(w.renderField(Object.assign({ help: "", choices: [], max_length: null }, field), base + field.name)); });
    this.departments = w.inputs.__department ? w.inputs.__department.input : null;
    if (this.departments) this.departmentChoices();
    var general = el("p", { className: "chatgate-error", role: "alert" });
    var label = this.thread() ? t.send : t.startChat;
    var submit = el("button", { type: "submit", className: "chatgate-submit" }, label);
    form.append(general, submit);
    if (this.thread()) this.enterSends(w.inputs.message.input, form);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.begin(form, general, submit, label);
    });
    this.list = null;
    this.box.textContent = "";
    this.box.append(form);
  };

  /* Offline departments stay in the list, marked offline, and cannot be chosen (in messaging
   * mode they can: the thread waits for them). */
  Chat.prototype.departmentChoices = function () {
    var select = this.departments;
    var state = this.w.state;
    select.querySelector("option[value='']") && select.querySelector("option[value='']").remove();
    var offline = {};
    Array.prototype.forEach.call(select.options, function (option) {
      var dept = state.departments.filter(function (d) { return d.slug === option.value; })[0];
      offline[option.value] = !dept || dept.status === "offline";
      option.disabled = !dept || (offline[option.value] && state.mode !== "messaging");
    });
    /* Selected by default: the first department someone can answer now, if any. */
    var chosen = select.selectedOptions[0];
    if (!chosen || chosen.disabled || (offline[chosen.value] && !select.dataset.touched)) {
      var open = Array.prototype.filter.call(select.options, function (o) { return !offline[o.value]; })[0];
      if (open) select.value = open.value;
    }
    select.onchange = function () { select.dataset.touched = "1"; };  /* the visitor chose */
  };

  Chat.prototype.begin = function (form, general, submit, label) {
    var self = this;
    var w = this.w;
    var t = this.t;
    var values = {};
    var errors = {};
    Object.keys(w.inputs).forEach(function (name) {
      var entry = w.inputs[name];
      values[name] = entry.input.value;
      var message = u.check(entry.field, entry.input.value, t);
      if (message) errors[name] = message;
    });
    general.textContent = "";
    if (!w.showErrors(errors)) return;
    submit.disabled = true;
    submit.textContent = t.sending;
    this.start({ message: values.message, department: values.__department, name: values.name, email: values.email }).then(function () {
      w.draft = {};
      self.render();
      self.focusText();
    }, function (error) {
      submit.disabled = false;
      submit.textContent = label;
      if (error.status === 409) return w.focus();
      var data = error.data || {};
      var fieldErrors = {};
      ["name", "email", "message", "department"].forEach(function (name) {
        if (data[name]) fieldErrors[name === "department" ? "__department" : name] = [].concat(data[name]).join(" ");
      });
      if (Object.keys(fieldErrors).length) return w.showErrors(fieldErrors);
      var wait = error.status === 429 && error.retryAfter;
      general.textContent = wait ? u.fill(t.throttled, { when: u.retryIn(wait) }) : t.failed;
    });
  };

  Chat.prototype.conversation = function () {
    var self = this;
    var t = this.t;
    var id = this.w.root.id + "-chat-text";
    this.list = el("div", { className: "chatgate-messages", role: "log", "aria-live": "polite", "aria-label": t.messages, tabindex: "0" });
    this.waiting = el("p", { className: "chatgate-chat-status", role: "status" });
    this.offerBox = el("div", { className: "chatgate-offer" });
    this.sendForm = el("form", { className: "chatgate-send", novalidate: true });
    var text = el("textarea", { id: id, name: "text", rows: "2", maxlength: "5000", required: true, placeholder: t.typeMessage });
    var error = el("p", { className: "chatgate-error", role: "alert" });
    var button = el("button", { type: "submit", className: "chatgate-submit" }, t.send);
    this.sendForm.append(el("label", { for: id, className: "chatgate-sr" }, t.typeMessage), text, button, error);
    this.ender = el("button", { type: "button", className: "chatgate-end" }, t.endChat);
    this.again = el("button", { type: "button", className: "chatgate-submit chatgate-again" }, t.newChat);
    this.text = text;
    this.enterSends(text, this.sendForm);
    this.sendForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = text.value.trim();
      if (!value) return;
      button.disabled = true;
      error.textContent = "";
      self.send(value).then(function () { text.value = ""; }, function (failed) {
        if (failed.status !== 409 && failed.status !== 404) error.textContent = t.failed;
      }).then(function () { button.disabled = false; text.focus(); });
    });
    this.ender.addEventListener("click", function () { self.end().then(function () { self.again.focus(); }); });
    this.again.addEventListener("click", function () {
      self.reset();
      self.w.focus();
    });
    this.box.textContent = "";
    this.box.append(this.list, this.waiting, this.offerBox, this.sendForm, this.ender, this.again);
    this.messages.forEach(function (message) { self.draw(message); });
  };

  /* Enter sends, Shift+Enter starts a new line. */
  Chat.prototype.enterSends = function (text, form) {
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
    });
  };

  Chat.prototype.draw = function (message) {
    var item = el("div", { className: "chatgate-message chatgate-from-" + message.author });
    if (message.author !== "system") {
      item.append(el("span", { className: "chatgate-author" }, message.author === "visitor" ? this.t.you : message.name || this.t.agent));
    }
    item.append(el("p", { className: "chatgate-text" }, message.text));
    this.list.append(item);
    this.list.scrollTop = this.list.scrollHeight;
  };

  Chat.prototype.focusText = function () {
    if (this.text && !this.sendForm.hidden) this.text.focus();
    else if (this.again && !this.again.hidden) this.again.focus();
  };

  /* The wait ran out: the offline form, filled in with the transcript, sent with the token
   * (the ticket carries the server's own transcript and the chat ends). Withdrawn if an agent
   * accepts meanwhile. */
  Chat.prototype.offer = function (form) {
    var w = this.w;
    var t = this.t;
    var had = this.offered;
    this.offered = form ? Object.assign({}, form, { conversation: this.token }) : null;
    if (!this.offerBox || w.headless || !!had === !!form) return;
    this.offerBox.textContent = "";
    if (!form) return;
    var transcript = this.messages.filter(function (m) { return m.author !== "system"; }).map(function (m) {
      var who = m.author === "visitor" ? t.you : m.author === "agent" ? m.name || t.agent : "";
      return (who ? who + ": " : "") + m.text;
    }).join("\n");
    prefill(w.draft, form, transcript, this.visitor || {});
    w.renderForm(this.offered, this.offerBox);
    var heading = el("h3", { className: "chatgate-offer-title" }, form.title);
    this.offerBox.prepend(heading);
  };

  Chatgate.Chat = Chat;
})();
