"""Schemathesis drives every operation of the OpenAPI schema with generated input.

Whatever it sends, valid or not, chatgate answers with a 2xx, 3xx or 4xx,
never a 500: bad input gets a clear error. Each example runs on freshly
seeded data, rolled back afterwards. CHATGATE_FUZZ_EXAMPLES sets the count.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from chatgate import conversations, presence
from chatgate.models import Conversation, Form, Message, Widget
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
EXAMPLES = int(os.environ.get("CHATGATE_FUZZ_EXAMPLES", "200"))
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
CHAT_TOKEN = "fuzz-chat-token-0123456789abcdefghijklmnopq"


def seed(user=None) -> dict[str, object]:
    """A small site (``user`` one of its agents, with a chat); the path parameters naming its objects."""
    schedule = ScheduleFactory(weekly={0: [("09:00", "17:00")], 4: [("22:00", "02:00")]})
    team = DepartmentFactory(slug="sales", schedule=schedule)
    form = FormFactory(kind=Form.Kind.OFFLINE)
    FormFieldFactory(form=form, name="email", type="email", required=True)
    FormFieldFactory(form=form, name="count", type="number")
    WidgetFactory(slug="default", departments=[team], offline_form=form)
    agent = AgentFactory(departments=[team])
    presence.set_status(agent, "away", at=NOW)
    if user is not None:
        presence.set_status(AgentFactory(user=user, departments=[team]), "online", at=NOW)
    chat = Conversation.objects.create(
        widget=Widget.objects.get(slug="default"),
        department=team,
        token_hash=conversations.hash_token(CHAT_TOKEN),
        waiting_since=NOW,
    )
    Message.objects.create(conversation=chat, author="visitor", text="Hello", created_at=NOW)
    return {
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


def test_no_input_makes_a_server_error(settings, keep_test_connection):
    settings.CHATGATE_CLOCK = "tests.clock.now"
    settings.CHATGATE_TICKET_RATE = "100000/hour"
    settings.CHATGATE_MESSAGE_RATE = "100000/hour"
    clock.set_now(NOW)
    user = UserFactory(is_staff=True, is_superuser=True)  # staff, and an agent in each example
    token = Token.objects.create(user=user).key
    api = schemathesis.openapi.from_wsgi(
        "/chatgate/api/schema/?format=json", get_wsgi_application()
    )
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 20  # every documented operation is exercised
    seen: Counter = Counter()

    @hypothesis_settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(st.data())
    def check(data):
        operation = data.draw(st.sampled_from(operations))
        mode = data.draw(st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE]))
        case = data.draw(operation.as_strategy(generation_mode=mode))
        with transaction.atomic():
            ids = seed(user)
            if data.draw(st.integers(0, 9)) < 8:  # mostly an existing object, so the handlers run
                case.path_parameters = {
                    **(case.path_parameters or {}),
                    **names_for(operation.path, ids),
                }
            response = case.call(headers={"Authorization": f"Token {token}"})
            transaction.set_rollback(True)
        seen[response.status_code // 100] += 1
        assert response.status_code < 500, (
            case.method,
            case.formatted_path,
            case.body,
            response.text[:300],
        )

    check()
    assert seen[2] and seen[4]  # both accepted and refused input were reached
