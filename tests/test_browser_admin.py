"""The admin pages staff use, seen in Chromium: the week picture, the status board, a schedule
with years of holidays."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from chatgate import services
from chatgate.models import Schedule, Ticket
from tests.screens import save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SATURDAY_19_DEC = datetime(2026, 12, 19, 10, 0, tzinfo=UTC)
MONDAY_21_DEC = datetime(2026, 12, 21, 10, 0, tzinfo=UTC)  # 11:00 in Paris, 05:00 in New York


@pytest.fixture
def staff_page(page: Page, live_server, frozen):
    frozen(MONDAY_21_DEC)
    call_command("chatgate_demo", "--password", "pw", stdout=StringIO())
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    return page


def test_week_picture_shows_lunch_breaks_night_shift_and_holidays(
    staff_page: Page, live_server, frozen
):
    frozen(SATURDAY_19_DEC)
    schedule = Schedule.objects.get(name="Paris office")
    staff_page.goto(f"{live_server.url}/admin/chatgate/schedule/{schedule.pk}/change/")
    week = staff_page.locator(".chatgate-week")
    expect(week.get_by_role("heading")).to_have_text("The next 7 days in Europe/Paris")
    rows = week.locator("tr")
    expect(rows).to_have_count(8)  # hour marks + 7 days, Saturday 19 to Friday 25 December
    expect(rows.nth(1).locator(".chatgate-open text")).to_have_text(
        ["00:00-02:00"]
    )  # Friday night's tail
    expect(rows.nth(2).locator(".chatgate-open")).to_have_count(0)  # Sunday
    expect(rows.nth(3).locator(".chatgate-open text")).to_have_text(
        ["09:00-12:00", "13:00-18:00"]
    )  # lunch break
    christmas = rows.nth(7)
    expect(christmas.locator(".chatgate-open")).to_have_count(0)
    expect(christmas.locator(".chatgate-exception")).to_have_text("Christmas")
    expect(rows.nth(6).locator(".chatgate-exception")).to_have_count(0)
    save(week, "admin-week")


def test_status_board(staff_page: Page, live_server):
    staff_page.goto(f"{live_server.url}/admin/chatgate/widget/")
    staff_page.get_by_role("link", name="Status board").click()
    board = staff_page.locator(".chatgate-board")
    expect(board).to_contain_text("Shop")
    expect(board.locator("tr", has_text="Sales").first).to_contain_text("Online")
    expect(board.locator("tr", has_text="Support").first).to_contain_text(
        "Outside opening hours"
    )  # 05:00 in New York
    agents = staff_page.get_by_role("table", name="Agents")
    expect(agents.locator("tr", has_text="Ana")).to_contain_text("Online")
    expect(agents.locator("tr", has_text="Chloé")).to_contain_text("Invisible")
    expect(staff_page.get_by_role("link", name="Open the agent console")).to_be_visible()
    save(staff_page, "admin-status-board")


def test_a_conversation_reads_as_a_transcript(staff_page: Page, live_server, frozen):
    from chatgate import conversations, presence
    from chatgate.models import Agent

    frozen(MONDAY_21_DEC)
    ana = Agent.objects.get(display_name="Ana")
    presence.set_status(ana, "online", at=MONDAY_21_DEC)
    visitor = conversations.Visitor(name="Zoé", email="zoe@example.com", language="fr")
    started = conversations.start(
        "default", message="Bonjour,\nmy order <1234> is late.", visitor=visitor
    )
    chat = started.conversation
    conversations.accept(ana, chat.pk)
    conversations.reply(ana, chat.pk, "Let me check that for you.")
    staff_page.goto(f"{live_server.url}/admin/chatgate/conversation/{chat.pk}/change/")
    rows = staff_page.locator(".chatgate-transcript tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("td").last).to_have_text("Bonjour,\nmy order <1234> is late.")
    expect(rows.nth(0).locator("td").last).to_have_css("white-space", "pre-wrap")
    expect(rows.nth(1)).to_contain_text("Ana joined the chat.")
    expect(rows.nth(2).locator("th")).to_have_text("Ana")
    save(staff_page.locator("#content"), "admin-conversation")


def test_admin_pages_under_a_strict_content_security_policy(
    staff_page: Page, live_server, settings
):
    """chatgate's admin pages need no inline style or script: the browser refuses nothing."""
    csp = pytest.importorskip("django.utils.csp")  # Django 6.0+
    settings.SECURE_CSP = {
        "default-src": [csp.CSP.SELF],
        "script-src": [csp.CSP.SELF, csp.CSP.NONCE],
        "style-src": [csp.CSP.SELF],
    }
    refused = []
    staff_page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    schedule = Schedule.objects.get(name="Paris office")
    ticket = Ticket.objects.create(
        form_kind="offline", fields=[{"name": "m", "label": "Message", "value": "Two\nlines"}]
    )
    staff_page.goto(f"{live_server.url}/admin/chatgate/schedule/{schedule.pk}/change/")
    bar = staff_page.locator(".chatgate-week .chatgate-bar").nth(2)  # Wednesday 23: 09-12, 13-18
    back, lunch = bar.bounding_box(), bar.locator(".chatgate-open").nth(1).bounding_box()
    assert lunch["x"] - back["x"] == pytest.approx(back["width"] * 13 / 24, abs=1)
    assert lunch["width"] == pytest.approx(back["width"] * 5 / 24, abs=1)
    assert bar.locator(".chatgate-open rect").first.evaluate("e => getComputedStyle(e).fill") == (
        "rgb(46, 133, 64)"
    )  # admin.css applied
    staff_page.goto(f"{live_server.url}/admin/chatgate/widget/status/")
    online = staff_page.locator(".chatgate-status-online").first
    expect(online).to_have_css("background-color", "rgb(46, 133, 64)")
    staff_page.goto(f"{live_server.url}/admin/chatgate/ticket/{ticket.pk}/change/")
    expect(staff_page.locator(".chatgate-submission td")).to_have_css("white-space", "pre-wrap")
    assert refused == []


def test_a_schedule_with_twenty_years_of_holidays_is_saved_from_the_page(
    staff_page: Page, live_server
):
    schedule = Schedule.objects.get(name="Paris office")
    services.import_holidays(schedule, country="FR", years=list(range(2016, 2036)))
    staff_page.goto(f"{live_server.url}/admin/chatgate/schedule/{schedule.pk}/change/")
    other = staff_page.locator(".field-other_exceptions")
    expect(other).to_contain_text("are not shown below")
    staff_page.get_by_role("button", name="Save", exact=True).click()
    expect(staff_page.locator(".messagelist")).to_contain_text("was changed successfully")
    staff_page.goto(f"{live_server.url}/admin/chatgate/schedule/{schedule.pk}/change/")
    staff_page.get_by_role("link", name="See every exception of this schedule.").click()
    expect(staff_page.locator("#result_list")).to_contain_text("2016")
