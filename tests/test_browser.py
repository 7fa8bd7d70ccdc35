"""What a visitor sees, in Debian's Chromium driven by Playwright against live_server.

Both clocks are injected: the server's through CHATGATE_CLOCK (tests.clock),
the page's with Playwright's clock, so nothing here sleeps on real time.
Set CHATGATE_SCREENSHOTS=1 to refresh the pictures in docs/.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient

from chatgate import presence
from chatgate.models import Form, Ticket, Widget
from tests.factories import (
    AgentFactory,
    DepartmentFactory,
    FormFactory,
    FormFieldFactory,
    ScheduleFactory,
    UserFactory,
    WidgetFactory,
)
from tests.screens import save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY_11 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Paris
MONDAY_19 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # 19:00 in Paris: closed until Tuesday 09:00
XSS = "<img src=x onerror=alert(1)>"


def shop(
    *,
    when_offline: str = "offline_form",
    greeting: str = "Hello! How can we help?",
    form_title: str = "Leave us a message",
):
    schedule = ScheduleFactory(weekly={d: [("09:00", "17:00")] for d in range(5)})
    sales = DepartmentFactory(slug="sales", name="Sales")
    form = FormFactory(
        kind=Form.Kind.OFFLINE, title=form_title, success_message="Thanks! We'll reply by email."
    )
    FormFieldFactory(form=form, name="name", label="Your name", required=True, position=0)
    FormFieldFactory(
        form=form, name="email", label="Email", type="email", required=True, position=1
    )
    FormFieldFactory(
        form=form, name="topic", label="Topic", type="select", choices="Orders\nReturns", position=2
    )
    FormFieldFactory(
        form=form, name="message", label="Message", type="textarea", required=True, position=3
    )
    WidgetFactory(
        slug="shop",
        schedule=schedule,
        departments=[sales],
        offline_form=form,
        when_offline=when_offline,
        greeting=greeting,
    )
    return sales


def open_offline_form(page: Page, live_server) -> None:
    """Load the test page and open the offline form (the caller has set the clocks)."""
    page.goto(f"{live_server.url}/page/shop/")
    page.get_by_role("button", name="Leave a message").click()


def online_agent(department, instant: datetime):
    presence.set_status(AgentFactory(departments=[department]), "online", at=instant)


def test_a_launcher_is_visible_when_an_agent_is_online(page: Page, live_server, at):
    online_agent(shop(), MONDAY_11)
    at(MONDAY_11)
    page.goto(f"{live_server.url}/page/shop/")
    launcher = page.locator(".chatgate-launcher")
    expect(launcher).to_be_visible()
    expect(launcher).to_have_text("Chat with us")
    launcher.press("Enter")  # keyboard reachable
    expect(page.locator(".chatgate-panel")).to_be_visible()
    expect(page.locator(".chatgate-greeting")).to_have_text("Hello! How can we help?")
    save(page, "widget-prechat")
    page.keyboard.press("Escape")
    expect(page.locator(".chatgate-panel")).to_be_hidden()


def test_b_nothing_is_visible_when_nobody_is_online_and_the_widget_hides(
    page: Page, live_server, at
):
    shop(when_offline="hide")
    at(MONDAY_11)  # open hours, no agent
    page.goto(f"{live_server.url}/page/shop/")
    page.wait_for_function("window.Chatgate && window.Chatgate.get('state')")
    assert page.evaluate("Chatgate.get('state').show") == "hidden"
    expect(page.locator("#chatgate-shop")).to_be_hidden()
    assert page.locator(".chatgate *:visible").count() == 0


def test_c_offline_form_sent_becomes_a_ticket_and_shows_the_success_message(
    page: Page, live_server, at
):
    shop()
    at(MONDAY_19)
    open_offline_form(page, live_server)
    expect(page.get_by_role("heading", name="Leave us a message")).to_be_visible()
    page.get_by_label("Your name").fill("Zoé Martin")
    page.get_by_label("Email").fill("zoe@example.com")
    page.get_by_label("Topic").select_option("Returns")
    page.get_by_role("textbox", name="Message").fill("My parcel arrived damaged.")
    save(page, "widget-offline-form")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".chatgate-success")).to_have_text("Thanks! We'll reply by email.")
    save(page, "widget-sent")
    ticket = Ticket.objects.get()
    assert {f["name"]: f["value"] for f in ticket.fields} == {
        "name": "Zoé Martin",
        "email": "zoe@example.com",
        "topic": "Returns",
        "message": "My parcel arrived damaged.",
    }
    assert ticket.page_url == f"{live_server.url}/page/shop/"
    assert ticket.language == "en"  # the page's language
    assert ticket.visitor_timezone == page.evaluate(
        "Intl.DateTimeFormat().resolvedOptions().timeZone"
    )
    assert ticket.user_agent == page.evaluate("navigator.userAgent")


def test_c2_client_checks_stop_an_empty_form_before_the_server(page: Page, live_server, at):
    shop()
    at(MONDAY_19)
    open_offline_form(page, live_server)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#chatgate-shop-field-name-error")).to_have_text("This field is required.")
    expect(page.get_by_label("Your name")).to_be_focused()
    assert not Ticket.objects.exists()


def test_d_a_field_the_server_refuses_shows_its_error_next_to_it(page: Page, live_server, at):
    shop()
    at(MONDAY_19)
    open_offline_form(page, live_server)
    page.get_by_label("Your name").fill("Zoé")
    page.get_by_label("Email").fill("zoe@example.c")  # passes the page's check, not the server's
    page.get_by_role("textbox", name="Message").fill("Hello")
    page.get_by_role("button", name="Send").click()
    error = page.locator("#chatgate-shop-field-email-error")
    expect(error).to_have_text("Enter a valid email address.")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("textbox", name="Message")).to_have_value("Hello")  # nothing lost
    save(page, "widget-field-error")
    assert not Ticket.objects.exists()


def test_d2_a_throttled_visitor_is_told_when_to_try_again_and_keeps_the_draft(
    page: Page, live_server, at, settings
):
    settings.CHATGATE_TICKET_RATE = "1/hour"
    shop()
    at(MONDAY_19 + timedelta(minutes=47, seconds=30))  # 12 min 30 s before the hour's window ends
    used = {"name": "Zoé", "email": "zoe@example.com", "message": "First message"}
    sent = APIClient().post(
        "/chatgate/api/widgets/shop/tickets/", {"form": "offline", "fields": used}, format="json"
    )
    assert sent.status_code == 201  # from this visitor's address: the hour's quota is used
    open_offline_form(page, live_server)
    page.get_by_label("Your name").fill("Zoé")
    page.get_by_label("Email").fill("zoe@example.com")
    page.get_by_role("textbox", name="Message").fill("Second message")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_have_text("Too many messages — try again in 13 minutes.")
    expect(page.get_by_role("textbox", name="Message")).to_have_value("Second message")
    expect(page.get_by_label("Your name")).to_have_value("Zoé")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    save(page, "widget-throttled")
    assert Ticket.objects.count() == 1


def test_e_page_loaded_before_closing_switches_to_the_offline_form_without_reload(
    page: Page, live_server, at, frozen
):
    closing = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 17:00 in Paris
    sales = shop()
    online_agent(sales, closing - timedelta(seconds=10))
    at(closing - timedelta(seconds=10))
    page.goto(f"{live_server.url}/page/shop/")
    page.get_by_role("button", name="Chat with us").click()
    expect(page.locator(".chatgate-closing-soon")).to_be_visible()
    save(page, "widget-closing-soon")
    page.evaluate("window.loadedOnce = true")
    frozen(closing)  # the server's clock reaches 17:00
    page.clock.run_for(10_500)  # the page's clock too: its timer fires at valid_until
    expect(page.get_by_role("heading", name="Leave us a message")).to_be_visible()
    expect(page.get_by_label("Your name")).to_be_visible()
    expect(page.locator(".chatgate-live")).to_contain_text("No one is available right now.")
    assert page.evaluate("window.loadedOnce") is True  # no reload happened


def test_f_staff_text_with_markup_appears_as_text(page: Page, live_server, at):
    shop(greeting=XSS, form_title=f"Write to us {XSS}")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    at(MONDAY_19)
    page.goto(f"{live_server.url}/page/shop/")
    page.locator(".chatgate-launcher").click()
    expect(page.locator(".chatgate-title")).to_have_text(f"Write to us {XSS}")
    assert page.locator(".chatgate img").count() == 0
    page.clock.run_for(1000)
    assert dialogs == []


def test_g_back_at_text_in_the_visitors_time_zone(browser, live_server, frozen):
    shop()
    frozen(MONDAY_19)
    context = browser.new_context(timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    page.clock.install(time=MONDAY_19)
    page.goto(f"{live_server.url}/page/shop/")
    page.locator(".chatgate-launcher").click()
    # Tuesday 09:00 in Paris is 03:00 in New York, the visitor's zone.
    expect(page.locator(".chatgate-back-at")).to_have_text("We'll be back tomorrow at 3:00 AM.")
    save(page, "widget-back-at")
    context.close()


def test_js_api_gates_a_third_party_script(page: Page, live_server, at, frozen):
    sales = shop()
    online_agent(sales, MONDAY_11)
    at(MONDAY_11)
    page.add_init_script(
        "document.addEventListener('chatgate:status', e => (window.seen = window.seen || []).push(e.detail.can_start_chat));"
    )
    page.goto(f"{live_server.url}/page/shop/")
    page.wait_for_function("window.Chatgate && Chatgate.get('state')")
    page.evaluate("window.calls = []; Chatgate.on('status', s => window.calls.push(s.status))")
    assert page.evaluate("window.calls") == ["online"]  # called at once with the current state
    presence.set_status(sales.agents.get(), "offline", at=MONDAY_11)
    page.evaluate("Chatgate.refresh()")
    page.wait_for_function("window.calls.length === 2")
    assert page.evaluate("window.calls") == ["online", "offline"]
    assert page.evaluate("window.seen") == [True, False]
    page.evaluate("Chatgate.open()")
    expect(page.get_by_role("heading", name="Leave us a message")).to_be_visible()


def test_g2_french_visitor_gets_french_texts_and_times(browser, live_server, frozen):
    shop()
    frozen(MONDAY_19)
    context = browser.new_context(
        timezone_id="Europe/Paris",
        locale="fr-FR",
        extra_http_headers={"Accept-Language": "fr-FR,fr"},
    )
    page = context.new_page()
    page.clock.install(time=MONDAY_19)
    page.goto(f"{live_server.url}/page/shop/")
    page.get_by_role("button", name="Laisser un message").click()
    expect(page.locator(".chatgate-back-at")).to_have_text("Nous serons de retour demain à 09:00.")
    page.get_by_role("button", name="Envoyer").click()  # the built-in label, in French
    expect(page.locator("#chatgate-shop-field-name-error")).to_have_text(
        "Ce champ est obligatoire."
    )
    save(page, "widget-french")
    context.close()


def test_polls_with_if_none_match_and_pauses_while_the_tab_is_hidden(page: Page, live_server, at):
    sales = shop()
    online_agent(sales, MONDAY_11)
    at(MONDAY_11)
    page.add_init_script(
        """window.polls = [];
        const realFetch = window.fetch;
        window.fetch = (url, options) => {
          if (String(url).includes('/state/')) window.polls.push((options.headers || {})['If-None-Match'] || null);
          return realFetch(url, options);
        };"""
    )
    page.goto(f"{live_server.url}/page/shop/")
    page.wait_for_function("window.Chatgate && Chatgate.get('state')")
    polls = lambda: page.evaluate("window.polls")  # noqa: E731
    assert polls() == []  # the first state is in the page
    with page.expect_response("**/state/?lang=*"):
        page.clock.run_for(30_500)  # poll_after is 30 s
    assert polls() == [None]
    with page.expect_response("**/state/?lang=*") as second:
        page.clock.run_for(30_500)
    assert polls()[1].startswith('"') and second.value.status == 304  # revalidated with the ETag
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    page.clock.run_for(120_000)
    assert len(polls()) == 2  # no polling while hidden
    with page.expect_response("**/state/?lang=*"):
        page.evaluate(
            "Object.defineProperty(document, 'hidden', {value: false, configurable: true});"
            "document.dispatchEvent(new Event('visibilitychange'))"
        )
    assert len(polls()) == 3  # re-checked at once when shown again


def test_contact_form_offers_departments_and_labels_offline_ones(page: Page, live_server, at):
    schedule = ScheduleFactory(weekly={d: [("09:00", "17:00")] for d in range(5)})
    sales = DepartmentFactory(slug="sales", name="Sales")
    support = DepartmentFactory(slug="support", name="Support", schedule=ScheduleFactory(weekly={}))
    contact = FormFactory(
        kind=Form.Kind.CONTACT, title="Contact us", department_choice=True, success_message="Sent."
    )
    FormFieldFactory(form=contact, name="email", label="Email", type="email", required=True)
    WidgetFactory(
        slug="shop",
        schedule=schedule,
        departments=[sales, support],
        contact_form=contact,
        when_offline="contact_form",
    )
    presence.set_status(AgentFactory(departments=[sales]), "online", at=MONDAY_11)
    presence.set_status(
        sales.agents.get(), "offline", at=MONDAY_11
    )  # nobody: the contact form shows
    at(MONDAY_11)
    page.goto(f"{live_server.url}/page/shop/")
    page.get_by_role("button", name="Contact us").click()
    choice = page.get_by_label("Department")
    expect(choice.locator("option")).to_have_text(["—", "Sales (offline)", "Support (offline)"])
    choice.select_option("support")
    page.get_by_label("Email").fill("zoe@example.com")
    save(page, "widget-contact-form")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".chatgate-success")).to_have_text("Sent.")
    assert Ticket.objects.get().department == support


def test_messaging_mode_is_always_open_and_says_when_someone_is_back(page: Page, live_server, at):
    schedule = ScheduleFactory(weekly={d: [("09:00", "17:00")] for d in range(5)})
    WidgetFactory(
        slug="shop",
        mode="messaging",
        schedule=schedule,
        away_reply="Leave us a note, we read everything.",
    )
    at(MONDAY_19)  # closed, nobody there
    page.goto(f"{live_server.url}/page/shop/")
    launcher = page.get_by_role("button", name="Message us")
    expect(launcher).to_be_visible()
    launcher.click()
    expect(page.locator(".chatgate-notice").first).to_have_text(
        "Leave us a note, we read everything."
    )
    expect(page.locator(".chatgate-back-at")).to_have_text("We'll be back tomorrow at 9:00 AM.")
    assert page.evaluate("Chatgate.get('state').can_start_chat") is True
    # docs/widget-messaging.png, with a thread and its automatic reply: test_browser_messaging.py


def test_a_page_clock_ahead_of_the_server_does_not_poll_in_a_loop(page: Page, live_server, frozen):
    sales = shop()
    server_now = datetime(
        2026, 11, 23, 15, 59, 50, tzinfo=UTC
    )  # 16:59:50 in Paris, closing at 17:00
    online_agent(sales, server_now)
    frozen(server_now)
    page.clock.install(
        time=server_now + timedelta(minutes=5)
    )  # the visitor's clock is 5 minutes fast
    page.add_init_script(
        "window.fetches = 0; const f = window.fetch; window.fetch = (...a) => (window.fetches++, f(...a));"
    )
    page.goto(f"{live_server.url}/page/shop/")
    page.wait_for_function("window.Chatgate && Chatgate.get('state')")
    page.clock.run_for(10_000)
    assert page.evaluate("window.fetches") == 0  # valid_until looks past: the 30 s poll takes over
    with page.expect_response("**/state/?lang=*"):
        page.clock.run_for(21_000)
    assert page.evaluate("window.fetches") == 1


@pytest.mark.parametrize("context_processor", [True, False], ids=["with", "without"])
def test_widget_works_under_a_strict_content_security_policy(
    page: Page, live_server, at, settings, context_processor
):
    """Django's own CSP: scripts only from this origin with the request's nonce, no inline code,
    whether or not the site adds the ``csp`` context processor."""
    csp = pytest.importorskip("django.utils.csp")  # Django 6.0+
    if not context_processor:
        options = settings.TEMPLATES[0]["OPTIONS"]
        processors = [p for p in options["context_processors"] if not p.endswith(".csp")]
        settings.TEMPLATES = [
            {**settings.TEMPLATES[0], "OPTIONS": {"context_processors": processors}}
        ]
    settings.SECURE_CSP = {
        "default-src": [csp.CSP.NONE],
        "script-src": [csp.CSP.NONCE],
        "style-src": [csp.CSP.SELF],
        "connect-src": [csp.CSP.SELF],
    }
    online_agent(shop(), MONDAY_11)
    at(MONDAY_11)
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    response = page.goto(f"{live_server.url}/page/shop/")
    assert "'nonce-" in response.headers["content-security-policy"]
    page.get_by_role("button", name="Chat with us").click()  # the script ran: it has the nonce
    expect(page.locator(".chatgate-panel")).to_be_visible()
    page.evaluate("Chatgate.refresh()")  # fetch is allowed by connect-src 'self'
    assert refused == []


def test_api_documentation_page(page: Page, live_server, settings):
    """Swagger UI from the site's own static files (no CDN), under a strict CSP."""
    shop()
    csp = pytest.importorskip("django.utils.csp")  # Django 6.0+
    settings.SECURE_CSP = {
        "default-src": [csp.CSP.SELF],
        "script-src": [csp.CSP.SELF, csp.CSP.NONCE],
        "style-src": [csp.CSP.SELF],
        "img-src": [csp.CSP.SELF, "data:"],
    }
    refused, origins = [], set()
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("request", lambda request: origins.add(request.url.split("/")[2]))
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(f"{live_server.url}/chatgate/api/docs/")
    expect(page.locator(".swagger-ui .title")).to_contain_text("chatgate API")
    state = page.locator(".opblock", has_text="/api/widgets/{slug}/state/")
    expect(state).to_be_visible()
    state.locator(".opblock-summary").click()
    state.get_by_role("button", name="Try it out").click()
    state.get_by_placeholder("slug").fill("shop")
    state.get_by_role("button", name="Execute").click()  # a request from the page, allowed
    live = state.locator(".live-responses-table tbody .response-col_status")
    expect(live).to_have_text("200")
    expect(state.locator(".live-responses-table")).to_contain_text('"widget": "shop"')
    assert origins == {live_server.url.split("/")[2]}
    assert refused == []


def test_api_documentation_try_it_out_uses_the_staff_session(page: Page, live_server):
    """A change sent from the docs page carries Django's CSRF token: the session is enough."""
    shop()
    UserFactory(username="staff", password="pw", is_staff=True, is_superuser=True)
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/chatgate/api/docs/")
    delete = page.locator(".opblock-delete", has_text="/api/widgets/{slug}/")
    delete.locator(".opblock-summary").click()
    delete.get_by_role("button", name="Try it out").click()
    delete.get_by_placeholder("slug").fill("shop")
    delete.get_by_role("button", name="Execute").click()
    expect(delete.locator(".live-responses-table tbody .response-col_status")).to_have_text("204")
    assert not Widget.objects.filter(slug="shop").exists()
