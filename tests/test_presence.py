from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from chatgate import presence, services
from chatgate.models import Agent
from chatgate.signals import status_changed
from tests.factories import AgentFactory, WidgetFactory

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_set_status_is_saved_in_cache_and_database():
    agent = AgentFactory()
    presence.set_status(agent, "online", at=AT)
    assert Agent.objects.get().status == "online"
    assert presence.read([agent])[agent.pk] == ("online", AT)


def test_status_expires_without_heartbeat_and_heartbeat_keeps_it(settings):
    settings.CHATGATE_PRESENCE_TIMEOUT = 60
    WidgetFactory(slug="w")
    agent = AgentFactory()
    presence.set_status(agent, "online", at=AT)
    later = AT + timedelta(seconds=90)
    assert services.widget_state("w", at=later).status == "offline"
    presence.heartbeat(agent, at=AT + timedelta(seconds=50))
    assert services.widget_state("w", at=later).status == "online"


def test_presence_timeout_setting_is_read_at_run_time(settings):
    WidgetFactory(slug="w")
    presence.set_status(AgentFactory(), "online", at=AT)
    later = AT + timedelta(seconds=90)
    assert services.widget_state("w", at=later).status == "offline"
    settings.CHATGATE_PRESENCE_TIMEOUT = 120
    assert services.widget_state("w", at=later).status == "online"


def test_lost_cache_falls_back_to_the_database_status():
    agent = AgentFactory()
    presence.set_status(agent, "away", at=AT)
    cache.clear()
    assert presence.read([Agent.objects.get()])[agent.pk] == ("away", AT)


def test_invisible_agent_heartbeat_does_not_make_it_count():
    WidgetFactory(slug="w")
    agent = AgentFactory()
    presence.set_status(agent, "invisible", at=AT)
    presence.heartbeat(agent, at=AT)
    assert services.widget_state("w", at=AT).reason == "no_agents"


def test_unknown_status_is_refused():
    with pytest.raises(ValueError, match="unknown agent status 'busy'"):
        presence.set_status(AgentFactory(), "busy", at=AT)


def test_status_changed_signal_sent_after_commit(django_capture_on_commit_callbacks):
    received = []

    def receiver(**kwargs):
        received.append((kwargs["status"], kwargs["previous"]))

    status_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            presence.set_status(AgentFactory(), "online", at=AT)
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        status_changed.disconnect(receiver)
    assert received == [("online", "offline")]


def test_a_status_set_by_another_process_counts_even_without_its_cache_entry():
    """With a per-process cache (or an evicted key) only the saved status is shared."""
    from tests.factories import DepartmentFactory

    team = DepartmentFactory()
    WidgetFactory(slug="w", departments=[team])
    agent = AgentFactory(departments=[team])
    presence.set_status(agent, "away", at=AT)
    assert services.widget_state("w", at=AT).status == "away"  # the roster is now cached
    presence.set_status(agent, "offline", at=AT)  # in "another process"...
    cache.delete_many(
        [f"chatgate:presence:{agent.pk}:status", f"chatgate:presence:{agent.pk}:seen"]
    )  # ...whose cache this process cannot see
    assert services.widget_state("w", at=AT).status == "offline"


def test_a_heartbeat_racing_a_status_change_does_not_bring_the_old_status_back(monkeypatch):
    """The heartbeat read the entry, the agent went offline, then the heartbeat wrote it back.

    Here the status change runs just after the heartbeat's first cache operation.
    """
    from chatgate.conf import cache as chatgate_cache

    agent = AgentFactory()
    presence.set_status(agent, "online", at=AT)
    store, raced = chatgate_cache(), []

    def after_first(name):
        original = getattr(store, name)

        def operation(*args, **kwargs):
            result = original(*args, **kwargs)
            if not raced:
                raced.append(name)
                presence.set_status(Agent.objects.get(), "offline", at=AT + timedelta(seconds=1))
            return result

        return operation

    for name in ("get", "get_many", "set", "set_many"):
        monkeypatch.setattr(store, name, after_first(name))
    presence.heartbeat(agent, at=AT + timedelta(seconds=1))
    monkeypatch.undo()
    assert raced
    assert presence.read([Agent.objects.get()])[agent.pk][0] == "offline"


def test_heartbeats_racing_status_changes_in_threads(transactional_db):
    """20 trials: an agent's client beats without pause while the agent goes offline."""
    import threading

    from django.db import connection

    agent = AgentFactory()
    for trial in range(20):
        presence.set_status(agent, "online", at=AT)
        started, done = threading.Event(), threading.Event()

        def beat(started=started, done=done):
            while not done.is_set():
                presence.heartbeat(agent, at=AT)
                started.set()
            presence.heartbeat(agent, at=AT)  # one more after the change
            connection.close()

        thread = threading.Thread(target=beat)
        thread.start()
        started.wait()
        presence.set_status(Agent.objects.get(), "offline", at=AT + timedelta(seconds=trial))
        done.set()
        thread.join()
        assert presence.read([Agent.objects.get()])[agent.pk][0] == "offline", trial


def test_a_saved_status_newer_than_the_cached_one_wins():
    """A status change the cache missed (it was unreachable) is not hidden by its old entry."""
    agent = AgentFactory()
    presence.set_status(agent, "online", at=AT)
    Agent.objects.filter(pk=agent.pk).update(
        status="offline", status_changed_at=AT + timedelta(seconds=5)
    )
    assert presence.read([Agent.objects.get()])[agent.pk] == (
        "offline",
        AT + timedelta(seconds=5),
    )


def test_effective_presence_of_many_agents_in_one_cache_read(settings, monkeypatch):
    """What the admin shows: the status that counts now, and the last sign of life."""
    from chatgate import store

    settings.CHATGATE_PRESENCE_TIMEOUT = 60
    online, away, invisible, quiet = (AgentFactory() for _ in range(4))
    presence.set_status(online, "online", at=AT)
    presence.set_status(away, "away", at=AT)
    presence.set_status(invisible, "invisible", at=AT)
    presence.set_status(quiet, "online", at=AT)
    presence.heartbeat(online, at=AT + timedelta(seconds=50))
    reads, get_many = [], store.get_many
    monkeypatch.setattr(store, "get_many", lambda keys: reads.append(keys) or get_many(keys))
    found = presence.effective([online, away, invisible, quiet], at=AT + timedelta(seconds=61))
    assert len(reads) == 1
    assert found[online.pk] == presence.Presence("online", "online", AT + timedelta(seconds=50))
    assert found[away.pk] == presence.Presence("away", "offline", AT)
    assert found[away.pk].expired
    assert found[invisible.pk] == presence.Presence("invisible", "invisible", AT)
    assert not found[invisible.pk].expired
    assert found[quiet.pk].effective_status == "offline"
    longer = presence.effective([away], at=AT + timedelta(seconds=61), timeout_seconds=120)
    assert longer[away.pk].effective_status == "away"
