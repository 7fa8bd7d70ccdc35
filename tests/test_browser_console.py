"""The agent console, in Chromium: an agent of the demo goes online, takes a chat, answers it.

The server's clock is frozen (tests.clock) and the page's is Playwright's, so
heartbeats and polls are driven by the test, never by sleeping.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Page, expect

from chatgate import conversations, presence
from chatgate.models import Agent, Conversation
from tests.screens import save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MONDAY_21_DEC = datetime(2026, 12, 21, 10, 0, tzinfo=UTC)  # 11:00 in Paris: Sales is open


@pytest.fixture
def ana_page(page: Page, live_server, at):
    """Ana, an agent of the demo, signed in with the printed password, on the admin's index."""
    at(MONDAY_21_DEC)
    out = StringIO()
    call_command("chatgate_demo", "--password", "pw", stdout=out)
    assert "Agent logins: ana, ben, chloe / pw" in out.getvalue()
    presence.set_status(Agent.objects.get(display_name="Ana"), "offline", at=MONDAY_21_DEC)
    page.set_viewport_size({"width": 1200, "height": 900})
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    return page


def visitor_chat(message: str = "Is order 1234 on its way?") -> conversations.Started:
    visitor = conversations.Visitor(
        name="Zoé",
        email="zoe@example.com",
        page_url="https://shop.example/product/",
        language="fr",
        timezone="America/New_York",
    )
    return conversations.start("default", message=message, visitor=visitor)


def visitor_reads(token: str) -> dict:
    return Client().get(f"/chatgate/api/conversations/{token}/messages/").json()


def go_online(page: Page) -> None:
    page.get_by_role("link", name="Agent console").click()
    expect(page.locator("#chatgate-console-page")).to_have_attribute("data-ready", "true")
    expect(page.get_by_label("Offline", exact=True)).to_be_checked()
    page.get_by_label("Online", exact=True).check()
    expect(page.locator("#chatgate-console-presence")).to_have_text("Your status: Online.")


def test_an_agent_goes_online_takes_a_chat_and_the_visitor_gets_the_reply(
    ana_page: Page, live_server
):
    page = ana_page
    go_online(page)
    assert Agent.objects.get(display_name="Ana").status == "online"
    expect(page).to_have_title(re.compile(r"^Console \|"))
    expect(page.locator("#chatgate-console-queue-empty")).to_have_text("No chat is waiting.")

    started = visitor_chat()
    waiting = page.locator("#chatgate-console-queue > li")
    expect(waiting).to_have_count(1)
    expect(page).to_have_title(re.compile(r"^\(1\) Console \|"))  # the title counts waiting chats
    expect(waiting).to_contain_text("Zoé")
    expect(waiting).to_contain_text("Is order 1234 on its way?")
    expect(waiting).to_contain_text("Sales")
    expect(waiting.get_by_role("link")).to_have_attribute("href", "https://shop.example/product/")
    expect(waiting).to_contain_text("French (fr)")
    expect(waiting).to_contain_text("05:00 in America/New_York")  # the visitor's wall clock

    accept = waiting.get_by_role("button", name="Accept")
    accept.focus()
    page.keyboard.press("Enter")  # keyboard usable
    log = page.get_by_role("log")
    expect(page.get_by_role("heading", name="Chat with Zoé")).to_be_visible()
    expect(log).to_contain_text("Is order 1234 on its way?")
    expect(log).to_contain_text("Ana joined the chat.")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(page).to_have_title(re.compile(r"^Console \|"))
    expect(page.locator("#chatgate-console-load")).to_have_text("Your chats: 1 of 3")
    expect(page.get_by_label("Your reply")).to_be_focused()

    page.keyboard.type("Hello Zoé, it left Paris this morning.")
    page.keyboard.press("Enter")
    expect(log.locator(".chatgate-console-agent")).to_contain_text("it left Paris this morning")
    expect(page.get_by_label("Your reply")).to_have_value("")
    seen = visitor_reads(started.token)
    assert seen["status"] == "active"
    assert [(m["author"], m["text"]) for m in seen["messages"]][-1] == (
        "agent",
        "Hello Zoé, it left Paris this morning.",
    )

    conversations.send(started.token, "Thanks <b>a lot</b>!")  # polled every <= 3 s
    visitor = log.locator(".chatgate-console-visitor")
    expect(visitor.last).to_have_text(re.compile("Thanks <b>a lot</b>!"))  # as text, not markup
    conversations.start(
        "default",
        message="Can I return shoes bought in a shop?",
        visitor=conversations.Visitor(
            page_url="https://shop.example/", language="en", timezone="Europe/London"
        ),
    )
    expect(page).to_have_title(re.compile(r"^\(1\) Console \|"))
    save(page, "console")

    page.get_by_role("button", name="Close the chat").click()
    expect(page.locator("#chatgate-console-chat-state")).to_have_text("This chat is closed.")
    assert visitor_reads(started.token)["status"] == "closed"
    expect(page.locator("#chatgate-console-active-empty")).to_have_text("You have no active chat.")


def test_heartbeats_go_out_while_the_page_is_open_and_stop_with_it(
    ana_page: Page, live_server, frozen
):
    page = ana_page
    with page.expect_request(re.compile(r"/agent/heartbeat/$")):
        go_online(page)
    with page.expect_request(re.compile(r"/agent/heartbeat/$")):
        page.clock.run_for(20_000)  # a third of CHATGATE_PRESENCE_TIMEOUT (60 s)
    ana = Agent.objects.get(display_name="Ana")
    page.close()
    later = MONDAY_21_DEC + timedelta(seconds=61)
    assert presence.effective([ana], at=later)[ana.pk].effective_status == "offline"


def test_a_chat_another_agent_took_is_refused_in_words(ana_page: Page, live_server):
    page = ana_page
    go_online(page)
    chat = visitor_chat().conversation
    expect(page.locator("#chatgate-console-queue > li")).to_have_count(1)
    chloe = Agent.objects.get(display_name="Chloé")
    presence.set_status(chloe, "online", at=MONDAY_21_DEC)
    conversations.accept(chloe, chat.pk, at=MONDAY_21_DEC)
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("not waiting any more"))
    expect(page.locator("#chatgate-console-queue > li")).to_have_count(0)
    assert Conversation.objects.get().agent == chloe


def violations(page: Page) -> list[str]:
    results = Axe().run(page, context="#content")
    found = results.response["violations"]
    return [f"{v['id']}: {n['html']} — {n['failureSummary']}" for v in found for n in v["nodes"]]


def test_the_console_has_no_accessibility_violations(ana_page: Page, live_server):
    page = ana_page
    go_online(page)
    first = visitor_chat().conversation
    visitor_chat("A second question")
    expect(page.locator("#chatgate-console-queue > li")).to_have_count(2)
    expect(page).to_have_title(re.compile(r"^\(2\) Console \|"))
    assert violations(page) == []
    conversations.accept(Agent.objects.get(display_name="Ana"), first.pk, at=MONDAY_21_DEC)
    page.locator("#chatgate-console-active button").click()
    expect(page.get_by_role("log")).to_contain_text("Ana joined the chat.")
    assert violations(page) == []


def test_the_console_runs_under_a_strict_content_security_policy(
    ana_page: Page, live_server, settings
):
    """Its script carries the nonce, its data is JSON, its styles are admin.css: nothing refused."""
    csp = pytest.importorskip("django.utils.csp")  # Django 6.0+
    settings.SECURE_CSP = {
        "default-src": [csp.CSP.SELF],
        "script-src": [csp.CSP.NONCE],  # not even 'self': only scripts that carry the nonce
        "style-src": [csp.CSP.SELF],
    }
    refused = []
    ana_page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    go_online(ana_page)
    visitor_chat()
    expect(ana_page.locator("#chatgate-console-queue > li")).to_have_count(1)
    item = ana_page.locator("#chatgate-console-queue > li")
    expect(item).to_have_css("border-top-style", "solid")  # admin.css applied
    assert refused == []


def test_the_console_says_when_the_heartbeat_stopped_and_the_next_one_revives_it(
    ana_page: Page, live_server, frozen
):
    page = ana_page
    go_online(page)
    frozen(MONDAY_21_DEC + timedelta(seconds=61))  # no heartbeat reached the server for 61 s
    expect(page.get_by_role("status")).to_have_text(
        "Your heartbeat stopped: visitors see you offline."
    )
    page.clock.run_for(20_000)  # the next heartbeat
    expect(page.get_by_role("status")).to_have_text("Your status: Online.")


def test_a_chat_with_new_messages_says_so_until_opened(ana_page: Page, live_server):
    page = ana_page
    go_online(page)
    ana = Agent.objects.get(display_name="Ana")
    first, second = visitor_chat("First"), visitor_chat("Second")
    for started in (first, second):
        conversations.accept(ana, started.conversation.pk, at=MONDAY_21_DEC)
    chats = page.locator("#chatgate-console-active button")
    expect(chats).to_have_count(2)
    chats.first.click()
    expect(page.get_by_role("log")).to_contain_text("First")
    conversations.send(second.token, "Are you there?")
    expect(chats.last).to_have_text(re.compile("— new messages$"))
    expect(chats.first).not_to_have_text(re.compile("new messages"))
    chats.last.click()
    expect(page.get_by_role("log")).to_contain_text("Are you there?")
    expect(chats.last).not_to_have_text(re.compile("new messages"))
