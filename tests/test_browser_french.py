"""A French visitor of an English-default site reads only French; an English one, only English.

Each test opens the same page as a French browser (Accept-Language, locale and
time zone) and checks the widget's text against every English text chatgate
could show, built in or written by staff. Both clocks are injected (see
tests/test_browser.py). Set CHATGATE_SCREENSHOTS=1 to refresh docs/widget-fr-*.png.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import translation
from playwright.sync_api import expect

from chatgate import presence
from chatgate.languages import BUILT_IN
from chatgate.models import REASON_LABELS, Form, Ticket
from chatgate.widget_texts import widget_texts
from tests.factories import (
    AgentFactory,
    DepartmentFactory,
    FormFactory,
    FormFieldFactory,
    ScheduleFactory,
    WidgetFactory,
)
from tests.screens import save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY_11 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Paris, open until 17:00
MONDAY_1650 = datetime(2026, 11, 23, 15, 50, tzinfo=UTC)  # 16:50 in Paris: closing soon
MONDAY_19 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # 19:00 in Paris: back tomorrow 09:00
FRIDAY_19 = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)  # back on Monday
CHRISTMAS_EVE = datetime(2026, 12, 23, 18, 0, tzinfo=UTC)  # closed until 4 January

STAFF_ENGLISH = ["Sales", "Support", "Write to us", "Your name", "Your message", "Topic", "Orders"]


def translate(obj, language: str, **texts) -> None:
    obj.set_current_language(language)
    for name, value in texts.items():
        setattr(obj, name, value)
    obj.save_translations()


def english_texts() -> list[str]:
    """Every English text the widget could show a French visitor by mistake."""
    with translation.override("en"):
        built_in = [str(text).split("{")[0].strip() for text in BUILT_IN.values()]
        interface = [text.split("{")[0].strip() for text in widget_texts().values()]
        reasons = [str(label) for label in REASON_LABELS.values()]
    return [t for t in {*built_in, *interface, *reasons, *STAFF_ENGLISH, "AM", "PM"} if len(t) > 2]


def shop(*, when_offline: str = "offline_form", mode: str = "chat"):
    """A shop whose staff wrote French too, with the site in English by default."""
    hours = {d: [("09:00", "17:00")] for d in range(5)}
    schedule = ScheduleFactory(weekly=hours)
    from chatgate.models import ScheduleException

    ScheduleException.objects.create(schedule=schedule, date=datetime(2026, 12, 24).date())
    for day in range(25, 32):
        ScheduleException.objects.create(schedule=schedule, date=datetime(2026, 12, day).date())
    for day in range(1, 4):
        ScheduleException.objects.create(schedule=schedule, date=datetime(2027, 1, day).date())
    sales = DepartmentFactory(slug="sales", name="Sales")
    translate(sales, "fr", name="Ventes")
    support = DepartmentFactory(slug="support", name="Support", schedule=ScheduleFactory())
    translate(support, "fr", name="Assistance")
    offline = FormFactory(kind=Form.Kind.OFFLINE, title="Write to us")
    translate(offline, "fr", title="Écrivez-nous")
    contact = FormFactory(kind=Form.Kind.CONTACT, title="", department_choice=True)
    for form in (offline, contact):
        name = FormFieldFactory(form=form, name="name", label="Your name", required=True)
        translate(name, "fr", label="Votre nom")
        topic = FormFieldFactory(
            form=form, name="topic", label="Topic", type="select", choices="Orders\nReturns"
        )
        translate(topic, "fr", label="Sujet", choices="Commandes\nRetours")
        message = FormFieldFactory(
            form=form, name="message", label="Your message", type="textarea", required=True
        )
        translate(message, "fr", label="Votre message")
    return WidgetFactory(
        slug="shop",
        mode=mode,
        schedule=schedule,
        departments=[sales, support],
        offline_form=offline,
        contact_form=contact,
        when_offline=when_offline,
    )


@pytest.fixture
def visitor(browser, live_server, frozen):
    """``visitor(at, language="fr", zone="Europe/Paris")``: a page of the shop in that browser."""
    contexts = []

    def open_page(at: datetime, *, language: str = "fr", zone: str = "Europe/Paris"):
        frozen(at)
        locale = {"fr": "fr-FR", "en": "en-US"}[language]
        context = browser.new_context(
            locale=locale,
            timezone_id=zone,
            extra_http_headers={"Accept-Language": f"{locale},{language};q=0.9"},
        )
        contexts.append(context)
        page = context.new_page()
        page.clock.install(time=at)
        page.goto(f"{live_server.url}/page/shop/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def only_french(page) -> str:
    text = page.locator("#chatgate-shop").inner_text()
    assert [english for english in english_texts() if english in text] == []
    return text


def test_chat_and_closing_soon_in_french(visitor):
    widget = shop()
    agent = AgentFactory(departments=list(widget.departments.all()))
    presence.set_status(agent, "online", at=MONDAY_11)
    page = visitor(MONDAY_11)
    page.get_by_role("button", name="Discutez avec nous").click()
    expect(page.locator(".chatgate-greeting")).to_have_text(
        "Bonjour ! Comment pouvons-nous vous aider ?"
    )
    only_french(page)
    presence.set_status(agent, "online", at=MONDAY_1650)  # still there near closing time
    later = visitor(MONDAY_1650)
    later.get_by_role("button", name="Discutez avec nous").click()
    expect(later.locator(".chatgate-closing-soon")).to_have_text("Le chat ferme à 17:00.")
    only_french(later)
    save(later, "widget-fr-closing-soon")


def test_offline_form_and_sent_in_french(visitor):
    shop()
    page = visitor(MONDAY_19)
    page.get_by_role("button", name="Laisser un message").click()
    expect(page.get_by_role("heading", name="Écrivez-nous")).to_be_visible()
    expect(page.locator(".chatgate-back-at")).to_have_text("Nous serons de retour demain à 09:00.")
    page.get_by_label("Votre nom").fill("Zoé")
    page.get_by_label("Sujet").select_option("Retours")
    page.get_by_role("textbox", name="Votre message").fill("Mon colis est abîmé.")
    only_french(page)
    save(page, "widget-fr-offline-form")
    page.get_by_label("Votre nom").fill("")
    page.get_by_role("button", name="Envoyer").click()  # the client's own checks, in French
    expect(page.locator("#chatgate-shop-field-name-error")).to_have_text(
        "Ce champ est obligatoire."
    )
    only_french(page)
    page.get_by_label("Votre nom").fill("Zoé")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator(".chatgate-success")).to_have_text("Merci, nous vous répondrons.")
    only_french(page)
    ticket = Ticket.objects.get()
    assert ticket.language == "fr"
    assert {f["name"]: f["value"] for f in ticket.fields}["topic"] == "Retours"


def test_contact_form_in_french_with_departments(visitor):
    shop(when_offline="contact_form")
    page = visitor(MONDAY_11)  # open hours, nobody online
    page.get_by_role("button", name="Nous contacter").click()
    expect(page.get_by_role("heading", name="Nous contacter")).to_be_visible()
    expect(page.get_by_label("Service").locator("option")).to_have_text(
        ["—", "Ventes (hors ligne)", "Assistance (hors ligne)"]
    )
    only_french(page)


def test_messaging_in_french(visitor):
    shop(mode="messaging")
    page = visitor(FRIDAY_19)
    page.get_by_role("button", name="Écrivez-nous").click()
    expect(page.locator(".chatgate-back-at")).to_have_text("Nous serons de retour lundi à 09:00.")
    expect(page.locator(".chatgate-notice").first).to_have_text(
        "Personne n’est disponible pour le moment."
    )
    only_french(page)
    save(page, "widget-fr-messaging")


@pytest.mark.parametrize(
    ("at", "zone", "expected"),
    [
        (MONDAY_19, "America/New_York", "Nous serons de retour demain à 03:00."),
        (datetime(2026, 11, 23, 2, 0, tzinfo=UTC), "Europe/Paris", "Nous serons de retour aujourd’hui à 09:00."),
        (CHRISTMAS_EVE, "Europe/Paris", "Nous serons de retour le 4 janvier à 09:00."),
        (CHRISTMAS_EVE, "America/New_York", "Nous serons de retour le 4 janvier à 03:00."),
    ],
)  # fmt: skip
def test_back_at_in_the_visitors_zone_in_french(visitor, at, zone, expected):
    shop()
    page = visitor(at, zone=zone)
    page.get_by_role("button", name="Laisser un message").click()
    expect(page.locator(".chatgate-back-at")).to_have_text(expected)
    only_french(page)
    if zone == "America/New_York" and at == MONDAY_19:
        save(page, "widget-fr-new-york")


def test_an_english_visitor_of_the_same_page_reads_english(visitor):
    shop()
    page = visitor(MONDAY_19, language="en")
    page.get_by_role("button", name="Leave a message").click()
    expect(page.get_by_role("heading", name="Write to us")).to_be_visible()
    expect(page.locator(".chatgate-back-at")).to_have_text("We'll be back tomorrow at 9:00 AM.")
    expect(page.get_by_label("Topic").locator("option")).to_have_text(["—", "Orders", "Returns"])
    assert "Votre" not in page.locator("#chatgate-shop").inner_text()
