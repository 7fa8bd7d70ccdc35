from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chatgate import cached, presence, services
from chatgate.models import Agent, Conversation, Form, ScheduleException, Widget
from tests.factories import (
    AgentFactory,
    DepartmentFactory,
    FormFactory,
    FormFieldFactory,
    ScheduleFactory,
    WidgetFactory,
)

pytestmark = pytest.mark.django_db

MONDAY_11_PARIS = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
WEEKDAYS_9_17 = {d: [("09:00", "17:00")] for d in range(5)}


def online(agent, at=MONDAY_11_PARIS):
    presence.set_status(agent, "online", at=at)
    return agent


def build(departments: int):
    schedule = ScheduleFactory(weekly={0: [("09:00", "12:00"), ("13:00", "17:00")]})
    ScheduleException.objects.create(schedule=schedule, date=date(2026, 12, 25), label="Christmas")
    teams = [
        DepartmentFactory(schedule=ScheduleFactory(weekly=WEEKDAYS_9_17))
        for _ in range(departments)
    ]
    for team in teams:
        online(AgentFactory(departments=[team]))
    form = FormFactory()
    FormFieldFactory(form=form, name="email", type="email")
    return WidgetFactory(slug="shop", schedule=schedule, departments=teams, offline_form=form)


def count_queries(slug: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.load_widget_config(slug)
        services.agent_snapshots()
    return len(queries)


def test_snapshot_query_count_does_not_grow_with_departments():
    build(1)
    one = count_queries("shop")
    Widget.objects.all().delete()
    build(50)
    fifty = count_queries("shop")
    assert one == fifty
    assert one <= 5  # widget, departments, one UNION ALL of the rest, roster, chat load


def test_cached_state_needs_only_the_agent_queries():
    build(3)
    services.widget_state("shop", at=MONDAY_11_PARIS)
    with CaptureQueriesContext(connection) as queries:
        state = services.widget_state("shop", at=MONDAY_11_PARIS)
    assert len(queries) == 1  # active chats per agent; the roster and configuration are cached
    assert state.status == "online"


def test_configuration_change_invalidates_the_cached_snapshot():
    widget = build(1)
    assert services.widget_state("shop", at=MONDAY_11_PARIS).mode == "chat"
    widget.mode = Widget.Mode.MESSAGING
    widget.save()
    assert services.widget_state("shop", at=MONDAY_11_PARIS).mode == "messaging"
    widget.departments.clear()
    assert (
        len(services.widget_state("shop", at=MONDAY_11_PARIS).departments) == 1
    )  # all active ones


def test_widget_state_end_to_end_from_the_database():
    build(2)
    state = services.widget_state("shop", at=MONDAY_11_PARIS)
    assert (state.status, state.reason, state.show, state.timezone) == (
        "online",
        "open",
        "chat",
        "Europe/Paris",
    )
    assert state.closes_at == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    lunch_at = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # 12:30 in Paris
    for agent in Agent.objects.all():
        online(agent, at=lunch_at)
    lunch = services.widget_state("shop", at=lunch_at)
    assert lunch.status == "online"  # departments have their own 9-17 schedules


def test_departments_without_schedule_use_the_widgets_and_christmas_closes():
    schedule = ScheduleFactory(weekly=WEEKDAYS_9_17)
    ScheduleException.objects.create(
        schedule=schedule, date=date(2026, 12, 25), label="Christmas", yearly=True
    )
    team = DepartmentFactory()
    WidgetFactory(slug="shop", schedule=schedule, departments=[team], offline_form=FormFactory())
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=UTC)
    online(AgentFactory(departments=[team]), at=christmas)
    state = services.widget_state("shop", at=christmas)
    assert (state.status, state.reason, state.show) == ("offline", "exception", "offline_form")
    assert state.form.title == "Leave us a message"


def test_capacity_counts_active_conversations():
    widget = build(1)
    agent = Agent.objects.get()
    agent.max_chats = 1
    agent.save()
    Conversation.objects.create(widget=widget, agent=agent, status="active", token_hash="a")
    state = services.widget_state("shop", at=MONDAY_11_PARIS)
    assert (state.status, state.reason) == ("offline", "at_capacity")
    Conversation.objects.update(status=Conversation.Status.CLOSED)
    assert services.widget_state("shop", at=MONDAY_11_PARIS).status == "online"


def test_capacity_counts_waiting_conversations_of_the_department_in_one_query():
    widget = build(1)
    team = widget.departments.get()
    Agent.objects.update(max_chats=2)
    cached.bump_version()
    Conversation.objects.create(widget=widget, department=team, token_hash="a")
    services.widget_state("shop", at=MONDAY_11_PARIS)  # snapshots cached
    with CaptureQueriesContext(connection) as queries:
        state = services.widget_state("shop", at=MONDAY_11_PARIS)
    assert (state.status, len(queries)) == ("online", 1)
    Conversation.objects.create(widget=widget, department=team, token_hash="b")
    state = services.widget_state("shop", at=MONDAY_11_PARIS)
    assert (state.status, state.reason) == ("offline", "at_capacity")
    Conversation.objects.create(widget=widget, department=None, token_hash="c", status="closed")
    assert services.widget_state("shop", at=MONDAY_11_PARIS).reason == "at_capacity"


def test_a_fresh_state_reads_the_database_not_the_snapshots():
    build(1)
    services.widget_state("shop", at=MONDAY_11_PARIS)  # snapshots cached
    Widget.objects.update(force="closed")  # no signal: the cached snapshot is stale
    assert services.widget_state("shop", at=MONDAY_11_PARIS).reason == "open"
    fresh = services.widget_state("shop", at=MONDAY_11_PARIS, fresh=True)
    assert fresh.reason == "forced_closed"


def test_disabled_form_hides_the_widget():
    build(1)
    Form.objects.update(enabled=False)
    cached.bump_version()
    state = services.widget_state("shop", at=datetime(2026, 11, 23, 20, 0, tzinfo=UTC))
    assert (state.show, state.form) == ("hidden", None)


def test_unknown_widget_raises_does_not_exist():
    with pytest.raises(Widget.DoesNotExist):
        services.widget_state("nope", at=MONDAY_11_PARIS)


def test_week_preview_marks_exceptions_in_the_schedule_zone():
    schedule = ScheduleFactory(
        timezone="America/New_York", weekly={0: [("09:00", "12:00"), ("13:00", "17:00")]}
    )
    ScheduleException.objects.create(
        schedule=schedule, date=date(2026, 11, 26), label="Thanksgiving"
    )
    days = services.week_preview(
        schedule, at=datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    )  # Mon 01:00 NY
    assert [d.day for d in days][:2] == [date(2026, 11, 23), date(2026, 11, 24)]
    assert [s[2] for s in days[0].segments] == ["09:00-12:00", "13:00-17:00"]
    assert days[0].segments[0][:2] == (37.5, 12.5)
    assert days[3].exception == "Thanksgiving"
    assert days[1].exception is None and days[1].segments == ()


def test_process_copy_is_not_reused_after_the_shared_cache_is_flushed():
    from django.core.cache import cache

    build(1)
    cache.clear()  # the version is now created by the first read, as after a restart
    assert services.widget_state("shop", at=MONDAY_11_PARIS).mode == "chat"
    Widget.objects.update(
        mode=Widget.Mode.MESSAGING
    )  # no signal, like a change lost with a flushed cache
    cache.clear()  # e.g. Redis restarted with nothing kept on disk
    assert services.widget_state("shop", at=MONDAY_11_PARIS).mode == "messaging"


def test_agent_edits_reach_the_cached_roster():
    widget = build(1)
    team = widget.departments.get()
    assert services.widget_state("shop", at=MONDAY_11_PARIS).status == "online"
    agent = Agent.objects.get()
    agent.departments.clear()  # m2m change
    assert services.widget_state("shop", at=MONDAY_11_PARIS).reason == "no_agents"
    agent.departments.add(team)
    newcomer = AgentFactory(departments=[team])  # a new agent
    presence.set_status(agent, "offline", at=MONDAY_11_PARIS)
    presence.set_status(newcomer, "away", at=MONDAY_11_PARIS)
    assert services.widget_state("shop", at=MONDAY_11_PARIS).status == "away"


def test_a_snapshot_cached_before_the_commit_is_replaced_after_it(
    django_capture_on_commit_callbacks,
):
    """Another process may read the new version mid-transaction and cache the old rows under it."""
    build(1)
    widget = Widget.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        widget.mode = Widget.Mode.MESSAGING
        widget.save()
        stale = replace(services.load_widget_config("shop"), mode="chat")  # what that process saw
        cached.snapshot("config:shop:en", lambda: stale)  # the English visitors' snapshot
        assert services.widget_state("shop", at=MONDAY_11_PARIS).mode == "chat"
    for callback in callbacks:  # the commit
        callback()
    assert services.widget_state("shop", at=MONDAY_11_PARIS).mode == "messaging"


def test_a_widget_listing_no_departments_offers_every_active_one():
    schedule = ScheduleFactory(weekly={0: [("09:00", "17:00")]})
    DepartmentFactory(slug="sales", position=0)
    DepartmentFactory(slug="archive", active=False)
    DepartmentFactory(slug="support", position=1)
    WidgetFactory(slug="shop", schedule=schedule)
    state = services.widget_state("shop", at=MONDAY_11_PARIS)
    assert [d.slug for d in state.departments] == ["sales", "support"]


@pytest.mark.parametrize(("seconds", "status"), [(60, "online"), (61, "offline")])
def test_setting_a_status_counts_as_a_heartbeat(seconds, status):
    team = DepartmentFactory()
    WidgetFactory(slug="shop", departments=[team])
    online(AgentFactory(departments=[team]), at=MONDAY_11_PARIS)  # no heartbeat after this
    later = MONDAY_11_PARIS + timedelta(seconds=seconds)
    assert services.widget_state("shop", at=later).status == status


def test_status_of_every_widget_reads_agents_once():
    build(2)
    WidgetFactory(slug="second")
    services.all_widget_states(at=MONDAY_11_PARIS)  # snapshots cached
    with CaptureQueriesContext(connection) as queries:
        rows = services.all_widget_states(at=MONDAY_11_PARIS)
    assert len(queries) == 2  # the widgets, the active chats
    assert [(w.slug, s.status) for w, s in rows] == [
        (w.slug, services.widget_state(w.slug, at=MONDAY_11_PARIS).status) for w, _ in rows
    ]


@pytest.mark.django_db
def test_holiday_import_keeps_a_schedule_within_its_exceptions_bound():
    schedule = ScheduleFactory()
    ScheduleException.objects.bulk_create(
        ScheduleException(schedule=schedule, date=date(1990, 1, 1) + timedelta(days=n))
        for n in range(995)
    )
    with pytest.raises(
        ValueError, match="would give .* 1006 exceptions; a schedule holds at most 1000"
    ):
        services.import_holidays(schedule, country="FR", years=[2027])
    assert schedule.exceptions.count() == 995
    assert services.import_holidays(schedule, country="FR", years=[1990]) == (0, 11)  # all there


def test_a_state_reads_the_presence_of_the_offered_departments_members_only(monkeypatch):
    widget = build(1)
    elsewhere = DepartmentFactory(slug="elsewhere")
    online(AgentFactory(departments=[elsewhere]))
    read = []
    original = presence.read
    monkeypatch.setattr(
        presence, "read", lambda agents: read.append(list(agents)) or original(agents)
    )
    assert services.widget_state("shop", at=MONDAY_11_PARIS).status == "online"
    member = Agent.objects.get(departments=widget.departments.get())
    assert [a.pk for a in read[0]] == [member.pk]
