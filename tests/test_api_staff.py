"""The staff configuration API: bodies as DESIGN.md shows them, permissions, 400s per field."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chatgate import presence, services
from chatgate.models import Agent, Form, Schedule
from tests.factories import (
    AgentFactory,
    DepartmentFactory,
    FormFactory,
    ScheduleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SCHEDULE = {
    "name": "Support",
    "timezone": "Europe/Paris",
    "weekly": [
        {"weekday": 0, "opens": "09:00", "closes": "12:00"},
        {"weekday": 4, "opens": "22:00", "closes": "02:00"},
    ],
    "exceptions": [
        {"date": "2026-12-25", "label": "Christmas", "yearly": True, "ranges": []},
        {
            "date": "2026-12-24",
            "label": "Eve",
            "yearly": False,
            "ranges": [{"opens": "09:00", "closes": "12:00"}],
        },
    ],
}


@pytest.fixture
def admin_api():
    client = APIClient()
    client.force_authenticate(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_schedule_round_trips_exactly_as_designed(admin_api):
    created = admin_api.post("/chatgate/api/schedules/", SCHEDULE, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    by_date = sorted(SCHEDULE["exceptions"], key=lambda e: e["date"])  # served in date order
    assert body == {"id": body["id"], **SCHEDULE, "exceptions": by_date}
    assert admin_api.get(f"/chatgate/api/schedules/{body['id']}/").json() == body
    hours = Schedule.objects.get().to_hours()
    assert hours.is_open(datetime(2026, 11, 28, 0, 30, tzinfo=UTC))  # Friday night into Saturday
    assert not hours.is_open(datetime(2027, 12, 25, 9, 30, tzinfo=UTC))  # yearly


def test_schedule_put_replaces_nested_rows_and_invalidates_cached_state(admin_api):
    schedule_id = admin_api.post("/chatgate/api/schedules/", SCHEDULE, format="json").json()["id"]
    widget = admin_api.post(
        "/chatgate/api/widgets/",
        {"slug": "shop", "name": "Shop", "schedule": schedule_id},
        format="json",
    )
    assert widget.status_code == 201, widget.json()
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert services.widget_state("shop", at=monday).reason == "no_agents"  # open hours
    put = admin_api.put(
        f"/chatgate/api/schedules/{schedule_id}/", {**SCHEDULE, "weekly": []}, format="json"
    )
    assert put.status_code == 200 and put.json()["weekly"] == []
    assert services.widget_state("shop", at=monday).reason == "closed"
    patch = admin_api.patch(
        f"/chatgate/api/schedules/{schedule_id}/", {"name": "Renamed"}, format="json"
    )
    assert len(patch.json()["exceptions"]) == 2  # a PATCH without the list keeps it


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {
                "weekly": [
                    {"weekday": 1, "opens": "09:00", "closes": "12:00"},
                    {"weekday": 1, "opens": "11:00", "closes": "13:00"},
                ]
            },
            {"weekly": ["The ranges 09:00-12:00 and 11:00-13:00 overlap on Tuesday."]},
        ),
        ({"timezone": "Mars/Base"}, {"timezone": ["unknown time zone 'Mars/Base'"]}),
        (
            {"timezone": "status/"},
            {"timezone": ["unknown time zone 'status/'"]},
        ),  # found by the fuzzer
        ({"timezone": "../etc/passwd"}, {"timezone": ["unknown time zone '../etc/passwd'"]}),
        (
            {"weekly": [{"weekday": 7, "opens": "09:00", "closes": "12:00"}]},
            {"weekly": {"0": {"weekday": ["Ensure this value is less than or equal to 6."]}}},
        ),
        ({"weekly": [{"weekday": 1, "opens": "9h", "closes": "12:00"}]}, "opens"),
        (
            {"weekly": [{"weekday": 1, "opens": "09:00:30", "closes": "12:00"}]},
            {"weekly": {"0": {"opens": ["Use whole minutes, such as 09:00."]}}},
        ),
        (
            {
                "exceptions": [
                    {
                        "date": "2026-12-24",
                        "ranges": [
                            {"opens": "09:00", "closes": "12:00"},
                            {"opens": "10:00", "closes": "11:00"},
                        ],
                    }
                ]
            },
            {
                "exceptions": {
                    "0": ["The ranges 09:00-12:00 and 10:00-11:00 overlap on 2026-12-24."]
                }
            },
        ),
        (
            {"exceptions": [{"date": "2026-12-24"}, {"date": "2026-12-24"}]},
            {"exceptions": {"1": ["2026-12-24 is listed twice."]}},
        ),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        (
            {"timezone": "localtime"},
            {
                "timezone": [
                    "time zone 'localtime' depends on the host; "
                    "use an IANA name such as Europe/Paris"
                ]
            },
        ),
        ({"timezone": "Factory"}, "'Factory' depends on the host"),
        ({"timezone": "posixrules"}, "'posixrules' depends on the host"),
        ({"timezone": "posix/Europe/Paris"}, "unknown time zone 'posix/Europe/Paris'"),
        (
            {
                "weekly": [
                    {"weekday": 1, "opens": f"{h:02d}:00", "closes": f"{h:02d}:30"}
                    for h in range(13)
                ]
            },
            {"weekly": ["Tuesday has 13 ranges; at most 12 per day."]},
        ),
        (
            {
                "exceptions": [
                    {
                        "date": "2026-12-24",
                        "ranges": [
                            {"opens": f"{h:02d}:00", "closes": f"{h:02d}:30"} for h in range(13)
                        ],
                    }
                ]
            },
            {
                "exceptions": {
                    "0": {
                        "ranges": {
                            "non_field_errors": ["Ensure this field has no more than 12 elements."]
                        }
                    }
                }
            },
        ),
        (
            {"exceptions": [{"date": str(date(2026, 1, 1) + timedelta(n))} for n in range(1001)]},
            {
                "exceptions": {
                    "non_field_errors": ["Ensure this field has no more than 1000 elements."]
                }
            },
        ),
    ],
)
def test_schedule_errors_are_400_per_field(admin_api, change, errors):
    response = admin_api.post("/chatgate/api/schedules/", {**SCHEDULE, **change}, format="json")
    assert response.status_code == 400
    if isinstance(errors, str):
        assert errors in str(response.json())
    else:
        assert response.json() == errors
    assert not Schedule.objects.exists()


def test_periods_endpoint(admin_api):
    schedule_id = admin_api.post("/chatgate/api/schedules/", SCHEDULE, format="json").json()["id"]
    url = f"/chatgate/api/schedules/{schedule_id}/periods/"
    response = admin_api.get(url, {"start": "2026-11-23T00:00:00Z", "end": "2026-11-30T00:00:00Z"})
    assert response.json() == [
        {"opens_at": "2026-11-23T08:00:00Z", "closes_at": "2026-11-23T11:00:00Z"},
        {"opens_at": "2026-11-27T21:00:00Z", "closes_at": "2026-11-28T01:00:00Z"},
    ]
    assert admin_api.get(
        url, {"start": "2026-11-23T00:00:00", "end": "2026-11-30T00:00:00Z"}
    ).json() == {"start": ["start must include a time zone offset or Z."]}
    assert (
        "end"
        in admin_api.get(
            url, {"start": "2026-11-23T00:00:00Z", "end": "2028-01-01T00:00:00Z"}
        ).json()
    )
    assert "start" in admin_api.get(url, {"end": "2026-11-30T00:00:00Z"}).json()


def test_department_agent_widget_bodies(admin_api):
    schedule = ScheduleFactory()
    dept = admin_api.post(
        "/chatgate/api/departments/",
        {
            "slug": "sales",
            "name": "Sales",
            "schedule": schedule.pk,
            "email": "sales@example.com",
            "active": True,
        },
        format="json",
    )
    assert dept.status_code == 201
    user = UserFactory()
    agent = admin_api.post(
        "/chatgate/api/agents/",
        {
            "user": user.pk,
            "display_name": "Ana",
            "departments": ["sales"],
            "max_chats": 3,
            "status": "online",
        },
        format="json",
    )
    assert agent.status_code == 201, agent.json()
    assert agent.json()["departments"] == ["sales"] and agent.json()["status"] == "online"
    assert presence.read([Agent.objects.get()])[agent.json()["id"]][0] == "online"
    offline, contact = FormFactory(kind=Form.Kind.OFFLINE), FormFactory(kind=Form.Kind.CONTACT)
    body = {
        "slug": "default", "name": "Shop", "mode": "chat", "schedule": schedule.pk, "departments": ["sales"],
        "when_offline": "offline_form", "away_accepts_chats": True, "closing_soon_minutes": 15,
        "force": None, "force_until": None, "offline_form": offline.pk, "contact_form": contact.pk,
        "ask_name": "off", "ask_email": "required", "max_wait_minutes": 7,
    }  # fmt: skip
    widget = admin_api.post("/chatgate/api/widgets/", body, format="json")
    assert widget.status_code == 201, widget.json()
    assert {k: widget.json()[k] for k in body} == body
    assert admin_api.get("/chatgate/api/departments/sales/").json()["name"] == "Sales"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"offline_form": "contact"}, "offline_form"),
        ({"force_until": "2026-12-01T00:00:00Z"}, "force_until"),
        ({"departments": ["nope"]}, "departments"),
        ({"mode": "video"}, "mode"),
        ({"ask_email": "maybe"}, "ask_email"),
        ({"max_wait_minutes": 0}, "max_wait_minutes"),
    ],
)
def test_widget_validation_names_the_field(admin_api, change, field):
    contact = FormFactory(kind=Form.Kind.CONTACT)
    change = {k: contact.pk if v == "contact" else v for k, v in change.items()}
    response = admin_api.post(
        "/chatgate/api/widgets/", {"slug": "w", "name": "W", **change}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_agent_with_unknown_status_is_400(admin_api):
    response = admin_api.post(
        "/chatgate/api/agents/",
        {"user": UserFactory().pk, "display_name": "A", "status": "busy"},
        format="json",
    )
    assert response.status_code == 400 and "status" in response.json()


def test_anonymous_and_non_staff_are_refused():
    assert APIClient().get("/chatgate/api/schedules/").status_code == 403
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.get("/chatgate/api/schedules/").status_code == 403


def test_staff_needs_the_model_permission():
    user = UserFactory(is_staff=True)
    client = APIClient()
    client.force_authenticate(user)
    assert client.get("/chatgate/api/schedules/").status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_schedule"))
    client.force_authenticate(type(user).objects.get(pk=user.pk))
    assert client.get("/chatgate/api/schedules/").status_code == 200
    assert client.post("/chatgate/api/schedules/", SCHEDULE, format="json").status_code == 403


def test_token_authentication_for_scripts():
    token = Token.objects.create(user=UserFactory(is_staff=True, is_superuser=True))
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.post("/chatgate/api/schedules/", SCHEDULE, format="json").status_code == 201


def test_session_authentication_needs_csrf():
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.post("/chatgate/api/schedules/", SCHEDULE, format="json").status_code == 403


def test_agents_list(admin_api):
    AgentFactory(departments=[DepartmentFactory(slug="sales")])
    (agent,) = admin_api.get("/chatgate/api/agents/").json()
    assert agent["departments"] == ["sales"] and agent["status"] == "offline"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"exceptions": [{"date": "2026-12-31"}]}, None),  # defaults apply: closed all day
        (
            {"weekly": [{"weekday": 1}]},
            {
                "weekly": {
                    "0": {
                        "opens": ["This field is required."],
                        "closes": ["This field is required."],
                    }
                }
            },
        ),
        (
            {"exceptions": [{"label": "No date"}]},
            {"exceptions": {"0": {"date": ["This field is required."]}}},
        ),
    ],
)
def test_patch_replaces_nested_rows_with_whole_rows(admin_api, body, errors):
    schedule_id = admin_api.post("/chatgate/api/schedules/", SCHEDULE, format="json").json()["id"]
    response = admin_api.patch(f"/chatgate/api/schedules/{schedule_id}/", body, format="json")
    if errors is None:
        assert response.status_code == 200
        assert response.json()["exceptions"] == [
            {"date": "2026-12-31", "label": "", "yearly": False, "ranges": []}
        ]
    else:
        assert response.status_code == 400 and response.json() == errors


def test_a_schedule_in_use_cannot_be_deleted(admin_api):
    """Deleting it would silently leave the widget unrestricted by hours: open around the clock."""
    schedule_id = admin_api.post("/chatgate/api/schedules/", SCHEDULE, format="json").json()["id"]
    admin_api.post(
        "/chatgate/api/widgets/",
        {"slug": "shop", "name": "Shop", "schedule": schedule_id},
        format="json",
    )
    response = admin_api.delete(f"/chatgate/api/schedules/{schedule_id}/")
    assert response.status_code == 409
    assert response.json() == {"detail": "Support is still used by: Shop. Change those first."}
    assert Schedule.objects.exists()
    admin_api.patch("/chatgate/api/widgets/shop/", {"schedule": None}, format="json")
    assert admin_api.delete(f"/chatgate/api/schedules/{schedule_id}/").status_code == 204


def test_a_form_in_use_cannot_be_deleted_in_the_admin(client):
    from django.urls import reverse

    from tests.factories import WidgetFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = FormFactory(kind=Form.Kind.OFFLINE, name="Offline")
    WidgetFactory(name="Shop", offline_form=form)
    page = client.post(reverse("admin:chatgate_form_delete", args=[form.pk]), {"post": "yes"})
    assert page.status_code == 200 and "Cannot delete form" in page.content.decode()
    assert Form.objects.filter(pk=form.pk).exists()


def test_overlap_message_follows_the_staff_language(admin_api):
    weekly = [
        {"weekday": 1, "opens": "09:00", "closes": "12:00"},
        {"weekday": 1, "opens": "11:00", "closes": "13:00"},
    ]
    response = admin_api.post(
        "/chatgate/api/schedules/",
        {**SCHEDULE, "weekly": weekly},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.json() == {
        "weekly": ["Les plages 09:00-12:00 et 11:00-13:00 se chevauchent : Mardi."]
    }


@pytest.mark.parametrize(
    ("start", "end", "key"),
    [
        ("9999-12-30T00:00:00Z", "9999-12-31T00:00:00Z", "start"),
        ("0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z", "start"),
    ],
)
def test_periods_at_the_ends_of_the_calendar_are_400(admin_api, start, end, key):
    schedule_id = admin_api.post("/chatgate/api/schedules/", SCHEDULE, format="json").json()["id"]
    response = admin_api.get(
        f"/chatgate/api/schedules/{schedule_id}/periods/", {"start": start, "end": end}
    )
    assert response.status_code == 400
    assert "must be between 0001-01-03 and 9998-01-01" in response.json()[key][0]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/chatgate/api/departments/", {"slug": "sales", "name": "Sales\nBcc: a@example.com"}),
        ("/chatgate/api/widgets/", {"slug": "shop", "name": "Shop\rBcc: a@example.com"}),
    ],
)
def test_names_that_reach_email_headers_refuse_line_breaks(admin_api, path, body):
    response = admin_api.post(path, body, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["Line breaks are not allowed in this field."]}
