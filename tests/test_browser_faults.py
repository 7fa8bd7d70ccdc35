"""The widget when chatgate's server cannot answer: it keeps its last state for a while, then hides.

Both clocks are injected (see tests/test_browser.py); the outage is a route that
answers 503, or a database error raised inside the live server.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import OperationalError
from playwright.sync_api import Page, expect

from chatgate import presence, services
from tests.factories import AgentFactory, DepartmentFactory, ScheduleFactory, WidgetFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MONDAY_11 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Paris


def online_shop() -> None:
    schedule = ScheduleFactory(weekly={d: [("09:00", "17:00")] for d in range(5)})
    sales = DepartmentFactory(slug="sales", name="Sales")
    WidgetFactory(slug="shop", schedule=schedule, departments=[sales])
    presence.set_status(AgentFactory(departments=[sales]), "online", at=MONDAY_11)


def unavailable(route) -> None:
    route.fulfill(status=503, headers={"Retry-After": "60"}, json={"detail": "down"})


def test_the_widget_keeps_its_last_state_for_two_polls_then_hides(page: Page, live_server, at):
    online_shop()
    at(MONDAY_11)
    page.goto(f"{live_server.url}/page/shop/")
    page.evaluate("window.seen = []; Chatgate.on('status', s => seen.push(s.can_start_chat))")
    root = page.locator("#chatgate-shop")
    expect(root).to_have_attribute("data-show", "chat")
    page.route("**/state/?lang=*", unavailable)
    with page.expect_response("**/state/?lang=*"):
        page.clock.run_for(30_500)  # the first poll fails: the last state still holds
    expect(page.get_by_role("button", name="Chat with us")).to_be_visible()
    with page.expect_response("**/state/?lang=*"):
        page.clock.run_for(60_000)  # Retry-After: 60; the state is now older than two polls
    expect(root).to_be_hidden()
    expect(page.locator(".chatgate-live")).to_have_text("Chat is not available right now.")
    assert page.evaluate("seen") == [True, False]  # gating scripts are told, too
    page.unroute("**/state/?lang=*")
    with page.expect_response("**/state/?lang=*"):
        page.clock.run_for(60_000)
    expect(page.get_by_role("button", name="Chat with us")).to_be_visible()


def test_a_page_rendered_while_the_database_was_down_shows_the_widget_once_it_is_back(
    page: Page, live_server, at, monkeypatch
):
    online_shop()
    at(MONDAY_11)
    real = services.chat_load  # the query every state computation makes

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(services, "chat_load", down)
    page.goto(f"{live_server.url}/page/shop/")
    root = page.locator("#chatgate-shop")
    expect(root).to_be_hidden()
    expect(root).to_have_attribute("data-show", "hidden")
    with page.expect_response("**/state/?lang=*") as answer:
        page.clock.run_for(30_500)
    assert answer.value.status == 503
    monkeypatch.setattr(services, "chat_load", real)
    with page.expect_response("**/state/?lang=*") as answer:
        page.clock.run_for(30_500)
    assert answer.value.status == 200
    expect(page.get_by_role("button", name="Chat with us")).to_be_visible()
