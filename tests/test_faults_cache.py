"""The cache unreachable or frozen: the host's pages render, visitors are served, nothing is lost.

The cache here is never the shared Redis: either a closed port (unreachable) or
a redis-server of the test's own (``redis_server``), frozen with SIGSTOP.
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from chatgate import cached, presence, store
from chatgate.models import Agent, Form, Ticket, Widget
from tests.factories import (
    AgentFactory,
    DepartmentFactory,
    FormFactory,
    FormFieldFactory,
    ScheduleFactory,
    WidgetFactory,
)

pytestmark = pytest.mark.django_db

MONDAY_11 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Paris, open
MONDAY_19 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # closed
STATE = "/chatgate/api/widgets/shop/state/"
TIMEOUTS = {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}


def redis_cache(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": TIMEOUTS,
        }
    }


UNREACHABLE = redis_cache("redis://127.0.0.1:6399/0")  # nothing listens there


@pytest.fixture
def shop():
    schedule = ScheduleFactory(weekly={d: [("09:00", "17:00")] for d in range(5)})
    sales = DepartmentFactory(slug="sales", name="Sales", email="sales@example.com")
    form = FormFactory(kind=Form.Kind.OFFLINE)
    FormFieldFactory(form=form, name="email", label="Email", type="email", required=True)
    return WidgetFactory(slug="shop", schedule=schedule, departments=[sales], offline_form=form)


@pytest.fixture
def no_cache():
    with override_settings(CACHES=UNREACHABLE):
        yield
    store.reset()


def agent_of(widget: Widget, status: str, at: datetime) -> Agent:
    agent = AgentFactory(departments=[widget.departments.get()])
    presence.set_status(agent, status, at=at)
    return agent


def test_state_without_the_cache_takes_presence_from_the_saved_status(
    shop, no_cache, frozen, caplog
):
    agent_of(shop, "online", MONDAY_11)  # saved in the database; the cache write is lost
    frozen(MONDAY_11 + timedelta(seconds=30))
    with caplog.at_level(logging.WARNING, logger="chatgate"):
        body = APIClient().get(STATE).json()
    assert (body["status"], body["show"]) == ("online", "chat")
    assert "the cache is unreachable" in caplog.text
    frozen(MONDAY_11 + timedelta(seconds=61))  # no heartbeat can be recorded: it expires
    assert APIClient().get(STATE).json()["reason"] == "no_agents"


def test_a_page_with_the_widget_renders_without_the_cache(shop, no_cache, frozen, client):
    agent_of(shop, "online", MONDAY_11)
    frozen(MONDAY_11)
    response = client.get("/page/shop/")
    assert response.status_code == 200
    assert b'data-chatgate-widget="shop"' in response.content
    assert b'"show": "chat"' in response.content


def test_tickets_are_accepted_and_saved_without_the_cache(shop, no_cache, frozen):
    frozen(MONDAY_19)
    response = APIClient().post(
        "/chatgate/api/widgets/shop/tickets/",
        {"form": "offline", "fields": {"email": "zoe@example.com"}},
        format="json",
    )
    assert response.status_code == 201
    assert Ticket.objects.get().fields[0]["value"] == "zoe@example.com"


def test_heartbeats_answer_503_and_a_status_change_is_saved(shop, no_cache, frozen):
    agent = agent_of(shop, "offline", MONDAY_11)
    api = APIClient()
    api.force_authenticate(agent.user)
    frozen(MONDAY_11)
    beat = api.post("/chatgate/api/agent/heartbeat/")
    assert beat.status_code == 503
    assert beat["Retry-After"] == "5"
    put = api.put("/chatgate/api/agent/status/", {"status": "online"}, format="json")
    assert put.status_code == 200 and put.json()["effective_status"] == "online"
    assert Agent.objects.get().status == "online"
    assert APIClient().get(STATE).json()["status"] == "online"


def test_a_frozen_cache_costs_one_timeout_per_process_not_one_per_request(
    shop, redis_server, frozen, monkeypatch
):
    """After one timed-out call the process leaves the cache alone for RETRY_SECONDS."""
    import redis.connection

    sent = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(self, *args, **kwargs):
        sent.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    clock = [1000.0]
    monkeypatch.setattr(store.time, "monotonic", lambda: clock[0])
    frozen(MONDAY_11)
    with override_settings(CACHES=redis_cache(redis_server.url)):
        agent_of(shop, "online", MONDAY_11)
        api = APIClient()
        assert api.get(STATE).json()["status"] == "online"
        redis_server.signal(signal.SIGSTOP)
        assert api.get(STATE).json()["status"] == "online"  # one call timed out
        sent.clear()
        for _ in range(3):
            assert api.get(STATE).json()["status"] == "online"
        assert sent == []  # the cache is left alone: no further timeouts
        shop.mode = Widget.Mode.MESSAGING
        shop.save()  # a change whose version bump cannot be written now
        redis_server.signal(signal.SIGCONT)
        clock[0] += store.RETRY_SECONDS + 1
        assert api.get(STATE).json()["mode"] == "messaging"
        assert sent  # the cache is used again
        assert api.get(STATE).json()["mode"] == "messaging"  # the lost change was written
    store.reset()


def test_a_change_lost_while_the_cache_was_down_is_written_when_it_is_back(
    shop, redis_server, frozen, monkeypatch
):
    clock = [1000.0]
    monkeypatch.setattr(store.time, "monotonic", lambda: clock[0])
    frozen(MONDAY_11)
    with override_settings(CACHES=redis_cache(redis_server.url)):
        APIClient().get(STATE)
        before = cached.version()
        redis_server.signal(signal.SIGSTOP)
        shop.save()  # bump fails: the version would stay `before` for every other process
        redis_server.signal(signal.SIGCONT)
        clock[0] += store.RETRY_SECONDS + 1
        store.get("anything")  # the first call after the delay writes the pending change
        assert cached.version() not in (None, before)
    store.reset()
