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
    cache.delete(f"chatgate:presence:{agent.pk}")  # ...whose cache this process cannot see
    assert services.widget_state("w", at=AT).status == "offline"
