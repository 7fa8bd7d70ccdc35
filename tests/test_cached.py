"""The state computed once per change: no query and at most one cache round trip per request,
every change followed (at once in the process that made it, within a second elsewhere)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from chatgate import cached, conversations, presence, services, store
from chatgate.api import serializers
from chatgate.conversations import Visitor
from chatgate.models import Agent, Conversation, Widget
from tests.factories import (
    AgentFactory,
    DepartmentFactory,
    FormFactory,
    ScheduleFactory,
    WidgetFactory,
)

pytestmark = pytest.mark.django_db

MONDAY_11 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Paris, open until 17:00
STATE = "/chatgate/api/widgets/shop/state/?lang=en"


@pytest.fixture
def shop():
    schedule = ScheduleFactory(weekly={d: [("09:00", "17:00")] for d in range(5)})
    sales = DepartmentFactory(slug="sales", name="Sales")
    widget = WidgetFactory(
        slug="shop", schedule=schedule, departments=[sales], offline_form=FormFactory()
    )
    agent = AgentFactory(departments=[sales], max_chats=1)
    presence.set_status(agent, "online", at=MONDAY_11)
    return widget


@pytest.fixture
def monotonic(monkeypatch):
    """This process's clock for its copies: ``monotonic[0] += 1.01`` lets a copy age."""
    now = [1000.0]
    monkeypatch.setattr(store.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def round_trips(monkeypatch):
    """Every operation that reaches the cache, by name."""
    calls: list[str] = []
    attempt = store._attempt

    def counting(operation, *args, **kwargs):
        calls.append(operation.__name__)
        return attempt(operation, *args, **kwargs)

    monkeypatch.setattr(store, "_attempt", counting)
    return calls


def get(api: APIClient, **headers):
    return api.get(STATE, **headers)


def test_the_hot_path_makes_no_query_and_at_most_one_cache_round_trip(
    shop, frozen, monotonic, round_trips
):
    frozen(MONDAY_11)
    api = APIClient()
    first = get(api)
    assert first.status_code == 200 and first.json()["status"] == "online"
    round_trips.clear()
    with CaptureQueriesContext(connection) as queries:
        again = get(api)  # this process's copy
    assert (again.content, len(queries), round_trips) == (first.content, 0, [])
    monotonic[0] += cached.LOCAL_SECONDS  # the copy is too old: checked against the version
    with CaptureQueriesContext(connection) as queries:
        checked = get(api)
    assert (checked.content, len(queries), round_trips) == (first.content, 0, ["get_many"])


def test_a_304_does_not_build_the_body(shop, frozen, monotonic, monkeypatch):
    frozen(MONDAY_11)
    api = APIClient()
    etag = get(api)["ETag"]
    monkeypatch.setattr(serializers, "render_state", lambda state: pytest.fail("body built"))
    monotonic[0] += cached.LOCAL_SECONDS
    with CaptureQueriesContext(connection) as queries:
        answer = get(api, HTTP_IF_NONE_MATCH=etag)
    assert (answer.status_code, answer["ETag"], len(queries)) == (304, etag, 0)


def test_the_body_is_the_serialised_state_and_its_etag_follows_it(shop, frozen):
    frozen(MONDAY_11)
    body = get(APIClient()).json()
    state = services.widget_state("shop", at=MONDAY_11, language="en")
    assert body == json.loads(serializers.render_state(state))
    assert body["valid_until"] == "2026-11-23T15:45:00Z"  # closing soon from 16:45 Paris


def test_a_change_made_in_this_process_is_served_at_once(shop, frozen, monotonic):
    frozen(MONDAY_11)
    api = APIClient()
    assert get(api).json()["status"] == "online"
    presence.set_status(Agent.objects.get(), "offline", at=MONDAY_11)
    assert get(api).json()["reason"] == "no_agents"
    shop.mode = Widget.Mode.MESSAGING
    shop.save()
    assert get(api).json()["show"] == "messaging"


def test_a_change_made_in_another_process_is_served_within_a_second(shop, frozen, monotonic):
    frozen(MONDAY_11)
    api = APIClient()
    assert get(api).json()["status"] == "online"
    Widget.objects.update(force="closed")  # another process: its rows, and its new versions
    store.replace_tokens([cached.VERSION_KEY, cached.STATE_KEY])
    monotonic[0] += cached.LOCAL_SECONDS - 0.01
    assert get(api).json()["status"] == "online"  # this process's copy, less than 1 s old
    monotonic[0] += 0.01
    assert get(api).json()["reason"] == "forced_closed"


def test_an_agent_whose_presence_expires_changes_the_state_then(shop, frozen, monotonic):
    api = APIClient()
    frozen(MONDAY_11 + timedelta(seconds=60))
    assert get(api).json()["status"] == "online"  # cached until the heartbeat runs out
    frozen(MONDAY_11 + timedelta(seconds=60, microseconds=1))
    assert get(api).json()["reason"] == "no_agents"


def test_a_heartbeat_that_brings_an_agent_back_replaces_the_state(shop, frozen, monotonic):
    api = APIClient()
    later = MONDAY_11 + timedelta(minutes=5)
    frozen(later)
    assert get(api).json()["reason"] == "no_agents"  # expired
    presence.heartbeat(Agent.objects.get(), at=later)
    assert get(api).json()["status"] == "online"


def test_a_heartbeat_of_a_present_agent_keeps_the_cached_state(shop, round_trips):
    agent = Agent.objects.get()
    round_trips.clear()
    presence.heartbeat(agent, at=MONDAY_11 + timedelta(seconds=20))
    assert "set_many" not in round_trips  # no version replaced


def test_conversations_that_fill_or_free_places_replace_the_state(shop, frozen, monotonic):
    frozen(MONDAY_11)
    api = APIClient()
    assert get(api).json()["status"] == "online"
    started = conversations.start("shop", message="Hello", visitor=Visitor(), at=MONDAY_11)
    assert get(api).json()["reason"] == "at_capacity"  # waiting: it takes the only place
    conversations.close(started.conversation, by=Conversation.ClosedBy.VISITOR, at=MONDAY_11)
    assert get(api).json()["status"] == "online"


def test_at_valid_until_the_state_is_computed_again(shop, frozen, settings):
    settings.CHATGATE_PRESENCE_TIMEOUT = 24 * 3600  # nothing expires but the hours
    api = APIClient()
    frozen(datetime(2026, 11, 23, 15, 44, 59, tzinfo=UTC))
    assert get(api).json()["closing_soon"] is False
    frozen(datetime(2026, 11, 23, 15, 45, tzinfo=UTC))  # valid_until: closing soon from now
    assert get(api).json()["closing_soon"] is True


def test_without_the_cache_nothing_is_kept(shop, frozen, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6399/0",
            "OPTIONS": {"socket_connect_timeout": 0.3},
        }
    }
    frozen(MONDAY_11)
    api = APIClient()
    assert get(api).json()["status"] == "online"  # the saved status
    Agent.objects.update(status="offline")  # no version to replace: the next state reads it
    assert get(api).json()["reason"] == "no_agents"
    assert not store.local().get("states")
    store.reset()


def test_a_cached_state_is_served_while_the_database_is_down(shop, frozen, monotonic):
    frozen(MONDAY_11)
    api = APIClient()
    etag = get(api)["ETag"]

    def down(execute, sql, params, many, context):
        raise DatabaseError("connection refused")

    with connection.execute_wrapper(down):
        monotonic[0] += cached.LOCAL_SECONDS
        assert get(api)["ETag"] == etag  # still valid in the shared cache
        frozen(datetime(2026, 11, 23, 16, 0, tzinfo=UTC))  # past valid_until: must be computed
        answer = get(api)
    assert (answer.status_code, answer["Retry-After"]) == (503, "30")


def imported_modules(path) -> set[str]:
    import ast

    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_api_and_the_tags_reach_the_engine_only_through_services():
    from pathlib import Path

    import chatgate

    root = Path(chatgate.__file__).parent
    for path in [*(root / "api").glob("*.py"), *(root / "templatetags").glob("*.py")]:
        engine = {m for m in imported_modules(path) if "availability" in m}
        assert not engine, f"{path.name} imports {engine}"


def test_versions_snapshots_and_bodies_live_in_one_module_that_the_others_use():
    from pathlib import Path

    import chatgate

    root = Path(chatgate.__file__).parent
    assert ".services" not in imported_modules(root / "presence.py")
    for name in ("presence.py", "services.py", "receivers.py", "conversations/cache.py"):
        source = (root / name).read_text()
        assert "cached." in source and "store.invalidate" not in source, name


def test_a_large_state_is_served_gzipped_to_clients_that_accept_it(frozen):
    import gzip

    schedule = ScheduleFactory(weekly={d: [("09:00", "17:00")] for d in range(5)})
    teams = [DepartmentFactory(name=f"Team {n}") for n in range(20)]  # a body over GZIP_FROM
    WidgetFactory(slug="shop", schedule=schedule, departments=teams)
    frozen(MONDAY_11)
    api = APIClient()
    plain = get(api)
    zipped = get(api, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) < len(plain.content) / 3
    assert zipped["ETag"] != plain["ETag"]
    assert "Accept-Encoding" in zipped["Vary"] and "Accept-Encoding" in plain["Vary"]
    for etag in (plain["ETag"], zipped["ETag"]):
        assert get(api, HTTP_IF_NONE_MATCH=etag).status_code == 304
