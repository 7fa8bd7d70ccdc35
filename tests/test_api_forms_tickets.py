"""The staff API for forms (ordered fields, texts per language) and tickets (filters, solved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from chatgate import services
from chatgate.models import Form, FormField, Ticket
from tests.factories import (
    DepartmentFactory,
    FormFactory,
    FormFieldFactory,
    UserFactory,
    WidgetFactory,
)

pytestmark = pytest.mark.django_db
FORMS = "/chatgate/api/forms/"
TICKETS = "/chatgate/api/tickets/"
NIGHT = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)

CONTACT = {
    "name": "Contact",
    "kind": "contact",
    "title": "Write to us",
    "translations": {"fr": {"title": "Écrivez-nous", "submit_label": "Envoyer le message"}},
    "fields": [
        {"name": "email", "type": "email", "required": True, "label": "Email"},
        {
            "name": "topic",
            "type": "select",
            "label": "Topic",
            "choices": "Orders\nReturns",
            "translations": {"fr": {"label": "Sujet", "choices": "Commandes\nRetours"}},
        },
    ],
}


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_form_is_created_with_ordered_fields_and_texts_per_language(api):
    created = api.post(FORMS, CONTACT, format="json")
    assert created.status_code == 201, created.json()
    body = api.get(f"{FORMS}{created.json()['id']}/").json()
    assert [f["name"] for f in body["fields"]] == ["email", "topic"]
    assert body["title"] == "Write to us"
    assert body["translations"]["fr"]["title"] == "Écrivez-nous"
    assert body["fields"][1]["translations"]["fr"] == {
        "label": "Sujet",
        "choices": "Commandes\nRetours",
        "help": "",
    }
    form = Form.objects.get()
    WidgetFactory(slug="w", when_offline="contact_form", contact_form=form)  # nobody online
    french = services.widget_state("w", at=NIGHT, language="fr").form
    assert (french.title, french.submit_label) == ("Écrivez-nous", "Envoyer le message")
    assert french.fields[1].choices == ("Commandes", "Retours")
    assert services.widget_state("w", at=NIGHT, language="en").form.submit_label == "Send"


def test_put_replaces_the_fields_and_patch_without_fields_keeps_them(api):
    pk = api.post(FORMS, CONTACT, format="json").json()["id"]
    replaced = {**CONTACT, "fields": [{"name": "message", "type": "textarea", "label": "Msg"}]}
    assert api.put(f"{FORMS}{pk}/", replaced, format="json").status_code == 200
    assert list(FormField.objects.values_list("name", flat=True)) == ["message"]
    assert api.patch(f"{FORMS}{pk}/", {"enabled": False}, format="json").status_code == 200
    assert list(FormField.objects.values_list("name", flat=True)) == ["message"]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            [{"name": "a", "type": "text", "label": "A"}, {"name": "a", "type": "text", "label": "B"}],
            {"fields": {"0": {"name": ["This name is used twice in the form."]}, "1": {"name": ["This name is used twice in the form."]}}},
        ),
        (
            [{"name": "topic", "type": "select", "label": "Topic"}],
            {"fields": {"0": {"choices": ["A choice field needs at least one option."]}}},
        ),
        ([{"name": "Bad Name", "type": "text", "label": "X"}], {"fields": {"0": {"name": ["Use lower-case letters, digits and _."]}}}),
        ([{"name": "x", "type": "text"}], {"fields": {"0": {"label": ["This field is required."]}}}),
    ],
)  # fmt: skip
def test_bad_fields_are_refused_naming_the_row(api, fields, error):
    answer = api.post(FORMS, {**CONTACT, "fields": fields}, format="json")
    assert answer.status_code == 400
    assert answer.json() == error
    assert not Form.objects.exists()


@pytest.fixture
def tickets():
    sales, support = DepartmentFactory(slug="sales"), DepartmentFactory(slug="support")
    shop, other = WidgetFactory(slug="shop"), WidgetFactory(slug="other")
    rows = [
        Ticket.objects.create(widget=shop, department=sales, form_kind="offline", fields=[]),
        Ticket.objects.create(widget=shop, department=support, form_kind="contact", fields=[]),
        Ticket.objects.create(widget=other, form_kind="offline", fields=[], status="solved"),
    ]
    for days, ticket in zip((3, 2, 1), rows, strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(created_at=NIGHT - timedelta(days=days))
    return rows


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [2, 1, 0]),  # newest first
        ("?widget=shop", [1, 0]),
        ("?department=support", [1]),
        ("?status=solved", [2]),
        ("?since=2026-11-21T21:00:00Z", [2, 1]),
        # An offset PostgreSQL cannot store (beyond ±15:59) is the same instant in UTC.
        ("?since=2026-11-21T01:35:00-19:25", [2, 1]),
        ("?widget=shop&status=new&since=2026-11-20T00:00:00%2B01:00", [1, 0]),
        ("?widget=nobody", []),
    ],
)
def test_tickets_are_listed_with_filters(api, tickets, query, expected):
    body = api.get(TICKETS + query).json()
    assert [row["id"] for row in body["results"]] == [tickets[i].pk for i in expected]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?status=open", "status"),
        ("?since=yesterday", "since"),
        ("?since=2026-11-21", "since"),
        ("?since=0001-01-01T00:00:00%2B05:00", "since"),  # before year 1 in UTC
    ],
)
def test_bad_filters_are_a_400_naming_them(api, tickets, query, field):
    answer = api.get(TICKETS + query)
    assert answer.status_code == 400 and field in answer.json()


def test_a_helpdesk_marks_a_ticket_solved_and_nothing_else_changes(api, tickets):
    url = f"{TICKETS}{tickets[0].pk}/"
    answer = api.patch(url, {"status": "solved", "email": "x@y.org"}, format="json")
    assert answer.status_code == 200
    ticket = Ticket.objects.get(pk=tickets[0].pk)
    assert (ticket.status, ticket.email) == ("solved", "")
    assert api.patch(url, {"status": "lost"}, format="json").status_code == 400
    assert api.delete(url).status_code == 405


def test_tickets_page_by_cursor(api, settings):
    shop = WidgetFactory(slug="shop")
    Ticket.objects.bulk_create(
        Ticket(widget=shop, form_kind="offline", fields=[]) for _ in range(105)
    )
    first = api.get(TICKETS).json()
    assert len(first["results"]) == 100 and first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 5 and second["next"] is None
    assert api.get(TICKETS + "?cursor=nonsense").status_code == 400


def test_the_state_of_a_form_written_through_the_api_follows_it(api):
    form = FormFactory(kind=Form.Kind.OFFLINE)
    FormFieldFactory(form=form, name="email", type="email", label="Email")
    WidgetFactory(slug="w", offline_form=form, schedule=None, force="closed")
    assert services.widget_state("w", at=NIGHT).form.title == "Leave us a message"
    api.patch(f"{FORMS}{form.pk}/", {"title": "Away for now"}, format="json")
    assert services.widget_state("w", at=NIGHT).form.title == "Away for now"
