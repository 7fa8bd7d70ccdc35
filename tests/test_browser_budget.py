"""A page with the widget makes one request for the script, one for the stylesheet, and none
for the state (it is inline), in Debian's Chromium."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from chatgate import presence
from tests.factories import AgentFactory, DepartmentFactory, ScheduleFactory, WidgetFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY_11 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_a_page_with_the_widget_loads_one_script_one_stylesheet_and_no_state(
    page: Page, live_server, at
):
    sales = DepartmentFactory(slug="sales", name="Sales")
    schedule = ScheduleFactory(weekly={d: [("09:00", "17:00")] for d in range(5)})
    WidgetFactory(slug="shop", schedule=schedule, departments=[sales])
    presence.set_status(AgentFactory(departments=[sales]), "online", at=MONDAY_11)
    at(MONDAY_11)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/page/shop/", wait_until="networkidle")
    expect(page.locator("[data-chatgate-widget]")).to_be_attached()
    page.wait_for_function("() => window.Chatgate !== undefined")  # the script ran
    loaded = [url.removeprefix(live_server.url) for url in requests if "favicon" not in url]
    assert loaded[0] == "/page/shop/"
    assets = sorted(url.split("?")[0].rsplit("/", 1)[-1] for url in loaded[1:])
    assert assets == ["chatgate.css", "chatgate.js"], loaded
    assert not [url for url in loaded if "/state/" in url]
