"""Who may do what: every API endpoint and every chatgate admin page, for six roles.

One cell per (page or endpoint, role), each with the exact status expected:

- ``anonymous``;
- ``user``: signed in, neither staff nor agent;
- ``agent``: a staff user with an agent profile and no model permission, acting
  on another agent where the cell names one;
- ``staff``: staff without the model permission the cell needs;
- ``staff_perm``: staff with exactly that permission (``perms`` of the row);
- ``superuser``.

``LOGIN`` is the admin's redirect to its login page.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from chatgate import conversations, presence
from chatgate.models import Conversation, Form, ScheduleException, Ticket
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
ROLES = ["anonymous", "user", "agent", "staff", "staff_perm", "superuser"]
LOGIN = "login"
CHAT_TOKEN = "a-visitors-chat-token-0123456789abcdefghijk"

SCHEDULE = {
    "name": "New",
    "timezone": "Europe/Paris",
    "weekly": [{"weekday": 0, "opens": "09:00", "closes": "17:00"}],
    "exceptions": [],
}


def public(status: int) -> tuple:
    return (status,) * 6


def agents_only(status: int) -> tuple:
    return (403, 403, status, 403, 403, 403)


def staff_api(status: int) -> tuple:
    return (403, 403, 403, 403, status, status)


def admin_page(status: int = 200) -> tuple:
    return (LOGIN, LOGIN, 403, 403, status, status)


#: (cell, method, url, body, perms of staff_perm, expected status per role in ROLES order)
API = [
    ("state", "GET", "/chatgate/api/widgets/shop/state/", None, [], public(200)),
    ("ticket", "POST", "/chatgate/api/widgets/shop/tickets/", {"form": "offline", "fields": {"email": "zoe@example.com"}}, [], public(201)),
    ("schema", "GET", "/chatgate/api/schema/", None, [], public(200)),
    ("agent status", "GET", "/chatgate/api/agent/status/", None, [], agents_only(200)),
    ("agent status set", "PUT", "/chatgate/api/agent/status/", {"status": "online"}, [], agents_only(200)),
    ("agent heartbeat", "POST", "/chatgate/api/agent/heartbeat/", None, [], agents_only(200)),
    ("schedules", "GET", "/chatgate/api/schedules/", None, ["view_schedule"], staff_api(200)),
    ("schedule create", "POST", "/chatgate/api/schedules/", SCHEDULE, ["add_schedule"], staff_api(201)),
    ("schedule", "GET", "/chatgate/api/schedules/{schedule}/", None, ["view_schedule"], staff_api(200)),
    ("schedule put", "PUT", "/chatgate/api/schedules/{schedule}/", SCHEDULE, ["change_schedule"], staff_api(200)),
    ("schedule patch", "PATCH", "/chatgate/api/schedules/{schedule}/", {"name": "Renamed"}, ["change_schedule"], staff_api(200)),
    ("schedule delete", "DELETE", "/chatgate/api/schedules/{spare}/", None, ["delete_schedule"], staff_api(204)),
    ("schedule in use delete", "DELETE", "/chatgate/api/schedules/{schedule}/", None, ["delete_schedule"], staff_api(409)),
    ("periods", "GET", "/chatgate/api/schedules/{schedule}/periods/?start=2026-11-23T00:00:00Z&end=2026-11-30T00:00:00Z", None, ["view_schedule"], staff_api(200)),
    ("departments", "GET", "/chatgate/api/departments/", None, ["view_department"], staff_api(200)),
    ("department create", "POST", "/chatgate/api/departments/", {"slug": "new", "name": "New"}, ["add_department"], staff_api(201)),
    ("department", "GET", "/chatgate/api/departments/sales/", None, ["view_department"], staff_api(200)),
    ("department put", "PUT", "/chatgate/api/departments/sales/", {"slug": "sales", "name": "Sales"}, ["change_department"], staff_api(200)),
    ("department patch", "PATCH", "/chatgate/api/departments/sales/", {"name": "Renamed"}, ["change_department"], staff_api(200)),
    ("department delete", "DELETE", "/chatgate/api/departments/sales/", None, ["delete_department"], staff_api(204)),
    ("agents", "GET", "/chatgate/api/agents/", None, ["view_agent"], staff_api(200)),
    ("agent create", "POST", "/chatgate/api/agents/", {"user": "{free_user}", "display_name": "New"}, ["add_agent"], staff_api(201)),
    ("other agent", "GET", "/chatgate/api/agents/{other_agent}/", None, ["view_agent"], staff_api(200)),
    ("other agent put", "PUT", "/chatgate/api/agents/{other_agent}/", {"user": "{other_user}", "display_name": "Ana"}, ["change_agent"], staff_api(200)),
    ("other agent patch", "PATCH", "/chatgate/api/agents/{other_agent}/", {"status": "online"}, ["change_agent"], staff_api(200)),
    ("other agent delete", "DELETE", "/chatgate/api/agents/{other_agent}/", None, ["delete_agent"], staff_api(204)),
    ("widgets", "GET", "/chatgate/api/widgets/", None, ["view_widget"], staff_api(200)),
    ("widget create", "POST", "/chatgate/api/widgets/", {"slug": "new", "name": "New"}, ["add_widget"], staff_api(201)),
    ("widget", "GET", "/chatgate/api/widgets/shop/", None, ["view_widget"], staff_api(200)),
    ("widget put", "PUT", "/chatgate/api/widgets/shop/", {"slug": "shop", "name": "Shop"}, ["change_widget"], staff_api(200)),
    ("widget patch", "PATCH", "/chatgate/api/widgets/shop/", {"force": "closed"}, ["change_widget"], staff_api(200)),
    ("widget delete", "DELETE", "/chatgate/api/widgets/shop/", None, ["delete_widget"], staff_api(204)),
    ("forms", "GET", "/chatgate/api/forms/", None, ["view_form"], staff_api(200)),
    ("form create", "POST", "/chatgate/api/forms/", {"name": "New", "kind": "contact", "fields": [{"name": "email", "type": "email", "label": "Email"}]}, ["add_form"], staff_api(201)),
    ("form", "GET", "/chatgate/api/forms/{form}/", None, ["view_form"], staff_api(200)),
    ("form patch", "PATCH", "/chatgate/api/forms/{form}/", {"title": "Write to us"}, ["change_form"], staff_api(200)),
    ("form delete", "DELETE", "/chatgate/api/forms/{spare_form}/", None, ["delete_form"], staff_api(204)),
    ("form in use delete", "DELETE", "/chatgate/api/forms/{form}/", None, ["delete_form"], staff_api(409)),
    ("tickets", "GET", "/chatgate/api/tickets/?status=new", None, ["view_ticket"], staff_api(200)),
    ("ticket read", "GET", "/chatgate/api/tickets/{ticket}/", None, ["view_ticket"], staff_api(200)),
    ("ticket solved", "PATCH", "/chatgate/api/tickets/{ticket}/", {"status": "solved"}, ["change_ticket"], staff_api(200)),
    ("ticket delete", "DELETE", "/chatgate/api/tickets/{ticket}/", None, ["delete_ticket"], (403, 403, 403, 403, 405, 405)),
    ("chat start", "POST", "/chatgate/api/widgets/shop/conversations/", {"message": "Hello"}, [], public(409)),  # closed now
    ("chat read", "GET", "/chatgate/api/conversations/{chat_token}/messages/", None, [], public(200)),
    ("chat send", "POST", "/chatgate/api/conversations/{chat_token}/messages/", {"text": "Hi"}, [], public(201)),
    ("chat close", "POST", "/chatgate/api/conversations/{chat_token}/close/", None, [], public(200)),
    ("agent queue", "GET", "/chatgate/api/agent/conversations/", None, [], agents_only(200)),
    ("agent accept", "POST", "/chatgate/api/agent/conversations/{chat}/accept/", None, [], agents_only(409)),  # not online
    ("agent read", "GET", "/chatgate/api/agent/conversations/{chat}/messages/", None, [], agents_only(200)),
    ("agent reply", "POST", "/chatgate/api/agent/conversations/{chat}/messages/", {"text": "Hi"}, [], agents_only(409)),  # not accepted
    ("agent close", "POST", "/chatgate/api/agent/conversations/{chat}/close/", None, [], agents_only(200)),
]  # fmt: skip

MODELS = {  # model -> the object its change and delete pages show
    "schedule": "schedule",
    "scheduleexception": "christmas",
    "department": "sales",
    "agent": "other_agent",
    "form": "form",
    "widget": "shop",
    "ticket": "ticket",
    "conversation": "chat",
}
ADMIN = [
    ("chatgate app", "GET", "/admin/chatgate/", None, ["view_schedule"], (LOGIN, LOGIN, 404, 404, 200, 200)),
    ("status board", "GET", "/admin/chatgate/widget/status/", None, ["view_widget"], admin_page()),
    ("agent console", "GET", "/admin/chatgate/console/", None, ["use_console"], admin_page()),
    ("holiday import form", "POST", "/admin/chatgate/schedule/", {"action": "import_holidays", "_selected_action": "{schedule}"}, ["change_schedule"], admin_page(200)),
    ("holiday import", "POST", "/admin/chatgate/schedule/", {"action": "import_holidays", "_selected_action": "{schedule}", "apply": "1", "country": "FR", "years": "2026"}, ["change_schedule"], admin_page(302)),
    *[
        row
        for model, obj in MODELS.items()
        for row in [
            (f"{model} list", "GET", f"/admin/chatgate/{model}/", None, [f"view_{model}"], admin_page()),
            (f"{model} add", "GET", f"/admin/chatgate/{model}/add/", None, [f"add_{model}"], admin_page(403 if model in ("ticket", "conversation") else 200)),
            (f"{model} change", "GET", f"/admin/chatgate/{model}/{{{obj}_pk}}/change/", None, [f"change_{model}"], admin_page()),
            (f"{model} delete", "GET", f"/admin/chatgate/{model}/{{{obj}_pk}}/delete/", None, [f"delete_{model}"], admin_page()),
        ]
    ],
]  # fmt: skip


def cells(rows: list) -> list:
    params = []
    for name, method, url, body, perms, expected in rows:
        for role, status in zip(ROLES, expected, strict=True):
            params.append(pytest.param(method, url, body, perms, role, status, id=f"{name}-{role}"))
    return params


@pytest.fixture
def site(frozen, settings):
    settings.CHATGATE_TICKET_RATE = "100000/hour"
    frozen(NOW)
    schedule = ScheduleFactory(weekly={0: [("09:00", "17:00")]})
    spare = ScheduleFactory()
    sales = DepartmentFactory(slug="sales", name="Sales", schedule=schedule)
    form = FormFactory(kind=Form.Kind.OFFLINE)
    FormFieldFactory(form=form, name="email", type="email", required=True)
    spare_form = FormFactory(kind=Form.Kind.CONTACT)
    shop = WidgetFactory(slug="shop", schedule=schedule, departments=[sales], offline_form=form)
    other = AgentFactory(departments=[sales])
    presence.set_status(other, "online", at=NOW)
    ticket = Ticket.objects.create(widget=shop, form=form, form_kind="offline", fields=[])
    chat = Conversation.objects.create(  # no department: every agent's queue shows it
        widget=shop, token_hash=conversations.hash_token(CHAT_TOKEN), waiting_since=NOW
    )
    christmas = ScheduleException.objects.create(schedule=spare, date=date(2026, 12, 25))
    names = {"schedule": schedule, "spare": spare, "sales": sales, "form": form, "shop": shop}
    names["spare_form"] = spare_form
    names.update(other_agent=other, ticket=ticket, chat=chat, christmas=christmas)
    ids = {key: obj.pk for key, obj in names.items()}
    return {**ids, **{f"{key}_pk": pk for key, pk in ids.items()}} | {
        "other_user": other.user.pk,
        "free_user": UserFactory().pk,
        "chat_token": CHAT_TOKEN,
    }


def user_for(role: str, perms: list[str]):
    if role == "anonymous":
        return None
    if role == "user":
        return UserFactory()
    if role == "agent":
        return AgentFactory(user=UserFactory(is_staff=True)).user
    user = UserFactory(is_staff=True, is_superuser=role == "superuser")
    if role == "staff_perm":
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="chatgate", codename__in=perms)
        )
        assert user.user_permissions.count() == len(perms)
    return user


def fill(value, names: dict):
    """``"{schedule}"`` in URLs and bodies becomes the seeded object's id."""
    if isinstance(value, str):
        filled = value.format(**names)
        return int(filled) if value.startswith("{") and filled.isdigit() else filled
    if isinstance(value, dict):
        return {key: fill(item, names) for key, item in value.items()}
    return value


@pytest.mark.parametrize(("method", "url", "body", "perms", "role", "expected"), cells(API))
def test_api(site, method, url, body, perms, role, expected):
    client = APIClient()
    user = user_for(role, perms)
    if user:
        client.force_login(user)  # a real session, as a browser has
    response = client.generic(
        method,
        fill(url, site),
        "" if body is None else json.dumps(fill(body, site)),
        content_type="application/json",
    )
    assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize(("method", "url", "body", "perms", "role", "expected"), cells(ADMIN))
def test_admin(client, site, method, url, body, perms, role, expected):
    user = user_for(role, perms)
    if user:
        client.force_login(user)
    url = fill(url, site)
    response = client.post(url, fill(body, site)) if method == "POST" else client.get(url)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")
    else:
        assert response.status_code == expected
        if response.status_code == 302:  # the holiday import ran
            assert response["Location"] == url
            assert ScheduleException.objects.filter(schedule_id=site["schedule"]).exists()
