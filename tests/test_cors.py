"""Frontends on other origins, with django-cors-headers set up as the README says.

An origin the site lists can read the state and send tickets (preflight
included); any other origin gets no CORS header, and the staff API gets none
even for a listed origin. No wildcard: with no origin listed, nobody gets one.
The public endpoints read JSON only, so a plain HTML form on another site
cannot post a ticket through its visitors' browsers (form encodings get 415).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.core import checks
from rest_framework.test import APIClient

from chatgate.models import Form, Ticket
from tests.factories import FormFactory, FormFieldFactory, ScheduleFactory, WidgetFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # Monday 19:00 in Paris: the offline form
APP = "https://app.example.com"
OTHER = "https://evil.example.net"
STATE = "/chatgate/api/widgets/shop/state/"
TICKETS = "/chatgate/api/widgets/shop/tickets/"
TICKET = json.dumps({"form": "offline", "fields": {"email": "zoe@example.com"}})
ALLOW_ORIGIN = "Access-Control-Allow-Origin"
MULTIPART = (
    "".join(
        f'--x\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in [("form", "offline"), ("fields.email", "zoe@example.com")]
    )
    + "--x--\r\n"
)


@pytest.fixture
def shop(frozen, settings):
    settings.CHATGATE_TICKET_RATE = "100000/hour"
    frozen(NOW)
    form = FormFactory(kind=Form.Kind.OFFLINE)
    FormFieldFactory(form=form, name="email", type="email", required=True)
    schedule = ScheduleFactory(weekly={0: [("09:00", "17:00")]})
    return WidgetFactory(slug="shop", schedule=schedule, offline_form=form)


@pytest.fixture
def allowed(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]


def preflight(origin: str, url: str, method: str, headers: str = "content-type"):
    return APIClient().options(
        url,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def post_ticket(origin: str):
    return APIClient().post(TICKETS, TICKET, content_type="application/json", HTTP_ORIGIN=origin)


def test_an_allowed_origin_reads_the_state(shop, allowed):
    response = APIClient().get(STATE, HTTP_ORIGIN=APP)
    assert response.status_code == 200 and response[ALLOW_ORIGIN] == APP
    assert set(response["Access-Control-Expose-Headers"].split(", ")) == {"ETag", "Retry-After"}
    assert "Access-Control-Allow-Credentials" not in response  # the public API needs no cookie
    conditional = preflight(APP, STATE, "GET", headers="if-none-match")
    assert conditional.status_code == 200 and conditional[ALLOW_ORIGIN] == APP
    assert "if-none-match" in conditional["Access-Control-Allow-Headers"]


def test_an_allowed_origin_sends_a_ticket_after_its_preflight(shop, allowed):
    check = preflight(APP, TICKETS, "POST")
    assert check.status_code == 200 and check[ALLOW_ORIGIN] == APP
    assert "POST" in check["Access-Control-Allow-Methods"]
    assert "content-type" in check["Access-Control-Allow-Headers"]
    response = post_ticket(APP)
    assert response.status_code == 201 and response[ALLOW_ORIGIN] == APP
    assert Ticket.objects.count() == 1


def test_an_unlisted_origin_gets_no_cors_header(shop, allowed):
    assert ALLOW_ORIGIN not in APIClient().get(STATE, HTTP_ORIGIN=OTHER)
    assert ALLOW_ORIGIN not in preflight(OTHER, TICKETS, "POST")
    assert ALLOW_ORIGIN not in post_ticket(OTHER)  # the browser hides the answer from the page


@pytest.mark.parametrize("origin", [APP, OTHER, "null"])
def test_no_origin_is_allowed_until_the_site_lists_it(shop, origin):
    for response in (
        APIClient().get(STATE, HTTP_ORIGIN=origin),
        preflight(origin, TICKETS, "POST"),
        post_ticket(origin),
    ):
        assert ALLOW_ORIGIN not in response


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/chatgate/api/widgets/"),
        ("GET", "/chatgate/api/widgets/shop/"),
        ("DELETE", "/chatgate/api/widgets/shop/"),
        ("GET", "/chatgate/api/schedules/"),
        ("PUT", "/chatgate/api/agent/status/"),
        ("GET", "/chatgate/api/schema/"),
        ("GET", "/admin/"),
    ],
)
def test_the_staff_api_is_not_opened_even_to_an_allowed_origin(shop, allowed, method, url):
    assert ALLOW_ORIGIN not in APIClient().generic(method, url, HTTP_ORIGIN=APP)
    assert ALLOW_ORIGIN not in preflight(APP, url, method)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        # DRF's form parsers would read these as a whole ticket ("fields.email" nests)
        ("application/x-www-form-urlencoded", "form=offline&fields.email=zoe%40example.com"),
        ("multipart/form-data; boundary=x", MULTIPART),
        ("text/plain", TICKET),  # what <form enctype="text/plain"> sends: JSON-looking text
    ],
)  # fmt: skip
def test_tickets_are_json_only_so_a_plain_form_cannot_post_one(shop, allowed, content_type, body):
    response = APIClient().generic(
        "POST", TICKETS, body, content_type=content_type, HTTP_ORIGIN=OTHER
    )
    assert response.status_code == 415
    assert not Ticket.objects.exists()


def test_the_documented_settings_pass_the_system_checks():
    assert [m for m in checks.run_checks() if m.id.startswith("corsheaders")] == []
