from __future__ import annotations

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

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
