"""Bad input on every endpoint gets a clear 4xx naming the field, never a 500.

Null characters (PostgreSQL refuses them in text and JSON), lone surrogates
(UTF-8 cannot encode them, so neither a database nor a response can hold
them), emails longer than their column, bodies nested 100,000 deep, and slugs
that are not slugs in URLs. Run on SQLite and on PostgreSQL (the second leg of
``make test``), where each of these was a 500 before.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.test import Client
from rest_framework.test import APIClient

from chatgate import tickets
from chatgate.api.parsers import MAX_DEPTH
from chatgate.models import Department, Form, Schedule, Ticket, Widget
from tests.factories import (
    AgentFactory,
    DepartmentFactory,
    FormFactory,
    FormFieldFactory,
    ScheduleFactory,
    UserFactory,
    WidgetFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # Monday 19:00 in Paris: the offline form
NUL = "\x00"
SURROGATE = "\ud800"
MESSAGES = {
    NUL: "Null characters are not allowed.",
    SURROGATE: "Surrogate characters are not allowed: U+D800.",
}
KEY_MESSAGE = "Names cannot contain null characters or surrogate characters."
TICKETS = "/chatgate/api/widgets/shop/tickets/"
TICKET = {"form": "offline", "fields": {"email": "zoe@example.com", "message": "Hello"}}
LONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com"  # 313 characters, valid
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def site(frozen, settings):
    settings.CHATGATE_TICKET_RATE = "100000/hour"
    frozen(NOW)
    schedule = ScheduleFactory(weekly={0: [("09:00", "17:00")]})
    sales = DepartmentFactory(slug="sales", schedule=schedule)
    form = FormFactory(kind=Form.Kind.OFFLINE)
    FormFieldFactory(form=form, name="email", type="email", required=True)
    FormFieldFactory(form=form, name="message", type="textarea")
    WidgetFactory(slug="shop", schedule=schedule, departments=[sales], offline_form=form)
    return {"schedule": schedule.pk, "agent": AgentFactory(departments=[sales]).pk}


@pytest.fixture
def api(site):
    """A superuser who is also an agent: every endpoint accepts it."""
    user = UserFactory(is_staff=True, is_superuser=True)
    AgentFactory(user=user)
    client = APIClient()
    client.force_authenticate(user)
    return client


def send(api, method: str, url: str, body):
    """The body as JSON text, NUL and surrogates written as ``\\u`` escapes, as a client would."""
    return api.generic(method, url, json.dumps(body), content_type="application/json")


def at(errors: dict, path: tuple):
    for name in path:
        errors = errors[name]
    return errors


def cases(ids: dict) -> list[tuple[str, str, object, tuple]]:
    """(method, url, body with ``{bad}`` in one string, path of the field that holds it)."""
    schedule, agent = ids["schedule"], ids["agent"]
    return [
        ("POST", TICKETS, {**TICKET, "fields": {"email": "zoe@example.com", "message": "x{bad}"}}, ("fields", "message")),
        ("POST", TICKETS, {**TICKET, "form": "{bad}"}, ("form",)),
        ("POST", TICKETS, {**TICKET, "department": "sales{bad}"}, ("department",)),
        ("POST", TICKETS, {**TICKET, "page_url": "https://example.com/{bad}"}, ("page_url",)),
        ("POST", TICKETS, {**TICKET, "language": "fr{bad}"}, ("language",)),
        ("POST", TICKETS, {**TICKET, "timezone": "Europe/Paris{bad}"}, ("timezone",)),
        ("POST", TICKETS, {**TICKET, "website": "{bad}"}, ("website",)),
        ("PUT", "/chatgate/api/agent/status/", {"status": "online{bad}"}, ("status",)),
        ("POST", "/chatgate/api/schedules/", {"name": "S{bad}", "timezone": "UTC"}, ("name",)),
        ("POST", "/chatgate/api/schedules/", {"name": "S", "timezone": "UTC{bad}"}, ("timezone",)),
        ("PUT", f"/chatgate/api/schedules/{schedule}/", {"name": "S", "timezone": "UTC", "weekly": [{"weekday": 0, "opens": "09:00{bad}", "closes": "12:00"}]}, ("weekly", "0", "opens")),
        ("PATCH", f"/chatgate/api/schedules/{schedule}/", {"exceptions": [{"date": "2026-12-25", "label": "Noël{bad}"}]}, ("exceptions", "0", "label")),
        ("POST", "/chatgate/api/departments/", {"slug": "new{bad}", "name": "New"}, ("slug",)),
        ("PUT", "/chatgate/api/departments/sales/", {"slug": "sales", "name": "Sales{bad}"}, ("name",)),
        ("PATCH", "/chatgate/api/departments/sales/", {"email": "sales{bad}@example.com"}, ("email",)),
        ("POST", "/chatgate/api/agents/", {"user": UserFactory().pk, "display_name": "A{bad}"}, ("display_name",)),
        ("PATCH", f"/chatgate/api/agents/{agent}/", {"departments": ["sales{bad}"]}, ("departments", "0")),
        ("PATCH", f"/chatgate/api/agents/{agent}/", {"status": "away{bad}"}, ("status",)),
        ("POST", "/chatgate/api/widgets/", {"slug": "w{bad}", "name": "W"}, ("slug",)),
        ("PATCH", "/chatgate/api/widgets/shop/", {"greeting": "Hi{bad}"}, ("greeting",)),
        ("PATCH", "/chatgate/api/widgets/shop/", {"mode": "chat{bad}"}, ("mode",)),
        ("PATCH", "/chatgate/api/widgets/shop/", {"force_until": "2026-12-01T00:00:00Z{bad}"}, ("force_until",)),
        ("PUT", "/chatgate/api/widgets/shop/", {"slug": "shop", "name": "Shop", "departments": ["{bad}"]}, ("departments", "0")),
    ]  # fmt: skip


def fill(body, bad: str):
    return json.loads(json.dumps(body).replace("{bad}", json.dumps(bad)[1:-1]))


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_null_and_surrogate_characters_are_400_naming_the_field(api, site, bad):
    counts = _counts()
    for method, url, body, path in cases(site):
        response = send(api, method, url, fill(body, bad))
        assert response.status_code == 400, (method, url, path, response.content[:300])
        assert at(response.json(), path) == [MESSAGES[bad]], (method, url, response.json())
    assert _counts() == counts  # nothing stored


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_tickets_refuse_them_from_python_too(site, bad):
    """The rule holds for code that submits without the API (``tickets.submit``)."""
    fields = {"email": "zoe@example.com", "message": f"x{bad}"}
    with pytest.raises(tickets.SubmissionRefused) as refused:
        tickets.submit("shop", tickets.Submission(form="offline", fields=fields))
    assert refused.value.errors == {"fields": {"message": [MESSAGES[bad]]}}
    assert not Ticket.objects.exists()


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Ticket, Schedule, Department, Widget))


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_a_name_with_them_is_400_on_its_object(api, site, bad):
    fields = {"email": "zoe@example.com", f"x{bad}": "1"}
    response = send(api, "POST", TICKETS, {**TICKET, "fields": fields})
    assert response.status_code == 400
    assert response.json() == {"fields": {"non_field_errors": [KEY_MESSAGE]}}
    response = send(api, "POST", "/chatgate/api/departments/", {"slug": "x", bad: 1})
    assert response.json() == {"non_field_errors": [KEY_MESSAGE]}


def test_a_bad_name_deep_in_a_ticket_key_is_answered_as_the_schema_says(api, site):
    """The error nests like the value sent; the schema allows it (a fuzz test found the
    tickets' 400 documented ``department`` as a list of strings only)."""
    response = send(api, "POST", TICKETS, {**TICKET, "department": [{f"x{SURROGATE}": 1}]})
    assert response.json() == {"department": {"0": {"non_field_errors": [KEY_MESSAGE]}}}
    schema = api.get("/chatgate/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    documented = schema["TicketRefused"]["properties"]["department"]["anyOf"]
    assert {"type": "object"} in documented


def test_an_email_longer_than_the_column_is_400_naming_the_field(api, site):
    ticket = send(api, "POST", TICKETS, {**TICKET, "fields": {"email": LONG_EMAIL}})
    assert ticket.status_code == 400
    assert ticket.json() == {"fields": {"email": ["An email address has at most 254 characters."]}}
    department = send(api, "PATCH", "/chatgate/api/departments/sales/", {"email": LONG_EMAIL})
    assert department.status_code == 400 and list(department.json()) == ["email"]
    widget = send(api, "PATCH", "/chatgate/api/widgets/shop/", {"email": LONG_EMAIL})
    assert widget.status_code == 400 and list(widget.json()) == ["email"]
    assert not Ticket.objects.exists()


def test_the_longest_email_the_column_holds_is_accepted(api, site):
    email = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
    assert len(email) == 254
    response = send(api, "POST", TICKETS, {**TICKET, "fields": {"email": email}})
    assert response.status_code == 201, response.json()
    assert Ticket.objects.get().email == email


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", TICKETS),
        ("PUT", "/chatgate/api/agent/status/"),
        ("POST", "/chatgate/api/schedules/"),
        ("PATCH", "/chatgate/api/schedules/{schedule}/"),
        ("PUT", "/chatgate/api/departments/sales/"),
        ("POST", "/chatgate/api/agents/"),
        ("PATCH", "/chatgate/api/agents/{agent}/"),
        ("POST", "/chatgate/api/widgets/"),
        ("PUT", "/chatgate/api/widgets/shop/"),
    ],
)
@pytest.mark.parametrize(
    "body", [DEEP, '{"a":' * 100_000 + "1" + "}" * 100_000, "[" * 21 + "]" * 21]
)
def test_a_body_nested_too_deep_is_400(api, site, method, url, body):
    response = api.generic(method, url.format(**site), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"The JSON body is nested more than {MAX_DEPTH} levels deep."
    }


def nested(levels: int):
    value = "x"
    for _ in range(levels):
        value = [value]
    return value


def test_a_body_as_deep_as_allowed_reaches_the_handler(api, site):
    body = {**TICKET, "page_url": nested(MAX_DEPTH - 1)}  # the body itself is a level
    response = send(api, "POST", TICKETS, body)
    assert response.status_code == 400
    assert list(response.json()) == ["page_url"]  # the serializer's own answer
    response = send(api, "POST", TICKETS, {**TICKET, "page_url": nested(MAX_DEPTH)})
    assert response.json() == {
        "detail": f"The JSON body is nested more than {MAX_DEPTH} levels deep."
    }


@pytest.mark.parametrize("slug", ["%00", "sales%00", "%ED%A0%80", "a.b", "%C3%A9"])
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/chatgate/api/widgets/{slug}/state/"),
        ("POST", "/chatgate/api/widgets/{slug}/tickets/"),
        ("GET", "/chatgate/api/departments/{slug}/"),
        ("PATCH", "/chatgate/api/departments/{slug}/"),
        ("DELETE", "/chatgate/api/departments/{slug}/"),
        ("GET", "/chatgate/api/widgets/{slug}/"),
        ("PUT", "/chatgate/api/widgets/{slug}/"),
        ("GET", "/chatgate/api/schedules/{slug}/"),
        ("GET", "/chatgate/api/schedules/{slug}/periods/"),
        ("DELETE", "/chatgate/api/agents/{slug}/"),
    ],
)
def test_a_slug_or_id_that_cannot_exist_in_the_url_is_404(api, site, method, url, slug):
    response = api.generic(method, url.format(slug=slug), "{}", content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"  # not the host's HTML page


def test_any_other_path_under_the_api_is_a_json_404_and_a_missing_slash_is_redirected(api):
    response = api.get("/chatgate/api/nothing/here/")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    redirect = api.get("/chatgate/api/schedules")  # the host's APPEND_SLASH, as before
    assert (redirect.status_code, redirect["Location"]) == (301, "/chatgate/api/schedules/")


@pytest.mark.parametrize("value", ["%00", "2026-11-23T00:00:00Z%00", "%ED%A0%80", "%FF"])
def test_a_bad_query_parameter_is_400_naming_it(api, site, value):
    url = f"/chatgate/api/schedules/{site['schedule']}/periods/"
    response = api.get(f"{url}?start={value}&end=2026-11-30T00:00:00Z")
    assert response.status_code == 400 and list(response.json()) == ["start"]


def test_a_user_agent_with_a_null_character_is_stored_without_it(api, site):
    response = api.generic(
        "POST", TICKETS, json.dumps(TICKET), content_type="application/json",
        HTTP_USER_AGENT="Bot\x00/1.0",
    )  # fmt: skip
    assert response.status_code == 201
    assert Ticket.objects.get().user_agent == "Bot/1.0"


@pytest.fixture
def admin_client(site):
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("url", "data", "field"),
    [
        ("/admin/chatgate/department/add/", {"slug": "new", "name": "N{bad}", "position": 0}, "name"),
        ("/admin/chatgate/widget/add/", {"slug": "w", "name": "W", "mode": "chat", "when_offline": "hide", "closing_soon_minutes": 15, "greeting": "Hi{bad}"}, "greeting"),
        ("/admin/chatgate/form/add/", {"name": "F", "kind": "offline", "title": "T{bad}", "submit_label": "Send", "success_message": "OK", "fields-TOTAL_FORMS": 0, "fields-INITIAL_FORMS": 0}, "title"),
    ],
)  # fmt: skip
def test_admin_forms_refuse_null_characters_naming_the_field(admin_client, url, data, field):
    data = {k: str(v).replace("{bad}", NUL) for k, v in data.items()}
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with its errors
    assert response.context["adminform"].form.errors[field] == [MESSAGES[NUL]]


def test_admin_forms_never_see_a_lone_surrogate(admin_client):
    """Browsers cannot send one; raw bytes that would spell one are decoded as U+FFFD."""
    body = "slug=new&name=N%ED%A0%80&position=0"
    response = admin_client.post(
        "/admin/chatgate/department/add/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302
    assert "\ud800" not in Department.objects.get(slug="new").name


@pytest.mark.parametrize("model", ["schedule", "department", "agent", "form", "widget", "ticket"])
@pytest.mark.parametrize("query", ["q=%00", "status=%00", "o=%00", "%00=1"])
def test_admin_lists_filtered_by_a_null_character_say_the_filter_is_wrong(
    admin_client, model, query
):
    """As the admin does for any filter it cannot apply: back to the list with ``?e=1``."""
    response = admin_client.get(f"/admin/chatgate/{model}/?{query}")
    assert (response.status_code, response["Location"]) == (302, f"/admin/chatgate/{model}/?e=1")


@pytest.mark.parametrize("model", ["schedule", "department", "agent", "form", "widget", "ticket"])
def test_admin_search_for_the_bytes_of_a_surrogate_is_a_plain_search(admin_client, model):
    response = admin_client.get(f"/admin/chatgate/{model}/?q=%ED%A0%80")
    assert response.status_code == 200 and response.context["cl"].query == "\ufffd" * 3
