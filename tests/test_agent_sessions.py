"""Heartbeats read the signed-in agent from chatgate's cache (``chatgate.agent_sessions``): no
query once the copy is made, and never a heartbeat that Django's own authentication would
refuse (logged out, password changed, deactivated, no agent profile, no CSRF token)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from chatgate import agent_sessions, presence, store
from chatgate.models import Agent, Console
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


def kept(user_id) -> dict | None:
    return store.get(agent_sessions._key(user_id))


def test_the_copy_holds_the_users_key_alone_and_saving_it_reverts_nothing(signed_in):
    client, agent = signed_in
    beat(client)
    copied = kept(agent.user_id)
    user_fields = {f.attname for f in get_user_model()._meta.concrete_fields}
    assert user_fields & set(copied["user"].__dict__) == {"id"}  # no password, no flags
    agent_fields = {f.attname for f in Agent._meta.concrete_fields}
    assert agent_fields & set(copied["agent"].__dict__) == set(agent_sessions.AGENT_FIELDS)
    assert agent.user.password not in repr(copied)
    get_user_model().objects.filter(pk=agent.user_id).update(is_staff=True, email="a@b.example")
    copy = agent_sessions.user_of(client.session)
    copy.first_name = "Ana"
    copy.save()  # a host's code saving request.user on a heartbeat
    saved = get_user_model().objects.get(pk=agent.user_id)
    assert (saved.first_name, saved.is_staff, saved.email) == ("Ana", True, "a@b.example")
    assert saved.password == agent.user.password


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
    assert kept(user.pk) is None


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
    assert agent_sessions.user_of(client.session) is None
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


def test_a_change_the_cache_missed_is_written_once_it_answers(signed_in, monkeypatch):
    """The deactivation's new generation cannot be written while the cache is down; it is
    written before anything else once the cache answers, and the copy is not used again."""
    client, agent = signed_in
    beat(client)
    working = store.cache
    monkeypatch.setattr(store, "cache", unreachable_cache)
    agent.user.is_active = False
    agent.user.save()
    monkeypatch.setattr(store, "cache", working)
    monkeypatch.setattr(store, "_down_until", 0.0)  # as RETRY_SECONDS later
    assert client.post(HEARTBEAT).status_code == 403


def unreachable_cache():
    from django.core.cache.backends.redis import RedisCache

    return RedisCache("redis://127.0.0.1:6399/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})


def test_a_copy_made_from_rows_read_before_a_change_is_not_used(signed_in):
    """A heartbeat reads the generation, then the user; a change lands in between."""
    client, agent = signed_in
    session = client.session
    token = agent_sessions.generation(session)
    user = get_user_model().objects.select_related("chatgate_agent").get(pk=agent.user_id)
    agent_sessions.forget(agent.user_id)  # the change, saved meanwhile
    agent_sessions.keep(session, user, token)
    assert kept(agent.user_id) is not None
    assert agent_sessions.user_of(session) is None


def test_a_save_through_a_proxy_drops_the_copy(signed_in):
    client, agent = signed_in
    beat(client)
    console = Console.objects.get(pk=agent.pk)  # chatgate's proxy of Agent
    console.max_chats = 1
    console.save()
    assert agent_sessions.user_of(client.session) is None


def test_an_agent_profile_given_to_another_user_ends_the_former_users_heartbeats(signed_in):
    client, agent = signed_in
    beat(client)
    agent.user = UserFactory()
    agent.save()
    assert client.post(HEARTBEAT).status_code == 403


class AnonymousAfterAuthentication:
    """A host's middleware that decides the user itself (an allow-list, a lock)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = AnonymousUser()
        return self.get_response(request)


def test_a_middleware_that_set_the_user_is_obeyed(signed_in, settings):
    client, _ = signed_in
    beat(client)
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.AnonymousAfterAuthentication"]
    same_session = APIClient()  # a client loads the middleware once
    same_session.cookies = client.cookies
    assert same_session.post(HEARTBEAT).status_code == 403
    assert agent_sessions.user_of(client.session) is not None  # the copy was there


def test_a_new_secret_key_or_a_removed_backend_leaves_the_copies_unused(signed_in, settings):
    client, _ = signed_in
    beat(client)
    session = dict(client.session.items())  # as a session kept in the cache still reads
    assert agent_sessions.user_of(session) is not None
    secret = settings.SECRET_KEY
    settings.SECRET_KEY = "another secret key, as after a rotation, long enough for the checks"
    assert agent_sessions.user_of(session) is None
    settings.SECRET_KEY = secret
    assert agent_sessions.user_of(session) is not None
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.AnotherBackend"]
    assert agent_sessions.user_of(session) is None


class AnotherBackend:
    """Stands for a site's other backend; never consulted here."""
