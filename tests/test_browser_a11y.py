"""axe-core audits of the widget's states, in Chromium: no accessibility violation."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.test_browser import MONDAY_11, MONDAY_19, online_agent, open_offline_form, shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_animation(page: Page):
    page.emulate_media(reduced_motion="reduce")  # audit the settled page, not a fade-in


def violations(page: Page) -> list[str]:
    results = Axe().run(page, context="#chatgate-shop")
    found = results.response["violations"]
    return [f"{v['id']}: {n['html']} — {n['failureSummary']}" for v in found for n in v["nodes"]]


def test_chat_panel_has_no_violations(page: Page, live_server, at):
    online_agent(shop(), MONDAY_11)
    at(MONDAY_11)
    page.goto(f"{live_server.url}/page/shop/")
    page.get_by_role("button", name="Chat with us").click()
    expect(page.locator(".chatgate-panel")).to_be_visible()
    assert violations(page) == []


def test_offline_form_with_errors_has_no_violations(page: Page, live_server, at):
    shop()
    at(MONDAY_19)
    open_offline_form(page, live_server)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#chatgate-shop-field-name-error")).to_be_visible()
    assert violations(page) == []


def test_success_message_and_messaging_have_no_violations(page: Page, live_server, at):
    from chatgate.models import Widget

    shop()
    at(MONDAY_19)
    open_offline_form(page, live_server)
    page.get_by_label("Your name").fill("Zoé")
    page.get_by_label("Email").fill("zoe@example.com")
    page.get_by_role("textbox", name="Message").fill("Hello")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".chatgate-success")).to_be_visible()
    assert violations(page) == []
    Widget.objects.update(mode=Widget.Mode.MESSAGING)
    Widget.objects.get().save()  # invalidates the cached snapshot
    page.reload()
    page.get_by_role("button", name="Message us").click()
    expect(page.locator(".chatgate-back-at")).to_be_visible()
    assert violations(page) == []
