"""Schemathesis drives every operation of the OpenAPI schema, anonymously and as staff.

Whatever it sends, valid or not, chatgate answers as its schema says: never a
500, a status code the operation documents (403, 404, 409, 429 included), the
content type it documents, and a body of the declared shape (error bodies
included). Each example runs on the same seeded site and is rolled back afterwards.
``CHATGATE_FUZZ_EXAMPLES`` sets the number of examples per operation and role.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
import schemathesis
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chatgate import conversations, presence
from chatgate.models import Conversation, Department, Form, Message, Ticket, Widget
from tests import clock
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
EXAMPLES = int(os.environ.get("CHATGATE_FUZZ_EXAMPLES", "6"))
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
CHAT_TOKEN = "fuzz-chat-token-0123456789abcdefghijklmnopq"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def seed() -> dict[str, object]:
    """A small site with a waiting chat; returns the path parameters that name its objects."""
    schedule = ScheduleFactory(weekly={0: [("09:00", "17:00")], 4: [("22:00", "02:00")]})
    team = DepartmentFactory(slug="sales", schedule=schedule)
    form = FormFactory(kind=Form.Kind.OFFLINE)
    FormFieldFactory(form=form, name="email", type="email", required=True)
    FormFieldFactory(form=form, name="count", type="number")
    WidgetFactory(slug="default", schedule=schedule, departments=[team], offline_form=form)
    agent = AgentFactory(departments=[team])
    presence.set_status(agent, "away", at=NOW)
    chat = Conversation.objects.create(
        widget=Widget.objects.get(slug="default"),
        department=team,
        token_hash=conversations.hash_token(CHAT_TOKEN),
        waiting_since=NOW,
    )
    Message.objects.create(conversation=chat, author="visitor", text="Hello", created_at=NOW)
    ticket = Ticket.objects.create(
        widget=Widget.objects.get(slug="default"), form=form, form_kind="offline", fields=[]
    )
    return {
        "forms": form.pk,
        "tickets": ticket.pk,
        "schedules": schedule.pk,
        "agents": agent.pk,
        "departments": "sales",
        "widgets": "default",
        "agent": chat.pk,  # /api/agent/conversations/{id}/...
        "conversations": CHAT_TOKEN,
    }


def names_for(path: str, ids: dict[str, object]) -> dict[str, object]:
    collection = path.split("/")[2]  # /api/<collection>/...
    names = (("{slug}", "slug"), ("{id}", "id"), ("{token}", "token"))
    key = next((key for marker, key in names if marker in path), None)
    return {key: ids[collection]} if key else {}


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: requests must not close the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(settings, keep_test_connection):
    settings.CHATGATE_CLOCK = "tests.clock.now"
    settings.CHATGATE_TICKET_RATE = "100000/hour"
    settings.CHATGATE_MESSAGE_RATE = "100000/hour"
    clock.set_now(NOW)
    return schemathesis.openapi.from_wsgi(
        "/chatgate/api/schema/?format=json", get_wsgi_application()
    )


def staff_headers() -> dict[str, str]:
    """A superuser who is also an online agent of the seeded department, by token: every
    operation lets it in."""
    user = UserFactory(is_staff=True, is_superuser=True)
    agent = AgentFactory(user=user, departments=list(Department.objects.filter(slug="sales")))
    presence.set_status(agent, "online", at=NOW)
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


@pytest.mark.parametrize("role", ["anonymous", "staff"])
def test_every_operation_answers_as_its_schema_says(api_schema, role):
    ids = seed()
    headers = staff_headers() if role == "staff" else {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 29  # every documented operation is exercised
    seen: dict[str, set[int]] = {}
    for operation in operations:
        fuzz(operation, headers, ids, seen)
    assert set(seen) == {op.label for op in operations}
    statuses = {status for label in seen for status in seen[label]}
    if role == "staff":
        assert {200, 201, 204, 400, 404} <= statuses  # accepted and refused input were reached
    else:
        assert {200, 400, 403, 404} <= statuses


def fuzz(operation, headers: dict[str, str], ids: dict, seen: dict[str, set[int]]) -> None:
    """``EXAMPLES`` positive and ``EXAMPLES`` negative cases of one operation."""
    sendable = [operation.path_parameters, operation.query, operation.body]
    modes = [GenerationMode.POSITIVE]
    if any(len(part) for part in sendable):  # else there is nothing to send wrong
        modes.append(GenerationMode.NEGATIVE)
    for mode in modes:

        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy(generation_mode=mode), known=st.integers(0, 9))
        def check(case, known):
            if known < 8:  # mostly an existing object, so the handlers run
                case.path_parameters = {
                    **(case.path_parameters or {}),
                    **names_for(operation.path, ids),
                }
            with transaction.atomic():
                response = case.call(headers=headers)
                transaction.set_rollback(True)  # each example starts from the seeded site
            caches["default"].clear()  # nor from what the last one cached
            seen.setdefault(operation.label, set()).add(response.status_code)
            case.validate_response(response, checks=CHECKS, headers=headers)

        check()
