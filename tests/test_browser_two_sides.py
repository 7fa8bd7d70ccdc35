"""A visitor and an agent, each in a browser of their own: the widget and the console talk.

The visitor's page and the agent's console run in two browser contexts against
the same live server. The server's clock is frozen (tests.clock); the agent's
presence expires when the test moves it past the (short) presence timeout.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from chatgate import presence
from chatgate.models import Agent, Conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MONDAY_21_DEC = datetime(2026, 12, 21, 10, 0, tzinfo=UTC)  # 11:00 in Paris: Sales is open
TIMEOUT = 5  # seconds of presence without a heartbeat, for this test


@pytest.fixture
def console(browser: Browser, live_server, at, settings) -> Page:
    """Ana, in a browser of her own, signed in and online in the console."""
    settings.CHATGATE_PRESENCE_TIMEOUT = TIMEOUT
    at(MONDAY_21_DEC)
    call_command("chatgate_demo", "--password", "pw", stdout=StringIO())
    Agent.objects.exclude(display_name="Ana").update(status="offline")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    yield online_in_console(context.new_page(), live_server, MONDAY_21_DEC)
    context.close()


def online_in_console(agent: Page, live_server, at: datetime) -> Page:
    """Ana signs in with the demo's printed password and goes online in the console."""
    agent.clock.install(time=at)
    agent.goto(f"{live_server.url}/admin/login/")
    agent.get_by_label("Username").fill("ana")
    agent.get_by_label("Password").fill("pw")
    agent.get_by_role("button", name="Log in").click()
    agent.goto(f"{live_server.url}/admin/chatgate/console/")
    expect(agent.locator("#chatgate-console-page")).to_have_attribute("data-ready", "true")
    agent.get_by_label("Online", exact=True).check()
    expect(agent.locator("#chatgate-console-presence")).to_have_text("Your status: Online.")
    return agent


def test_visitor_and_agent_chat_then_the_agent_leaves_and_the_visitor_is_told(
    page: Page, console: Page, live_server, frozen
):
    # The visitor starts a chat from the widget.
    page.goto(f"{live_server.url}/page/default/")
    page.get_by_role("button", name="Chat with us").click()
    page.get_by_label("Your name").fill("Zoé")
    page.get_by_label("Your message").fill("Is order 1234 on its way?")
    page.get_by_role("button", name="Start the chat").click()
    visitor_log = page.get_by_role("log", name="Messages")
    expect(visitor_log).to_contain_text("Is order 1234 on its way?")

    # Ana sees it in her queue, takes it and answers.
    waiting = console.locator("#chatgate-console-queue > li")
    expect(waiting).to_have_count(1)
    expect(console).to_have_title(re.compile(r"^\(1\) Console \|"))
    waiting.get_by_role("button", name="Accept").click()
    console.get_by_label("Your reply").fill("Hello Zoé, it left this morning.")
    console.keyboard.press("Enter")

    # The visitor reads it within one poll, and answers.
    expect(page.locator(".chatgate-from-system")).to_have_text("Ana joined the chat.")
    expect(page.locator(".chatgate-from-agent")).to_contain_text("it left this morning")
    page.get_by_label("Type a message").fill("Thank you!")
    page.keyboard.press("Enter")
    agent_log = console.get_by_role("log")
    expect(agent_log.locator(".chatgate-console-visitor").last).to_contain_text("Thank you!")

    # Ana closes her tab: no heartbeat any more. Past the timeout, the visitor is requeued.
    chat = Conversation.objects.get()
    assert chat.status == "active"
    console.close()
    frozen(MONDAY_21_DEC + timedelta(seconds=TIMEOUT + 1))
    expect(page.locator(".chatgate-from-system").last).to_have_text(
        "Ana left; you are back in the queue."
    )
    expect(page.locator(".chatgate-chat-status")).to_have_text("Waiting for someone to answer…")
    chat.refresh_from_db()
    assert (chat.status, chat.agent) == ("waiting", None)


SATURDAY_15 = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # 15:00 in Paris: Sales closed
MONDAY_0905 = datetime(2026, 11, 30, 8, 5, tzinfo=UTC)  # 09:05 in Paris, 03:05 in New York


@pytest.mark.browser_context_args(timezone_id="America/New_York", locale="en-US")
def test_messaging_a_night_message_is_answered_next_morning_in_the_console(
    page: Page, browser: Browser, live_server, at, frozen
):
    at(SATURDAY_15)
    call_command("chatgate_demo", "--password", "pw", stdout=StringIO())
    for agent in Agent.objects.all():  # nobody on a Saturday
        presence.set_status(agent, "offline", at=SATURDAY_15)
    page.goto(f"{live_server.url}/page/messaging/")
    page.get_by_role("button", name="Message us").click()
    page.get_by_label("Your message").fill("Do you ship to Norway?")
    page.get_by_role("button", name="Send").click()
    # Sales opens Monday 09:00 in Paris: 03:00 in New York, where this visitor is.
    reply = "No one is available right now. We'll be back on Monday at 3:00 AM."
    expect(page.locator(".chatgate-from-system")).to_have_text(reply)
    page.reload()
    expect(page.get_by_role("log", name="Messages")).to_contain_text("Do you ship to Norway?")
    expect(page.locator(".chatgate-from-system")).to_have_text(reply)

    frozen(MONDAY_0905)
    page.clock.fast_forward("43:05:00")  # the visitor's page, left open, to Monday morning
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    agent = online_in_console(context.new_page(), live_server, MONDAY_0905)
    waiting = agent.locator("#chatgate-console-queue > li")
    expect(waiting).to_contain_text("Do you ship to Norway?")
    waiting.get_by_role("button", name="Accept").click()
    agent_log = agent.get_by_role("log")
    expect(agent_log).to_contain_text(reply)  # the agent sees the whole thread
    agent.get_by_label("Your reply").fill("Yes, in 3 to 5 days.")
    agent.keyboard.press("Enter")
    expect(page.locator(".chatgate-from-agent")).to_contain_text("Yes, in 3 to 5 days.")
    context.close()
