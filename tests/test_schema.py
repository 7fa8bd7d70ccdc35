from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
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
