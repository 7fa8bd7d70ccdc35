"""Messaging mode in Chromium: a thread that never ends, its automatic reply, a reply days later.

Both clocks are injected (the server's through CHATGATE_CLOCK, the page's with
Playwright's clock), so polls run when a test moves the page's clock, never on
real time. Agents answer through ``chatgate.conversations``. Set
CHATGATE_SCREENSHOTS=1 to refresh docs/widget-messaging.png.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from chatgate import conversations
from chatgate.models import Conversation, Department
from tests.chats import MONDAY_11, agent_in, build_shop
from tests.screens import save
from tests.test_browser_chat import axe_violations, load, log

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FRIDAY_22 = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # 22:00 in Paris: closed until Monday 09:00
MONDAY_0905 = datetime(2026, 11, 30, 8, 5, tzinfo=UTC)  # 09:05 in Paris, 03:05 in New York
AUTO_REPLY = "No one is available right now. We'll be back on Monday at 3:00 AM."  # New York
KEY = "chatgate:shop:chat"
LAUNCHER = {"chat": "Chat with us", "messaging": "Message us"}


def pause(page: Page, instant: datetime) -> None:
    """Stop the page's clock: from then on only the test moves it (no poll runs by itself)."""
    page.clock.pause_at(instant + timedelta(seconds=20))


def write(page: Page, text: str) -> None:
    page.get_by_role("button", name="Message us").click()
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send").click()


@pytest.mark.browser_context_args(timezone_id="America/New_York", locale="en-US")
def test_a_night_message_gets_the_automatic_reply_and_the_agents_answer_days_later(
    page: Page, live_server, at, frozen
):
    build_shop(mode="messaging", typical_reply_seconds=600)
    at(FRIDAY_22)
    load(page, live_server)
    pause(page, FRIDAY_22)
    expect(page.get_by_role("button", name="Message us")).to_be_visible()
    write(page, "Do you ship to Norway?")
    expect(log(page)).to_contain_text("Do you ship to Norway?")
    # Monday 09:00 in Paris is 03:00 in New York, the visitor's zone: the server wrote it so.
    expect(page.locator(".chatgate-from-system")).to_have_text(AUTO_REPLY)
    assert page.get_by_role("heading", name="Leave us a message").count() == 0  # never a form
    expect(page.get_by_role("button", name="End the chat")).to_be_hidden()  # a thread never ends
    expect(page.locator(".chatgate-chat-status")).to_be_hidden()  # no "waiting": the reply says
    expect(page.get_by_label("Type a message")).to_be_focused()
    expect(page.locator(".chatgate-typical")).to_have_text("Typically replies within 15 minutes")
    save(page, "widget-messaging")

    load(page, live_server)  # a reload, and so a visit days later: the token is kept
    expect(log(page)).to_contain_text("Do you ship to Norway?")
    expect(page.locator(".chatgate-from-system")).to_have_text(AUTO_REPLY)
    chat = Conversation.objects.get()
    assert chat.visitor_timezone == "America/New_York"

    agent = agent_in(Department.objects.get(slug="sales"), display_name="Ana", at=MONDAY_0905)
    frozen(MONDAY_0905)
    page.clock.fast_forward("58:05:00")  # the page's clock to Monday 03:05 in New York
    page.wait_for_function("Chatgate.get('state').status === 'online'")  # valid_until re-check
    conversations.accept(agent, chat.pk, at=MONDAY_0905)
    conversations.reply(agent, chat.pk, "Yes, in 3 to 5 days.", at=MONDAY_0905)
    page.clock.run_for(2_100)  # one poll: open panel, visible tab
    expect(page.locator(".chatgate-from-agent")).to_have_text("AnaYes, in 3 to 5 days.")
    assert page.evaluate(f"JSON.parse(localStorage.getItem('{KEY}')).token")


def test_a_closed_thread_stays_and_writing_reopens_it(page: Page, live_server, at):
    build_shop(mode="messaging")
    agent = agent_in(Department.objects.get(slug="sales"), display_name="Ana")
    at(MONDAY_11)
    load(page, live_server)
    write(page, "Hello")
    expect(log(page)).to_contain_text("Hello")
    chat = Conversation.objects.get()
    assert not chat.messages.filter(author="system").exists()  # open, someone there: no reply
    conversations.accept(agent, chat.pk, at=MONDAY_11)
    conversations.reply(agent, chat.pk, "Hi! Anything else?", at=MONDAY_11)
    conversations.agent_close(agent, chat.pk, at=MONDAY_11)
    page.clock.run_for(2_100)
    page.wait_for_function("Chatgate.get('conversation').status === 'closed'")
    expect(page.locator(".chatgate-from-agent")).to_contain_text("Hi! Anything else?")
    expect(page.locator(".chatgate-chat-status")).to_be_hidden()  # not "The chat has ended."
    expect(page.get_by_role("button", name="Start a new chat")).to_be_hidden()
    assert page.evaluate(f"localStorage.getItem('{KEY}')") is not None  # the thread is kept
    page.get_by_label("Type a message").fill("One more thing")
    page.keyboard.press("Enter")
    expect(page.locator(".chatgate-from-visitor").last).to_contain_text("One more thing")
    chat.refresh_from_db()
    assert chat.status == "waiting"  # reopened, in the same thread
    assert Conversation.objects.count() == 1


def test_keyboard_only_send_in_messaging_mode(page: Page, live_server, at):
    build_shop(mode="messaging", ask_name="off", ask_email="optional")
    at(FRIDAY_22)
    load(page, live_server)
    pause(page, FRIDAY_22)
    page.keyboard.press("Tab")  # the launcher is the page's only focusable element
    expect(page.get_by_role("button", name="Message us")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your email")).to_be_focused()
    page.keyboard.type("zoe@example.com")
    page.keyboard.press("Tab")
    department = page.get_by_label("Department")
    expect(department).to_be_focused()
    expect(department.locator("option")).to_have_text(["Sales (offline)", "Support (offline)"])
    page.keyboard.press("ArrowDown")  # an offline department can be chosen: the thread waits
    expect(department).to_have_value("support")
    page.keyboard.press("Tab")
    page.keyboard.type("Where is my parcel?")
    page.keyboard.press("Enter")  # Enter sends, as in the send box
    expect(log(page)).to_contain_text("Where is my parcel?")
    expect(page.locator(".chatgate-from-system")).to_contain_text("We'll be back on Monday")
    expect(page.get_by_label("Type a message")).to_be_focused()
    page.keyboard.type("Order 1234")
    page.keyboard.press("Enter")
    expect(page.locator(".chatgate-from-visitor").last).to_contain_text("Order 1234")
    chat = Conversation.objects.get()
    assert (chat.visitor_email, chat.department.slug) == ("zoe@example.com", "support")
    assert chat.messages.filter(author="system").count() == 1  # one reply per closed period
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Message us")).to_be_focused()


@pytest.mark.parametrize("mode", ["chat", "messaging"])
def test_typical_reply_words_when_the_state_carries_them(page: Page, live_server, at, mode):
    build_shop(mode=mode, typical_reply_seconds=120)
    agent_in(Department.objects.get(slug="sales"))
    at(MONDAY_11)
    load(page, live_server)
    page.get_by_role("button", name=LAUNCHER[mode]).click()
    typical = page.locator(".chatgate-typical")
    expect(typical).to_have_text("Typically replies in a few minutes")
    if mode == "messaging":  # under the title, so it stays in sight over the thread
        expect(page.locator(".chatgate-header .chatgate-typical")).to_be_visible()
    else:  # under the greeting
        expect(page.locator(".chatgate-greeting + .chatgate-typical")).to_be_visible()


@pytest.mark.parametrize("mode", ["chat", "messaging"])
def test_no_typical_reply_words_when_the_state_has_none(page: Page, live_server, at, mode):
    build_shop(mode=mode)
    agent_in(Department.objects.get(slug="sales"))
    at(MONDAY_11)
    load(page, live_server)
    assert page.evaluate("Chatgate.get('state').texts.typical_reply") == ""
    page.get_by_role("button", name=LAUNCHER[mode]).click()
    expect(page.get_by_label("Your message")).to_be_visible()
    expect(page.locator(".chatgate-typical")).to_be_hidden()
    assert "Typically" not in page.locator("#chatgate-shop").inner_text()


def test_the_messaging_panel_has_no_accessibility_violations(page: Page, live_server, at):
    build_shop(mode="messaging", typical_reply_seconds=600)
    page.emulate_media(reduced_motion="reduce")
    at(FRIDAY_22)
    load(page, live_server)
    page.get_by_role("button", name="Message us").click()
    expect(page.get_by_label("Your message")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Your message").fill("Hello")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".chatgate-from-system")).to_be_visible()
    expect(page.locator(".chatgate-typical")).to_have_text("Typically replies within 15 minutes")
    assert axe_violations(page) == []


def test_closing_time_is_announced_as_nobody_there_though_visitors_can_still_write(
    page: Page, live_server, at, frozen
):
    build_shop(mode="messaging")
    closing = MONDAY_11.replace(hour=15, minute=59, second=30)  # 16:59:30 in Paris
    agent_in(Department.objects.get(slug="sales"), at=closing)
    at(closing)
    load(page, live_server)
    assert page.evaluate("Chatgate.get('state').status") == "online"
    frozen(closing + timedelta(seconds=40))  # 17:00:10: closed, and still writable
    page.clock.run_for(31_000)  # the state's timer at valid_until
    page.wait_for_function("Chatgate.get('state').status === 'offline'")
    assert page.evaluate("Chatgate.get('state').can_start_chat") is True
    expect(page.locator(".chatgate-live")).to_have_text(
        "No one is available right now. We'll be back tomorrow at 9:00 AM."
    )


def test_the_department_someone_can_answer_is_chosen_by_default(page: Page, live_server, at):
    build_shop(mode="messaging")
    agent_in(Department.objects.get(slug="support"), display_name="Ben")  # Sales: nobody
    at(MONDAY_11)
    load(page, live_server)
    page.get_by_role("button", name="Message us").click()
    department = page.get_by_label("Department")
    expect(department.locator("option")).to_have_text(["Sales (offline)", "Support"])
    expect(department).to_have_value("support")
