"""The visitor's side of a chat in Chromium: chat.js against live_server.

Both clocks are injected (the server's through CHATGATE_CLOCK, the page's with
Playwright's clock), so the polls run when a test moves the page's clock, never
on real time. The agent's side goes through ``chatgate.conversations``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from chatgate import conversations, presence
from chatgate.models import Conversation, Department, Ticket, Widget
from tests.chats import MONDAY_11, agent_in, build_shop
from tests.screens import save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHAT_JS = "/static/chatgate/chat.js"
XSS = "<img src=x onerror=alert(1)>"


def sales_agent(**fields):
    return agent_in(Department.objects.get(slug="sales"), display_name="Ana", **fields)


def load(page: Page, live_server, path: str = "/page/shop/") -> list[str]:
    """Load the page; the URLs it requests, from then on."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}{path}")
    page.wait_for_function("window.Chatgate && Chatgate.get('state')")
    return requests


def chat_scripts(requests: list[str]) -> int:
    return sum(url.endswith(CHAT_JS) for url in requests)


def start_chat(page: Page, message: str = "Is order 1234 on its way?") -> None:
    page.get_by_role("button", name="Chat with us").click()
    page.get_by_label("Your name").fill("Zoé")
    page.get_by_label("Your message").fill(message)
    page.get_by_role("button", name="Start the chat").click()


def log(page: Page):
    return page.get_by_role("log", name="Messages")


def test_visitor_starts_a_chat_and_reads_the_agents_reply_within_3_seconds(
    page: Page, live_server, at
):
    build_shop()
    agent = sales_agent()
    at(MONDAY_11)
    requests = load(page, live_server)
    assert chat_scripts(requests) == 0  # a plain page load pays only for the gate
    start_chat(page)
    expect(log(page)).to_contain_text("Is order 1234 on its way?")
    assert chat_scripts(requests) == 1  # fetched once, when the panel opened
    expect(page.locator(".chatgate-chat-status")).to_have_text("Waiting for someone to answer…")
    expect(page.get_by_label("Type a message")).to_be_focused()
    chat = Conversation.objects.get()
    assert (chat.visitor_name, chat.department.slug) == ("Zoé", "sales")
    conversations.accept(agent, chat.pk, at=MONDAY_11)
    conversations.reply(agent, chat.pk, "Hello Zoé, let me check.", at=MONDAY_11)
    page.clock.run_for(2_100)  # one poll: open panel, visible tab
    expect(page.locator(".chatgate-from-system")).to_have_text("Ana joined the chat.")
    expect(page.locator(".chatgate-from-agent")).to_have_text("AnaHello Zoé, let me check.")
    expect(page.locator(".chatgate-chat-status")).to_be_hidden()
    page.get_by_label("Type a message").fill("Thanks!")
    page.keyboard.press("Enter")
    expect(page.locator(".chatgate-from-visitor").last).to_contain_text("Thanks!")
    assert list(chat.messages.values_list("author", "text"))[-1] == ("visitor", "Thanks!")
    save(page, "widget-chat")
    page.get_by_role("button", name="End the chat").click()
    expect(page.locator(".chatgate-chat-status")).to_have_text("The chat has ended.")
    expect(page.get_by_role("button", name="Start a new chat")).to_be_focused()
    chat.refresh_from_db()
    assert chat.status == "closed"
    assert page.evaluate("localStorage.getItem('chatgate:shop:chat')") is None


def test_polls_every_2_s_while_open_30_s_while_hidden_10_s_while_the_panel_is_closed(
    page: Page, live_server, at, settings
):
    settings.CHATGATE_CHAT_POLL_SECONDS = 5  # the server's hint; open and visible keeps 2 s
    build_shop()
    sales_agent()
    at(MONDAY_11)
    polls: list[str] = []
    page.on(
        "request",
        lambda r: polls.append(r.url) if "/messages/" in r.url and r.method == "GET" else None,
    )
    load(page, live_server)
    page.clock.pause_at(MONDAY_11 + timedelta(seconds=20))  # from now on only the test moves it
    start_chat(page)
    expect(log(page)).to_contain_text("Is order 1234 on its way?")

    def run(ms: int) -> None:  # move the page's clock, then wait for the poll it caused
        before = page.evaluate("Chatgate.get('talk').timer")
        page.clock.run_for(ms)
        page.wait_for_function(f"Chatgate.get('talk').timer !== {before}")

    assert len(polls) == 0
    run(2_000)
    run(2_000)
    assert len(polls) == 2  # open panel, visible tab: every 2 s (a new message within 3 s)
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    page.clock.run_for(29_000)
    assert len(polls) == 2  # hidden tab: slowly
    run(1_100)
    assert len(polls) == 3
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {value: false, configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    run(10)
    assert len(polls) == 4  # shown again: at once
    page.keyboard.press("Escape")
    run(2_000)
    page.clock.run_for(9_000)
    assert len(polls) == 5  # the panel closed: every 10 s
    run(1_100)
    assert len(polls) == 6


def test_a_reload_resumes_the_chat_with_its_history_keyboard_only(page: Page, live_server, at):
    build_shop(ask_name="off", ask_email="required")
    agent = sales_agent()
    at(MONDAY_11)
    load(page, live_server)
    page.keyboard.press("Tab")  # the launcher is the page's only focusable element
    expect(page.get_by_role("button", name="Chat with us")).to_be_focused()
    page.keyboard.press("Enter")
    assert page.get_by_label("Your name").count() == 0  # ask_name is off
    expect(page.get_by_label("Your email")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Department")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type("Where is my parcel?")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the start button
    expect(page.locator("#chatgate-shop-chat-email-error")).to_have_text("This field is required.")
    expect(page.get_by_label("Your email")).to_be_focused()
    page.keyboard.type("zoe@example.com")
    page.keyboard.press("Enter")  # submits the pre-chat form
    expect(log(page)).to_contain_text("Where is my parcel?")
    chat = Conversation.objects.get()
    assert chat.visitor_email == "zoe@example.com"
    conversations.accept(agent, chat.pk, at=MONDAY_11)
    conversations.reply(agent, chat.pk, "It left this morning.", at=MONDAY_11)

    requests = load(page, live_server)  # a reload: the stored token resumes the chat
    assert chat_scripts(requests) == 1
    expect(page.locator(".chatgate-panel")).to_be_visible()  # it was open: open again
    expect(log(page)).to_contain_text("Where is my parcel?")
    expect(page.locator(".chatgate-from-agent")).to_contain_text("It left this morning.")
    expect(page.get_by_label("Type a message")).to_be_focused()
    page.keyboard.type("Great, thank you")
    page.keyboard.press("Enter")
    expect(page.locator(".chatgate-from-visitor").last).to_contain_text("Great, thank you")
    page.keyboard.press("Escape")
    expect(page.locator(".chatgate-panel")).to_be_hidden()
    expect(page.get_by_role("button", name="Chat with us")).to_be_focused()
    conversations.reply(agent, chat.pk, f"Anything else? {XSS}", at=MONDAY_11)
    page.clock.run_for(10_100)  # panel closed: polls slower, but still polls
    launcher = page.get_by_role("button", name="Chat with us")
    expect(launcher).to_have_attribute("data-unread", "1")
    expect(page.locator(".chatgate-live")).to_have_text("New message")
    page.keyboard.press("Enter")
    expect(launcher).not_to_have_attribute("data-unread", "1")
    expect(page.locator(".chatgate-from-agent").last).to_contain_text(f"Anything else? {XSS}")
    assert page.locator(".chatgate img").count() == 0  # an agent's text is text
    assert len(page.locator(".chatgate-message").all()) == 5  # no message twice


def test_a_stored_token_the_server_does_not_know_gives_a_fresh_pre_chat_step(
    page: Page, live_server, at
):
    build_shop()
    sales_agent()
    at(MONDAY_11)
    page.add_init_script(
        "if (!sessionStorage.getItem('seeded')) { sessionStorage.setItem('seeded', '1');"
        " localStorage.setItem('chatgate:shop:chat', JSON.stringify({token: 'x'.repeat(43), open: true})); }"
    )
    requests = load(page, live_server)
    assert chat_scripts(requests) == 1  # a conversation to resume: the chat script comes at once
    expect(page.get_by_label("Your message")).to_be_visible()  # it was open; the token is gone
    assert page.evaluate("localStorage.getItem('chatgate:shop:chat')") is None


def test_a_refused_start_lands_in_the_offline_form_with_the_message_kept(
    page: Page, live_server, at, frozen
):
    build_shop()
    closing = MONDAY_11.replace(hour=16) - timedelta(minutes=1)  # 16:59 in Paris
    sales_agent(at=closing)
    at(closing)
    requests = load(page, live_server)
    page.get_by_role("button", name="Chat with us").click()
    page.get_by_label("Your message").fill("Can I still return my order?")
    frozen(closing + timedelta(minutes=2))  # the server's clock is past 17:00; the page's is not
    page.get_by_role("button", name="Start the chat").click()
    expect(page.get_by_role("heading", name="Leave us a message")).to_be_visible()
    expect(page.get_by_role("textbox", name="Message")).to_have_value(
        "Can I still return my order?"
    )
    expect(page.get_by_label("Email")).to_be_focused()
    assert page.evaluate("Chatgate.get('state').show") == "offline_form"  # the 409's state
    assert not Conversation.objects.exists()
    assert chat_scripts(requests) == 1
    page.get_by_label("Email").fill("zoe@example.com")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".chatgate-success")).to_be_visible()
    ticket = Ticket.objects.get()
    assert {f["name"]: f["value"] for f in ticket.fields}["message"] == (
        "Can I still return my order?"
    )


def test_a_chat_going_on_at_closing_time_stays_on_screen(page: Page, live_server, at, frozen):
    build_shop()
    closing = MONDAY_11.replace(hour=16) - timedelta(seconds=30)  # 16:59:30 in Paris
    agent = sales_agent(at=closing)
    at(closing)
    load(page, live_server)
    start_chat(page)
    expect(log(page)).to_contain_text("Is order 1234 on its way?")
    chat = Conversation.objects.get()
    conversations.accept(agent, chat.pk, at=closing)
    frozen(closing + timedelta(seconds=40))  # 17:00:10: the state says offline form
    presence.heartbeat(agent, at=closing + timedelta(seconds=40))
    page.clock.run_for(31_000)  # the state's timer at valid_until, and the chat's polls
    page.wait_for_function("Chatgate.get('state').show === 'offline_form'")
    conversations.reply(agent, chat.pk, "Still here, let me finish.", at=closing)
    page.clock.run_for(2_100)
    expect(page.locator(".chatgate-from-agent")).to_contain_text("Still here, let me finish.")
    expect(page.get_by_label("Type a message")).to_be_visible()  # the chat, not the form
    expect(page.get_by_role("button", name="Chat with us")).to_be_visible()
    assert page.get_by_role("heading", name="Leave us a message").count() == 0


def test_an_offline_department_is_shown_but_cannot_be_chosen(page: Page, live_server, at):
    build_shop()
    sales_agent()  # nobody in Support
    at(MONDAY_11)
    load(page, live_server)
    page.get_by_role("button", name="Chat with us").click()
    department = page.get_by_label("Department")
    expect(department).to_have_value("sales")
    expect(department.locator("option")).to_have_text(["Sales", "Support (offline)"])
    expect(department.locator("option[value=support]")).to_be_disabled()
    with pytest.raises(Exception, match="disabled|not enabled|did not find some options"):
        department.select_option("support", timeout=1_000)
    expect(department).to_have_value("sales")


def test_the_wait_running_out_offers_the_form_with_the_transcript(
    page: Page, live_server, at, frozen
):
    build_shop(max_wait_minutes=5)
    sales_agent()
    at(MONDAY_11)
    load(page, live_server)
    start_chat(page, "Do you ship to Norway?")
    expect(log(page)).to_contain_text("Do you ship to Norway?")
    frozen(MONDAY_11 + timedelta(minutes=6))
    page.clock.run_for(2_100)
    expect(page.locator(".chatgate-from-system")).to_contain_text("No one has answered yet.")
    message = page.get_by_role("textbox", name="Message (required)")
    expect(message).to_have_value("You: Do you ship to Norway?")  # system messages left out
    expect(page.get_by_role("textbox", name="Type a message")).to_be_hidden()
    page.get_by_role("textbox", name="Email (required)").fill("zoe@example.com")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".chatgate-success")).to_be_visible()
    ticket = Ticket.objects.get()
    assert ticket.conversation == Conversation.objects.get()
    assert "Do you ship to Norway?" in str(ticket.transcript)
    assert Conversation.objects.get().status == "closed"
    assert page.evaluate("localStorage.getItem('chatgate:shop:chat')") is None


def test_headless_draws_nothing_but_the_api_chats(page: Page, live_server, at, settings):
    build_shop()
    agent = sales_agent()
    at(MONDAY_11)
    page.add_init_script(
        "window.heard = []; document.addEventListener('chatgate:message',"
        " e => window.heard.push(e.detail.author + ':' + e.detail.text));"
    )
    requests = load(page, live_server, "/headless/shop/")
    assert page.locator("#chatgate-shop *").count() == 0  # no launcher, no panel
    assert not any(url.endswith("chatgate.css") for url in requests)
    assert chat_scripts(requests) == 0
    page.evaluate("window.seen = []; Chatgate.on('message', m => window.seen.push(m.text))")
    started = page.evaluate("Chatgate.start({message: 'Hi there'}).then(r => r.status)")
    assert started == "waiting"
    chat = Conversation.objects.get()
    conversations.accept(agent, chat.pk, at=MONDAY_11)
    conversations.reply(agent, chat.pk, "Hello!", at=MONDAY_11)
    page.clock.run_for(2_100)
    page.wait_for_function("window.seen.length === 3")
    page.evaluate("Chatgate.send('Bye')")
    page.wait_for_function("window.seen.length === 4")
    assert page.evaluate("window.seen") == ["Hi there", "Ana joined the chat.", "Hello!", "Bye"]
    assert page.evaluate("window.heard") == [
        "visitor:Hi there",
        "system:Ana joined the chat.",
        "agent:Hello!",
        "visitor:Bye",
    ]
    assert page.locator("#chatgate-shop *").count() == 0
    conversations.agent_close(agent, chat.pk, at=MONDAY_11)
    presence.set_status(agent, "offline", at=MONDAY_11)
    page.clock.run_for(2_100)  # the poll sees the chat closed
    page.wait_for_function("Chatgate.get('conversation').status === 'closed'")
    closed = page.evaluate(
        "Chatgate.send('Still there?').then(() => 'sent', e => [e.status, e.data.code])"
    )
    assert closed == [409, "closed"]  # as the server says of a closed chat
    refused = page.evaluate(
        "Chatgate.start({message: 'Again'}).then(r => JSON.stringify(r), e => e.status || e.message)"
    )
    assert refused == 409  # nobody can answer now: the promise rejects with the 409
    assert page.evaluate("Chatgate.get('state').can_start_chat") is False


def test_the_open_chat_panel_has_no_accessibility_violations(page: Page, live_server, at):
    build_shop()
    agent = sales_agent()
    page.emulate_media(reduced_motion="reduce")
    at(MONDAY_11)
    load(page, live_server)
    page.get_by_role("button", name="Chat with us").click()
    expect(page.get_by_label("Your message")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Your message").fill("Hello")
    page.get_by_role("button", name="Start the chat").click()
    expect(log(page)).to_contain_text("Hello")
    chat = Conversation.objects.get()
    conversations.accept(agent, chat.pk, at=MONDAY_11)
    conversations.reply(agent, chat.pk, "Hi, how can I help?", at=MONDAY_11)
    page.clock.run_for(2_100)
    expect(page.locator(".chatgate-from-agent")).to_be_visible()
    assert axe_violations(page) == []


def axe_violations(page: Page) -> list[str]:
    found = Axe().run(page, context="#chatgate-shop").response["violations"]
    return [f"{v['id']}: {n['html']} — {n['failureSummary']}" for v in found for n in v["nodes"]]


def test_the_chat_script_carries_the_pages_csp_nonce(page: Page, live_server, at, settings):
    csp = pytest.importorskip("django.utils.csp")  # Django 6.0+
    settings.SECURE_CSP = {
        "default-src": [csp.CSP.NONE],
        "script-src": [csp.CSP.NONCE],
        "style-src": [csp.CSP.SELF],
        "connect-src": [csp.CSP.SELF],
    }
    build_shop()
    sales_agent()
    at(MONDAY_11)
    refused = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    load(page, live_server)
    page.get_by_role("button", name="Chat with us").click()
    expect(page.get_by_label("Your message")).to_be_visible()  # chat.js ran under the policy
    assert refused == []
    assert Widget.objects.count() == 1


@pytest.mark.browser_context_args(timezone_id="Europe/Paris", locale="en-US")
def test_the_closing_soon_message_of_an_active_chat_shows_as_a_system_line(
    page: Page, live_server, at, frozen
):
    build_shop()
    before = MONDAY_11.replace(hour=15, minute=40)  # 16:40 in Paris, closing at 17:00
    agent = sales_agent(at=before)
    at(before)
    load(page, live_server)
    start_chat(page)
    expect(log(page)).to_contain_text("Is order 1234 on its way?")
    chat = Conversation.objects.get()
    conversations.accept(agent, chat.pk, at=before)
    page.clock.run_for(2_100)
    expect(page.locator(".chatgate-from-system")).to_have_text("Ana joined the chat.")
    soon = before + timedelta(minutes=6)  # 16:46: within the 15 minutes before closing
    frozen(soon)
    presence.heartbeat(agent, at=soon)
    page.clock.run_for(2_100)  # the poll writes the event once and brings it
    expect(page.locator(".chatgate-from-system").last).to_have_text("Chat closes at 5:00 PM.")
    assert page.locator(".chatgate-from-system .chatgate-author").count() == 0  # no author
