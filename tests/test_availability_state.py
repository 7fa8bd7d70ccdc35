"""Presence, department and widget rules of DESIGN.md section 2, on the pure engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest

from chatgate.availability import (
    AgentSnapshot,
    DepartmentConfig,
    FormDefinition,
    OpeningHours,
    Range,
    WidgetConfig,
    resolve,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# 2026-11-23 is a Monday; Paris is UTC+1, New York UTC-5.
AT = utc(2026, 11, 23, 10, 0)  # 11:00 in Paris, 05:00 in New York
PARIS_9_17 = OpeningHours("Europe/Paris", weekly={d: [Range(time(9), time(17))] for d in range(5)})
NY_9_17 = OpeningHours("America/New_York", weekly={d: [Range(time(9), time(17))] for d in range(5)})
OFFLINE_FORM = FormDefinition(kind="offline", title="Leave a message")
CONTACT_FORM = FormDefinition(kind="contact", title="Contact us")
TIMEOUT = timedelta(seconds=60)


def agent(status="online", *, seen=AT, active=0, max_chats=3, departments=("sales",), id=1):
    return AgentSnapshot(id, status, seen, active, max_chats, frozenset(departments))


def widget(**kwargs) -> WidgetConfig:
    defaults = {
        "slug": "default",
        "hours": PARIS_9_17,
        "departments": (DepartmentConfig("sales", "Sales"),),
        "offline_form": OFFLINE_FORM,
        "contact_form": CONTACT_FORM,
        "timezone": "Europe/Paris",
    }
    return WidgetConfig(**{**defaults, **kwargs})


def state(config=None, agents=None, at=AT):
    """The state at ``at``; by default one online Sales agent whose heartbeat is fresh then."""
    agents = [agent(seen=at)] if agents is None else agents
    return resolve(config or widget(), tuple(agents), at, presence_timeout=TIMEOUT)


PRESENCE_CASES = [
    ("online agent", [agent()], {}, ("online", "open", True)),
    ("invisible agent never counts", [agent("invisible")], {}, ("offline", "no_agents", False)),
    ("offline agent", [agent("offline")], {}, ("offline", "no_agents", False)),
    (
        "heartbeat 61 s old counts as offline",
        [agent(seen=AT - timedelta(seconds=61))],
        {},
        ("offline", "no_agents", False),
    ),
    (
        "heartbeat exactly 60 s old still counts",
        [agent(seen=AT - TIMEOUT)],
        {},
        ("online", "open", True),
    ),
    ("no heartbeat at all", [agent(seen=None)], {}, ("offline", "no_agents", False)),
    ("away accepted by default", [agent("away")], {}, ("away", "open", True)),
    (
        "away refused when away_accepts_chats is off",
        [agent("away")],
        {"away_accepts_chats": False},
        ("offline", "no_agents", False),
    ),
    (
        "expired away heartbeat",
        [agent("away", seen=AT - timedelta(minutes=5))],
        {},
        ("offline", "no_agents", False),
    ),
    ("at capacity", [agent(active=3)], {}, ("offline", "at_capacity", False)),
    (
        "one free agent beside a busy one",
        [agent(active=3), agent(id=2)],
        {},
        ("online", "open", True),
    ),
    ("online beats away", [agent("away"), agent(id=2)], {}, ("online", "open", True)),
    (
        "agent of another department",
        [agent(departments=("support",))],
        {},
        ("offline", "no_agents", False),
    ),
]


@pytest.mark.parametrize(
    ("label", "agents", "options", "expected"), PRESENCE_CASES, ids=[c[0] for c in PRESENCE_CASES]
)
def test_presence_rules(label, agents, options, expected):
    result = state(widget(**options), agents)
    assert (result.status, result.reason, result.can_start_chat) == expected
    assert result.departments[0].status == expected[0]


def test_closed_hours_give_reason_closed_and_next_opening():
    evening = utc(2026, 11, 23, 18, 0)  # 19:00 Paris
    result = state(at=evening)
    assert (result.status, result.reason, result.show) == ("offline", "closed", "offline_form")
    assert result.opens_at == utc(2026, 11, 24, 8, 0)
    assert result.closes_at is None
    assert result.form == OFFLINE_FORM
    assert result.valid_until == utc(2026, 11, 24, 8, 0)


def test_exception_gives_reason_exception():
    hours = OpeningHours("Europe/Paris", weekly=PARIS_9_17.weekly, exceptions={AT.date(): []})
    result = state(widget(hours=hours))
    assert (result.status, result.reason) == ("offline", "exception")


def test_open_state_carries_closing_time_and_valid_until():
    result = state()
    assert result.closes_at == utc(2026, 11, 23, 16, 0)
    assert result.opens_at is None
    assert not result.closing_soon
    assert result.valid_until == utc(2026, 11, 23, 15, 45)  # closing-soon starts then


def test_closing_soon_within_the_configured_minutes():
    at = utc(2026, 11, 23, 15, 50)
    assert state(at=at).closing_soon
    assert not state(widget(closing_soon_minutes=5), at=at).closing_soon
    assert state(widget(closing_soon_minutes=5), at=at).valid_until == utc(2026, 11, 23, 15, 55)


def test_department_with_its_own_schedule_in_another_zone():
    config = widget(
        departments=(
            DepartmentConfig("sales", "Sales"),  # uses the widget's Paris hours
            DepartmentConfig("us", "US Support", hours=NY_9_17),
        )
    )
    morning = state(config, [agent(departments=("sales", "us"))])  # 05:00 in New York
    assert [(d.slug, d.status, d.reason) for d in morning.departments] == [
        ("sales", "online", "open"),
        ("us", "offline", "closed"),
    ]
    assert morning.department("us").opens_at == utc(2026, 11, 23, 14, 0)
    evening_at = utc(2026, 11, 23, 17, 0)  # 18:00 Paris, 12:00 NY
    evening = state(config, [agent(seen=evening_at, departments=("sales", "us"))], at=evening_at)
    assert evening.status == "online"
    assert evening.department("sales").status == "offline"
    assert evening.closes_at == utc(2026, 11, 23, 22, 0)


def test_widget_status_is_the_best_department():
    config = widget(
        departments=(DepartmentConfig("sales", "Sales"), DepartmentConfig("support", "Support"))
    )
    agents = [agent("away", departments=("sales",)), agent(id=2, departments=("support",))]
    assert state(config, agents).status == "online"
    assert state(config, agents[:1]).status == "away"


def test_inactive_department_is_offline_disabled():
    config = widget(departments=(DepartmentConfig("sales", "Sales", active=False),))
    result = state(config)
    assert (result.status, result.reason) == ("offline", "disabled")


def test_widget_with_no_departments_uses_its_schedule_and_all_agents():
    config = widget(departments=())
    assert state(config, [agent(departments=())]).status == "online"
    assert state(config, [agent(departments=())]).departments == ()
    assert state(config, [agent(departments=())], at=utc(2026, 11, 23, 20)).reason == "closed"


def test_no_schedule_means_not_restricted_by_hours():
    result = state(widget(hours=None), at=utc(2026, 11, 29, 3, 0))  # Sunday night
    assert (result.status, result.closes_at, result.valid_until) == ("online", None, None)


def test_force_closed_beats_schedule_and_agents():
    result = state(widget(force="closed"))
    assert (result.status, result.reason, result.can_start_chat) == (
        "offline",
        "forced_closed",
        False,
    )
    assert result.department("sales").reason == "forced_closed"
    assert result.valid_until is None


def test_force_closed_with_an_end_time_expires():
    until = utc(2026, 11, 23, 12, 0)
    config = widget(force="closed", force_until=until)
    during = state(config)
    assert during.reason == "forced_closed"
    assert during.opens_at == until  # hours are open again then
    assert during.valid_until == until
    assert state(config, at=until).reason == "open"


def test_force_open_beats_schedule_but_does_not_invent_agents():
    night = utc(2026, 11, 23, 22, 0)
    assert state(widget(force="open"), at=night).reason == "forced_open"
    assert state(widget(force="open"), at=night).can_start_chat
    nobody = state(widget(force="open"), agents=[], at=night)
    assert (nobody.status, nobody.reason) == ("offline", "no_agents")


def test_force_open_with_an_end_time_closes_then():
    night, until = utc(2026, 11, 23, 22, 0), utc(2026, 11, 23, 23, 0)
    result = state(widget(force="open", force_until=until), at=night)
    assert (result.closes_at, result.valid_until) == (until, utc(2026, 11, 23, 22, 45))
    assert state(widget(force="open", force_until=until), at=until).reason == "closed"


@pytest.mark.parametrize(
    ("when_offline", "forms", "show"),
    [
        ("offline_form", {}, "offline_form"),
        ("contact_form", {}, "contact_form"),
        ("hide", {}, "hidden"),
        ("offline_form", {"offline_form": None}, "hidden"),  # missing or disabled form
        ("contact_form", {"contact_form": None}, "hidden"),
    ],
)
def test_when_offline_decides_what_the_visitor_sees(when_offline, forms, show):
    result = state(widget(when_offline=when_offline, **forms), agents=[])
    assert result.show == show
    expected_form = {"offline_form": OFFLINE_FORM, "contact_form": CONTACT_FORM}.get(show)
    assert result.form == expected_form


def test_messaging_mode_is_always_shown_and_writable():
    result = state(widget(mode="messaging"), agents=[], at=utc(2026, 11, 23, 20))
    assert (result.show, result.can_start_chat, result.status) == ("messaging", True, "offline")
    assert result.opens_at == utc(2026, 11, 24, 8, 0)


def test_disabled_widget_is_hidden():
    result = state(widget(active=False))
    assert (result.status, result.reason, result.show, result.can_start_chat) == (
        "offline",
        "disabled",
        "hidden",
        False,
    )


def test_state_is_a_frozen_dataclass():
    result = state()
    with pytest.raises(AttributeError):
        result.status = "offline"
    assert replace(result, status="away").status == "away"


def test_unknown_agent_status_is_refused():
    with pytest.raises(ValueError, match="unknown agent status 'busy'"):
        agent("busy")


@pytest.mark.parametrize("force", ["closed", "open"])
def test_an_override_until_the_end_of_the_calendar_means_for_good(force):
    forever = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    result = state(widget(force=force, force_until=forever))
    assert result.reason == f"forced_{force}"
    assert (result.opens_at, result.valid_until) == (None, None)


WAITING_CASES = [
    ("room left beside the waiting chats", [agent(active=1)], {"sales": 1}, ("online", "open")),
    ("waiting chats fill the last places", [agent(active=1)], {"sales": 2}, ("offline", "at_capacity")),
    ("waiting and free places of two agents", [agent(active=2), agent(id=2, max_chats=1)], {"sales": 2}, ("offline", "at_capacity")),
    ("another department's queue takes nothing", [agent()], {"support": 5}, ("online", "open")),
    ("an agent over its maximum frees nothing", [agent(active=5), agent(id=2)], {"sales": 3}, ("offline", "at_capacity")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "agents", "waiting", "expected"), WAITING_CASES, ids=[c[0] for c in WAITING_CASES]
)
def test_waiting_conversations_use_the_free_places(label, agents, waiting, expected):
    result = resolve(widget(), tuple(agents), AT, presence_timeout=TIMEOUT, waiting=waiting)
    assert (result.department("sales").status, result.department("sales").reason) == expected


def test_waiting_conversations_without_department_fill_a_widget_without_departments():
    config, agents = widget(departments=()), (agent(departments=(), max_chats=2),)
    assert resolve(config, agents, AT, waiting={"": 1}).status == "online"
    full = resolve(config, agents, AT, waiting={"": 2})
    assert (full.status, full.reason) == ("offline", "at_capacity")
