from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from tests.factories import UserFactory, WidgetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/chatgate/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_3_with_the_site_prefix(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert schema["servers"] == [{"url": "/chatgate"}]


def test_every_endpoint_is_described(schema):
    assert set(schema["paths"]) == {
        "/api/widgets/{slug}/state/",
        "/api/widgets/{slug}/tickets/",
        "/api/widgets/{slug}/conversations/",
        "/api/conversations/{token}/messages/",
        "/api/conversations/{token}/close/",
        "/api/agent/conversations/",
        "/api/agent/conversations/{id}/accept/",
        "/api/agent/conversations/{id}/messages/",
        "/api/agent/conversations/{id}/close/",
        "/api/agent/status/",
        "/api/agent/heartbeat/",
        "/api/schedules/",
        "/api/schedules/{id}/",
        "/api/schedules/{id}/periods/",
        "/api/departments/",
        "/api/departments/{slug}/",
        "/api/agents/",
        "/api/agents/{id}/",
        "/api/widgets/",
        "/api/widgets/{slug}/",
        "/api/forms/",
        "/api/forms/{id}/",
        "/api/tickets/",
        "/api/tickets/{id}/",
    }


def _ref(content) -> str:
    return content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


def test_request_and_response_bodies_are_described(schema):
    tickets = schema["paths"]["/api/widgets/{slug}/tickets/"]["post"]
    assert _ref(tickets["requestBody"]["content"]) == "TicketSubmission"
    assert _ref(tickets["responses"]["201"]["content"]) == "TicketCreated"
    assert _ref(tickets["responses"]["400"]["content"]) == "TicketRefused"
    state = schema["paths"]["/api/widgets/{slug}/state/"]["get"]["responses"]
    assert _ref(state["200"]["content"]) == "WidgetState"
    assert "304" in state
    components = schema["components"]["schemas"]
    assert set(components["WidgetState"]["properties"]) >= {
        "show",
        "valid_until",
        "departments",
        "form",
    }
    assert set(components["Schedule"]["properties"]) == {
        "id",
        "name",
        "timezone",
        "weekly",
        "exceptions",
    }


def test_chat_bodies_and_refusals_are_described(schema):
    paths = schema["paths"]
    started = paths["/api/widgets/{slug}/conversations/"]["post"]
    assert _ref(started["requestBody"]["content"]) == "Start"
    assert _ref(started["responses"]["201"]["content"]) == "Started"
    assert _ref(started["responses"]["409"]["content"]) == "Unavailable"
    assert {"400", "404", "429", "503"} <= set(started["responses"])
    visitor = paths["/api/conversations/{token}/messages/"]
    assert _ref(visitor["get"]["responses"]["200"]["content"]) == "Poll"
    assert {"400", "404"} <= set(visitor["get"]["responses"])
    token = next(p for p in visitor["get"]["parameters"] if p["name"] == "token")
    assert token["schema"]["pattern"] == "^[-A-Za-z0-9_]{20,100}$"
    assert {"201", "400", "404", "409", "429"} <= set(visitor["post"]["responses"])
    accept = paths["/api/agent/conversations/{id}/accept/"]["post"]
    assert _ref(accept["responses"]["409"]["content"]) == "Refused"
    assert {"403", "404"} <= set(accept["responses"])
    components = schema["components"]["schemas"]
    assert set(components["Poll"]["properties"]) == {"status", "messages", "poll_after", "form"}
    assert set(components["Message"]["properties"]) == {
        "id",
        "author",
        "name",
        "text",
        "created_at",
    }
    assert "conversation" in components["TicketSubmission"]["properties"]


def test_schema_needs_no_login():
    assert APIClient().get("/chatgate/api/schema/").status_code == 200


@pytest.mark.parametrize(
    "rest_framework",
    [
        {},  # a host that never configured DRF: DRF's own AutoSchema is the default
        {"DEFAULT_SCHEMA_CLASS": "rest_framework.schemas.openapi.AutoSchema"},
        {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"},
    ],
)
def test_schema_whatever_the_hosts_default_schema_class(settings, rest_framework, schema):
    """chatgate's views carry their own schema class (tests/settings.py sets none)."""
    settings.REST_FRAMEWORK = rest_framework
    response = APIClient().get("/chatgate/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response.json()["paths"] == schema["paths"]


def test_api_docs_page_serves_swagger_ui_from_the_sites_static_files(client):
    response = client.get("/chatgate/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-schema-url="/chatgate/api/schema/"' in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(url.startswith("/static/") for url in sources)  # no CDN
    for url in sources:
        assert finders.find(url.removeprefix("/static/")), url
    assert re.findall(r"<script[^>]*>([^<]*)</script>", html) == ["", ""]  # no inline script
    assert "style=" not in html and "<style" not in html
    assert client.post("/chatgate/api/docs/").status_code == 405


def _responses(schema, path: str, method: str) -> dict:
    return schema["paths"][path][method]["responses"]


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/widgets/{slug}/state/", "get", {"200", "304", "400", "404", "503"}),
        ("/api/widgets/{slug}/tickets/", "post", {"201", "400", "404", "415", "429", "503"}),
        ("/api/agent/status/", "get", {"200", "403"}),
        ("/api/agent/status/", "put", {"200", "400", "403", "415"}),
        ("/api/agent/heartbeat/", "post", {"200", "403", "503"}),
        ("/api/schedules/", "get", {"200", "403"}),
        ("/api/schedules/", "post", {"201", "400", "403", "415"}),
        ("/api/schedules/{id}/", "get", {"200", "403", "404"}),
        ("/api/schedules/{id}/", "put", {"200", "400", "403", "404", "415"}),
        ("/api/schedules/{id}/", "delete", {"204", "403", "404", "409"}),
        ("/api/schedules/{id}/periods/", "get", {"200", "400", "403", "404"}),
        ("/api/widgets/{slug}/", "patch", {"200", "400", "403", "404", "415"}),
    ],
)
def test_every_answer_is_documented(schema, path, method, statuses):
    assert set(_responses(schema, path, method)) == statuses


def test_error_bodies_have_a_declared_shape(schema):
    tickets = _responses(schema, "/api/widgets/{slug}/tickets/", "post")
    assert _ref(tickets["400"]["content"]) == "TicketRefused"  # the handler's own, kept
    assert _ref(tickets["429"]["content"]) == "Error"
    assert tickets["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert _ref(_responses(schema, "/api/schedules/", "post")["400"]["content"]) == "FieldErrors"
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["detail"]
    assert set(components["FieldErrors"]["properties"]) == {"detail", "non_field_errors"}


def test_times_of_day_are_declared_as_they_are_written(schema):
    """ "09:00" is not an RFC 3339 ``time`` (that needs seconds and an offset): a pattern says it."""
    opens = schema["components"]["schemas"]["Range"]["properties"]["opens"]
    assert "format" not in opens
    assert re.match(opens["pattern"], "09:00") and not re.match(opens["pattern"], "9h")


ENUMS = {
    "AgentStatusEnum", "StateStatusEnum", "ReasonEnum", "ShowEnum", "FormKindEnum",
    "WidgetModeEnum", "WhenOfflineEnum", "ForceEnum", "BlankEnum", "NullEnum",
    "AskEnum", "ConversationStatusEnum", "AuthorEnum", "RefusedCodeEnum", "UnavailableCodeEnum",
    "TicketStatusEnum", "FieldTypeEnum", "WaitingAtClosingEnum",
    "TicketKindEnum",
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "fr"])
def test_enum_names_are_stable(language):
    """Each choice set has one name, the same whatever the language of the request."""
    response = APIClient().get(
        "/chatgate/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE=language
    )
    enums = {name for name in response.json()["components"]["schemas"] if name.endswith("Enum")}
    assert enums == ENUMS


@pytest.mark.parametrize(
    ("sent", "written"),
    [
        ("2026-12-01T10:00:00+01:00", "2026-12-01T09:00:00Z"),
        ("2026-12-01T10:00:00", "2026-12-01T09:00:00Z"),  # no offset: the site's zone, Paris
        ("0268-08-28T00:14:49.3Z", "0268-08-28T00:14:49.300000Z"),  # Paris was +00:09:21 then
        ("9999-12-31T23:59:00Z", "9999-12-31T23:59:00Z"),  # "for good": no overflow in Paris
    ],
)
def test_instants_are_written_in_utc_as_the_schema_declares(sent, written):
    """RFC 3339 ``date-time``: an offset with seconds, the site's zone's old local mean time
    (found by the fuzz test), is not one."""
    WidgetFactory(slug="shop")
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True, is_superuser=True))
    body = {"force": "closed", "force_until": sent}
    response = client.patch("/chatgate/api/widgets/shop/", body, format="json")
    assert response.status_code == 200 and response.json()["force_until"] == written


def test_an_instant_without_offset_before_year_1_in_utc_is_a_400():
    """0001-01-01 00:00 in Paris (+00:09:21) is in year 0 in UTC."""
    WidgetFactory(slug="shop")
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True, is_superuser=True))
    body = {"force": "closed", "force_until": "0001-01-01T00:00:00"}
    response = client.patch("/chatgate/api/widgets/shop/", body, format="json")
    assert response.status_code == 400 and list(response.json()) == ["force_until"]
