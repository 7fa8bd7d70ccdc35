"""The public endpoints: widget state (ETag, Cache-Control) and ticket submission."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from rest_framework.test import APIClient

from chatgate import presence
from chatgate.models import Form, Ticket, Widget
from tests.factories import (
    AgentFactory,
    DepartmentFactory,
    FormFactory,
    FormFieldFactory,
    ScheduleFactory,
    WidgetFactory,
)

pytestmark = pytest.mark.django_db

MONDAY_11 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Paris
MONDAY_19 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # 19:00 in Paris, closed
STATE = "/chatgate/api/widgets/shop/state/"
TICKETS = "/chatgate/api/widgets/shop/tickets/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def shop():
    schedule = ScheduleFactory(weekly={d: [("09:00", "17:00")] for d in range(5)})
    sales = DepartmentFactory(slug="sales", name="Sales", email="sales@example.com")
    offline = FormFactory(
        kind=Form.Kind.OFFLINE, success_message="Thanks, we'll write back.", department_choice=True
    )
    FormFieldFactory(form=offline, name="name", label="Name", required=True, position=0)
    FormFieldFactory(
        form=offline, name="email", label="Email", type="email", required=True, position=1
    )
    FormFieldFactory(form=offline, name="phone", label="Phone", type="phone", position=2)
    FormFieldFactory(
        form=offline,
        name="topic",
        label="Topic",
        type="select",
        choices="Orders\nReturns",
        position=3,
    )
    FormFieldFactory(
        form=offline,
        name="message",
        label="Message",
        type="textarea",
        required=True,
        max_length=50,
        position=4,
    )
    FormFieldFactory(form=offline, name="consent", label="Consent", type="checkbox", position=5)
    FormFieldFactory(form=offline, name="quantity", label="Quantity", type="number", position=6)
    FormFieldFactory(form=offline, name="since", label="Since", type="date", position=7)
    widget = WidgetFactory(
        slug="shop",
        schedule=schedule,
        departments=[sales],
        offline_form=offline,
        email="shop@example.com",
    )
    return widget


VALID = {"name": "Zoé", "email": "zoe@example.com", "message": "Where is my order?"}


def test_state_body_matches_the_contract(api, shop, frozen):
    frozen(MONDAY_19)
    body = api.get(STATE).json()
    assert set(body) == {
        "widget", "mode", "status", "reason", "show", "can_start_chat", "opens_at", "closes_at",
        "closing_soon", "valid_until", "poll_after", "timezone", "departments", "form", "texts", "language",
        "typical_reply_seconds",
    }  # fmt: skip
    assert body["show"] == "offline_form"
    assert body["opens_at"] == "2026-11-24T08:00:00Z"
    assert body["form"]["fields"][0] == {
        "name": "name", "label": "Name", "type": "text", "required": True, "choices": [], "help": "", "max_length": None,
    }  # fmt: skip
    assert body["departments"][0]["slug"] == "sales"


def test_state_etag_and_if_none_match(api, shop, frozen):
    frozen(MONDAY_19)
    first = api.get(STATE)
    etag = first["ETag"]
    assert etag.startswith('"')
    again = api.get(STATE, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    presence.set_status(AgentFactory(departments=[shop.departments.get()]), "online", at=MONDAY_11)
    frozen(MONDAY_11)
    changed = api.get(STATE, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


@pytest.mark.parametrize(
    ("now", "setting", "max_age"),
    [
        (MONDAY_19, 10, 10),  # next opening is hours away: the setting bounds it
        (datetime(2026, 11, 24, 7, 59, 55, tzinfo=UTC), 10, 5),  # opens in 5 s
        (datetime(2026, 11, 24, 7, 59, 59, 500000, tzinfo=UTC), 10, 0),
        (MONDAY_19, 3, 3),
    ],
)
def test_cache_control_is_bounded_by_valid_until(
    api, shop, frozen, settings, now, setting, max_age
):
    settings.CHATGATE_STATE_MAX_AGE = setting
    frozen(now)
    assert api.get(STATE)["Cache-Control"] == f"public, max-age={max_age}"


def test_state_of_unknown_widget_is_404(api):
    assert api.get("/chatgate/api/widgets/nope/state/").status_code == 404


def test_state_ignores_host_authentication_defaults(api, shop, settings, frozen):
    frozen(MONDAY_19)
    settings.REST_FRAMEWORK = {
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    }
    assert api.get(STATE).status_code == 200


def test_ticket_is_stored_with_every_detail_and_notified(
    api, shop, frozen, django_capture_on_commit_callbacks
):
    frozen(MONDAY_19)
    body = {
        "form": "offline",
        "department": "sales",
        "fields": {
            **VALID,
            "phone": "+33 1 23 45 67 89",
            "topic": "Returns",
            "consent": True,
            "quantity": "2",
            "since": "2026-11-01",
        },
        "page_url": "https://shop.example.com/cart",
        "language": "fr-FR",
        "timezone": "America/Montreal",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(TICKETS, body, format="json", HTTP_USER_AGENT="Firefox/140")
    assert response.status_code == 201
    assert response.json() == {
        "id": Ticket.objects.get().pk,
        "message": "Thanks, we'll write back.",
    }
    ticket = Ticket.objects.get()
    assert [f["name"] for f in ticket.fields] == [
        "name",
        "email",
        "phone",
        "topic",
        "message",
        "consent",
        "quantity",
        "since",
    ]
    assert ticket.fields[0] == {"name": "name", "label": "Name", "value": "Zoé"}
    assert (ticket.email, ticket.department.slug, ticket.form_kind) == (
        "zoe@example.com",
        "sales",
        "offline",
    )
    assert (ticket.page_url, ticket.language, ticket.visitor_timezone, ticket.user_agent) == (
        "https://shop.example.com/cart",
        "fr",
        "America/Montreal",
        "Firefox/140",
    )  # fmt: skip: fr-FR is stored as the site's language it matches
    assert ticket.notified_at == MONDAY_19  # right after the commit
    (email,) = mail.outbox
    assert email.to == ["sales@example.com"] and email.reply_to == ["zoe@example.com"]
    assert "Message: Where is my order?" in email.body


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {},
            {
                "name": ["This field is required."],
                "email": ["This field is required."],
                "message": ["This field is required."],
            },
        ),
        ({**VALID, "email": "zoe@"}, {"email": ["Enter a valid email address."]}),
        (
            {**VALID, "phone": "call me"},
            {"phone": ["Enter a valid phone number, such as +33 1 23 45 67 89."]},
        ),
        ({**VALID, "topic": "Refunds"}, {"topic": ["Choose one of the options."]}),
        ({**VALID, "message": "x" * 51}, {"message": ["At most 50 characters (this has 51)."]}),
        ({**VALID, "name": "n" * 501}, {"name": ["At most 500 characters (this has 501)."]}),
        ({**VALID, "quantity": "two"}, {"quantity": ["Enter a number."]}),
        ({**VALID, "since": "01/11/2026"}, {"since": ["Enter a date as YYYY-MM-DD."]}),
        ({**VALID, "consent": "maybe"}, {"consent": ["Tick the box or leave it empty."]}),
        ({**VALID, "coupon": "X"}, {"coupon": ["Unknown field."]}),
        ({**VALID, "name": ["a", "b"]}, {"name": ["Enter text, not a list or an object."]}),
    ],
)
def test_invalid_fields_get_a_400_naming_each_field(api, shop, frozen, fields, errors):
    frozen(MONDAY_19)
    response = api.post(TICKETS, {"form": "offline", "fields": fields}, format="json")
    assert response.status_code == 400
    assert response.json() == {"fields": errors}
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"fields": VALID}, "form"),
        ({"form": "survey", "fields": VALID}, "form"),
        ({"form": "offline", "fields": "hello"}, "fields"),
        ({"form": "offline", "fields": VALID, "website": "http://spam"}, "website"),
        ({"form": "offline", "fields": VALID, "department": "nope"}, "department"),
        ({"form": "offline", "fields": VALID, "page_url": "javascript:alert(1)"}, "page_url"),
        ({"form": "offline", "fields": VALID, "timezone": "Mars/Base"}, "timezone"),
    ],
)
def test_bad_envelopes_are_refused_by_key(api, shop, frozen, body, key):
    frozen(MONDAY_19)
    response = api.post(TICKETS, body, format="json")
    assert response.status_code == 400
    assert key in response.json()
    assert not Ticket.objects.exists()


def test_form_not_offered_now_is_refused_with_the_current_state(api, shop, frozen):
    presence.set_status(AgentFactory(departments=[shop.departments.get()]), "online", at=MONDAY_11)
    frozen(MONDAY_11)  # open with an agent: the widget offers the chat, not the form
    response = api.post(TICKETS, {"form": "offline", "fields": VALID}, format="json")
    assert response.status_code == 400
    assert response.json()["form"] == ["This form is not offered right now."]
    assert response.json()["state"]["show"] == "chat"
    contact = api.post(TICKETS, {"form": "contact", "fields": VALID}, format="json")
    assert contact.status_code == 400 and not Ticket.objects.exists()


def test_unknown_widget_ticket_is_404(api):
    assert (
        api.post(
            "/chatgate/api/widgets/nope/tickets/", {"form": "offline", "fields": {}}, format="json"
        ).status_code
        == 404
    )


def test_throttle_per_client(api, shop, frozen, settings):
    settings.CHATGATE_TICKET_RATE = "2/hour"
    frozen(MONDAY_19)
    codes = [
        api.post(TICKETS, {"form": "offline", "fields": VALID}, format="json").status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    other = APIClient(REMOTE_ADDR="10.0.0.9")
    assert (
        other.post(TICKETS, {"form": "offline", "fields": VALID}, format="json").status_code == 201
    )


def test_failed_email_is_recorded_and_retried_once(
    api, shop, frozen, settings, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    frozen(MONDAY_19)
    settings.EMAIL_BACKEND = "tests.failing_mail.Backend"
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            api.post(TICKETS, {"form": "offline", "fields": VALID}, format="json").status_code
            == 201
        )
    ticket = Ticket.objects.get()
    assert (
        ticket.notified_at is None
        and "SMTP is down" in ticket.notify_error
        and ticket.notify_attempts == 1
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("chatgate_send_notifications", stdout=StringIO())
    call_command("chatgate_send_notifications", stdout=StringIO())
    ticket.refresh_from_db()
    assert (
        ticket.notified_at == MONDAY_19
        and ticket.notify_error == ""
        and ticket.notify_attempts == 2
    )
    assert len(mail.outbox) == 1  # sent once, however often cron runs


def test_ticket_created_signal_after_commit(api, shop, frozen, django_capture_on_commit_callbacks):
    from chatgate.signals import ticket_created

    frozen(MONDAY_19)
    seen = []

    def receiver(ticket, **kwargs):
        seen.append(ticket.pk)

    ticket_created.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            api.post(TICKETS, {"form": "offline", "fields": VALID}, format="json")
        assert seen == []
        for callback in callbacks:
            callback()
    finally:
        ticket_created.disconnect(receiver)
    assert seen == [Ticket.objects.get().pk]


def test_widget_email_is_used_without_department(
    api, shop, frozen, django_capture_on_commit_callbacks
):
    frozen(MONDAY_19)
    with django_capture_on_commit_callbacks(execute=True):
        api.post(TICKETS, {"form": "offline", "fields": VALID}, format="json")
    assert mail.outbox[0].to == ["shop@example.com"]


def test_contact_form_department_choice_and_offline_label_data(api, frozen):
    schedule = ScheduleFactory(weekly={d: [("09:00", "17:00")] for d in range(5)})
    sales, support = DepartmentFactory(slug="sales"), DepartmentFactory(slug="support")
    contact = FormFactory(kind=Form.Kind.CONTACT, department_choice=True)
    FormFieldFactory(form=contact, name="email", type="email", required=True)
    WidgetFactory(
        slug="shop",
        schedule=schedule,
        departments=[sales, support],
        contact_form=contact,
        when_offline="contact_form",
    )
    agent = AgentFactory(departments=[support])
    presence.set_status(agent, "invisible", at=MONDAY_11)
    frozen(MONDAY_11 + timedelta(minutes=1))
    state = api.get(STATE).json()
    assert state["show"] == "contact_form" and state["form"]["department_choice"] is True
    assert [(d["slug"], d["status"]) for d in state["departments"]] == [
        ("sales", "offline"),
        ("support", "offline"),
    ]
    response = api.post(
        TICKETS,
        {"form": "contact", "department": "support", "fields": {"email": "a@b.co"}},
        format="json",
    )
    assert response.status_code == 201
    assert Ticket.objects.get().department == support


def test_a_department_is_named_only_when_the_form_offers_the_choice(
    api, shop, frozen, django_capture_on_commit_callbacks
):
    shop.offline_form.department_choice = False
    shop.offline_form.save()
    frozen(MONDAY_19)
    body = {"form": "offline", "department": "sales", "fields": VALID}
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(TICKETS, body, format="json").status_code == 201
    assert Ticket.objects.get().department is None  # not routed where the form offers no choice
    assert mail.outbox[0].to == ["shop@example.com"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("name", "Zoé\nBcc: victim@example.com"),
        ("name", "Zoé\rMartin"),
        ("name", "Zoé\u2028Martin"),
        ("email", "zoe@example.com\nBcc: victim@example.com"),
        ("phone", "+33 1 23\n45 67 89"),
        ("topic", "Orders\nReturns"),
        ("quantity", "1\n2"),
        ("since", "2026-11-01\n2026-11-02"),
    ],
)
def test_single_line_fields_refuse_line_breaks(api, shop, frozen, name, value):
    frozen(MONDAY_19)
    fields = {**VALID, name: value}
    response = api.post(TICKETS, {"form": "offline", "fields": fields}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {name: ["Line breaks are not allowed in this field."]}
    assert not Ticket.objects.exists()


def test_long_text_keeps_its_line_breaks(api, shop, frozen):
    frozen(MONDAY_19)
    fields = {**VALID, "message": "Hello,\r\nsecond line"}
    assert (
        api.post(TICKETS, {"form": "offline", "fields": fields}, format="json").status_code == 201
    )
    assert Ticket.objects.get().fields[2]["value"] == "Hello,\r\nsecond line"


def test_an_old_widget_name_with_a_line_break_cannot_break_the_email(
    api, shop, frozen, django_capture_on_commit_callbacks
):
    Widget.objects.filter(pk=shop.pk).update(name="Shop\r\nBcc: victim@example.com")  # an old row
    frozen(MONDAY_19)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            api.post(TICKETS, {"form": "offline", "fields": VALID}, format="json").status_code
            == 201
        )
    ticket = Ticket.objects.get()
    assert (ticket.notified_at, ticket.notify_error) == (MONDAY_19, "")
    (sent,) = mail.outbox
    assert sent.subject == f"[Shop Bcc: victim@example.com] Ticket #{ticket.pk} (Offline form)"
    assert sent.recipients() == ["shop@example.com"]  # no Bcc smuggled in
