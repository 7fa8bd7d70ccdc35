"""Heartbeats read the signed-in agent from chatgate's cache (``chatgate.agent_sessions``): no
query once the copy is made, and never a heartbeat that Django's own authentication would
refuse (logged out, password changed, deactivated, no agent profile, no CSRF token)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from chatgate import agent_sessions, presence, store
from chatgate.models import Agent
from tests.factories import AgentFactory, UserFactory
from tests.test_faults_cache import UNREACHABLE

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
HEARTBEAT = "/chatgate/api/agent/heartbeat/"


@pytest.fixture
def signed_in(frozen):
    """An online agent signed in through a real session (not ``force_authenticate``)."""
    frozen(AT)
    agent = AgentFactory(status="online", status_changed_at=AT)
    client = APIClient()
    client.force_login(agent.user)
    return client, agent


def beat(client, **headers) -> tuple[int, int]:
    """The heartbeat's status code and the number of queries it made, the session's aside
    (the tests' sessions are in the database; a site with cached sessions reads none)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.post(HEARTBEAT, **headers)
    return response.status_code, len([q for q in queries if "django_session" not in q["sql"]])


def test_a_heartbeat_after_the_first_makes_no_query(signed_in):
    client, agent = signed_in
    status, first = beat(client)
    assert status == 200 and first >= 2  # Django's authentication: the user, then the agent
    status, then = beat(client)
    assert status == 200 and then == 0


def test_a_heartbeat_answers_the_same_from_the_copy(signed_in):
    """The first heartbeat goes through DRF and Django's authentication, the next ones are
    answered from the copy without DRF's machinery: the same answer at the same instant."""
    client, _ = signed_in
    first, then = client.post(HEARTBEAT), client.post(HEARTBEAT)
    assert (first.status_code, then.status_code) == (200, 200)
    assert first["Content-Type"] == then["Content-Type"] == "application/json"
    assert (
        first.json()
        == then.json()
        == {
            "status": "online",
            "effective_status": "online",
            "last_seen": "2026-11-23T10:00:00Z",
            "timeout": 60,
        }
    )


def test_the_copy_holds_no_password_and_saving_it_keeps_the_password(signed_in):
    client, agent = signed_in
    beat(client)
    kept = store.get(f"chatgate:agent-session:{agent.user_id}")
    assert "password" not in kept["user"].__dict__
    assert agent.user.password not in repr(kept)
    copy = agent_sessions.user_of(client.session)
    copy.first_name = "Ana"
    copy.save()  # a host's code saving request.user
    saved = get_user_model().objects.get(pk=agent.user_id)
    assert saved.password == agent.user.password and saved.first_name == "Ana"


def test_a_logged_out_session_is_refused_at_once(signed_in):
    client, _ = signed_in
    beat(client)
    client.logout()
    assert client.post(HEARTBEAT).status_code == 403


def test_a_changed_password_ends_the_other_sessions(signed_in):
    client, agent = signed_in
    beat(client)
    other = APIClient()
    other.force_login(agent.user)
    user = get_user_model().objects.get(pk=agent.user_id)
    user.set_password("a new one")
    user.save()
    assert client.post(HEARTBEAT).status_code == 403
    assert other.post(HEARTBEAT).status_code == 403


def test_a_deactivated_user_is_refused(signed_in):
    client, agent = signed_in
    beat(client)
    agent.user.is_active = False
    agent.user.save()
    assert client.post(HEARTBEAT).status_code == 403


def test_a_removed_agent_profile_is_refused(signed_in):
    client, agent = signed_in
    beat(client)
    agent.delete()
    assert client.post(HEARTBEAT).status_code == 403


def test_a_user_without_agent_profile_is_refused_and_not_copied(frozen):
    frozen(AT)
    user = UserFactory()
    client = APIClient()
    client.force_login(user)
    assert client.post(HEARTBEAT).status_code == 403
    assert store.get(f"chatgate:agent-session:{user.pk}") is None


def test_csrf_is_enforced_when_the_copy_is_used(signed_in):
    _, agent = signed_in
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent.user)
    client.get("/chatgate/api/agent/status/")  # a page that sets the CSRF cookie would
    token = "x" * 32
    client.cookies["csrftoken"] = token
    assert beat(client, HTTP_X_CSRFTOKEN=token) == (200, 2)  # Django's path makes the copy
    assert beat(client, HTTP_X_CSRFTOKEN=token) == (200, 0)
    assert beat(client) == (403, 0)  # no token: refused on the copy's path too


def test_a_status_set_drops_the_copy_so_the_saved_status_is_current(signed_in):
    client, agent = signed_in
    beat(client)
    presence.set_status(Agent.objects.get(pk=agent.pk), "away", at=AT)
    assert store.get(f"chatgate:agent-session:{agent.user_id}") is None
    assert client.post(HEARTBEAT).json()["status"] == "away"


def test_a_session_whose_hash_differs_from_the_copy_is_decided_by_django(signed_in):
    """The copy is checked against each session's hash: a session signed in before a password
    change that no signal reported is refused once a newer session made the copy again."""
    client, agent = signed_in
    beat(client)
    user = get_user_model().objects.get(pk=agent.user_id)
    user.set_password("a new one")
    get_user_model().objects.filter(pk=user.pk).update(password=user.password)
    agent_sessions.forget(user.pk)  # as COPY_SECONDS would, later
    newer = APIClient()
    newer.force_login(user)
    assert beat(newer)[0] == 200  # a copy with the new hash
    assert client.post(HEARTBEAT).status_code == 403
    assert beat(newer) == (200, 0)


def test_with_the_cache_unreachable_a_heartbeat_is_a_503_not_a_refusal(signed_in):
    """No copy can be read: Django's authentication decides (the session is in the database
    here), then the heartbeat cannot be recorded: 503 with Retry-After, as without the copy."""
    client, _ = signed_in
    beat(client)  # a copy is kept
    try:
        with override_settings(CACHES=UNREACHABLE):
            store.reset()
            response = client.post(HEARTBEAT)
    finally:
        store.reset()
    assert response.status_code == 503 and response["Retry-After"] == "5"
