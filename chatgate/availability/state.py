"""State resolution: from a configuration snapshot, agents and an instant, the widget state.

Pure: the services build the snapshot from the database and the cache; this
module only decides. The result is exactly what the state endpoint serves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .hours import LATEST, OpeningHours, _aware
from .presence import AWAY, OFFLINE, ONLINE, AgentSnapshot, Availability

__all__ = [
    "DepartmentConfig",
    "DepartmentState",
    "FormDefinition",
    "FormFieldDefinition",
    "WidgetConfig",
    "WidgetState",
    "resolve",
]

CHAT, MESSAGING = "chat", "messaging"
FORCE_OPEN, FORCE_CLOSED = "open", "closed"
WHEN_OFFLINE = ("offline_form", "contact_form", "hide")
_RANK = {ONLINE: 0, AWAY: 1, OFFLINE: 2}
# When nothing can answer, the reason closest to "available" explains it best.
_OFFLINE_REASONS = ("at_capacity", "no_agents", "exception", "closed", "forced_closed", "disabled")


@dataclass(frozen=True)
class FormFieldDefinition:
    name: str
    label: str
    type: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    max_length: int | None = None


@dataclass(frozen=True)
class FormDefinition:
    """An offline or contact form as the widget renders it and the server validates it."""

    kind: str  # offline | contact
    title: str
    greeting: str = ""
    fields: tuple[FormFieldDefinition, ...] = ()
    submit_label: str = ""
    success_message: str = ""
    id: int | None = None
    department_choice: bool = False


@dataclass(frozen=True)
class DepartmentConfig:
    slug: str
    name: str
    hours: OpeningHours | None = None  # its own schedule; None uses the widget's
    active: bool = True


@dataclass(frozen=True)
class WidgetConfig:
    slug: str
    mode: str = CHAT
    hours: OpeningHours | None = None
    departments: tuple[DepartmentConfig, ...] = ()
    when_offline: str = "offline_form"
    away_accepts_chats: bool = True
    closing_soon_minutes: int = 15
    force: str | None = None  # "open" | "closed" | None
    force_until: datetime | None = None
    offline_form: FormDefinition | None = None  # None when missing or disabled
    contact_form: FormDefinition | None = None
    active: bool = True
    timezone: str = "UTC"
    poll_after: int = 30
    texts: Mapping[str, str] = field(default_factory=dict)
    language: str = ""  # of the texts
    typical_reply_seconds: int | None = None  # measured off the hot path, carried as given


@dataclass(frozen=True)
class DepartmentState:
    slug: str
    name: str
    status: str
    reason: str
    opens_at: datetime | None = None
    closes_at: datetime | None = None


@dataclass(frozen=True)
class WidgetState:
    widget: str
    mode: str
    status: str
    reason: str
    show: str
    can_start_chat: bool
    opens_at: datetime | None
    closes_at: datetime | None
    closing_soon: bool
    valid_until: datetime | None
    poll_after: int
    timezone: str
    departments: tuple[DepartmentState, ...] = ()
    form: FormDefinition | None = None
    texts: Mapping[str, str] = field(default_factory=dict)
    language: str = ""  # of the texts: staff's and the built-in ones
    typical_reply_seconds: int | None = None

    def department(self, slug: str) -> DepartmentState | None:
        return next((d for d in self.departments if d.slug == slug), None)


@dataclass(frozen=True)
class _Context:
    config: WidgetConfig
    agents: tuple[AgentSnapshot, ...]
    at: datetime
    timeout: timedelta
    waiting: Mapping[str, int] = field(default_factory=dict)
    _memo: dict = field(default_factory=dict, compare=False)  # per resolve(): a schedule's answers

    def members(self, slug: str) -> tuple[AgentSnapshot, ...]:
        """The agents of a department: indexed once per resolve, not scanned per department."""
        if "members" not in self._memo:
            index: dict[str, list[AgentSnapshot]] = {}
            for agent in self.agents:
                for department in agent.departments:
                    index.setdefault(department, []).append(agent)
            self._memo["members"] = {k: tuple(v) for k, v in index.items()}
        return self._memo["members"].get(slug, ())

    def ask(self, hours: OpeningHours, question: str, at: datetime | None = None):
        """``hours.<question>(at)``, asked once per schedule and instant in one resolve()
        (departments often share a schedule)."""
        at = self.at if at is None else at
        key = (id(hours), question, at)
        if key not in self._memo:
            self._memo[key] = getattr(hours, question)(at)
        return self._memo[key]

    @property
    def force(self) -> str | None:
        return self.config.force if self.until is None or self.at < self.until else None

    @property
    def until(self) -> datetime | None:
        """The override's end; one past the engine's range (say 9999-12-31) means for good."""
        until = self.config.force_until
        return until if until is not None and until <= LATEST else None


def resolve(
    config: WidgetConfig,
    agents: tuple[AgentSnapshot, ...],
    at: datetime,
    *,
    presence_timeout: timedelta = timedelta(seconds=60),
    waiting: Mapping[str, int] | None = None,
) -> WidgetState:
    """The widget state at the aware instant ``at``.

    ``waiting`` counts the conversations waiting for an agent, per department
    slug (``""`` for those without a department): they use free places, so a
    department whose waiting chats fill its agents' room is ``at_capacity``.
    """
    ctx = _Context(config, tuple(agents), _aware(at), presence_timeout, dict(waiting or {}))
    if not config.active:
        return _state(ctx, OFFLINE, "disabled", (), opens_at=None, closes_at=None)
    if config.departments:
        departments = tuple(_department(ctx, d) for d in config.departments)
        best = min(departments, key=_best)
        status, reason = best.status, best.reason
        opens_at = _earliest(d.opens_at for d in departments)
        closes_at = _latest([d.closes_at for d in departments if d.status == status])
    else:
        whole = _group(ctx, config.hours, ctx.agents, slug="", name="")
        departments, status, reason = (), whole.status, whole.reason
        opens_at, closes_at = whole.opens_at, whole.closes_at
    if status != OFFLINE:
        opens_at = None
    return _state(ctx, status, reason, departments, opens_at=opens_at, closes_at=closes_at)


def _best(department: DepartmentState) -> tuple[int, int]:
    reason = _OFFLINE_REASONS.index(department.reason) if department.status == OFFLINE else 0
    return _RANK[department.status], reason


def _department(ctx: _Context, department: DepartmentConfig) -> DepartmentState:
    if not department.active:
        return DepartmentState(department.slug, department.name, OFFLINE, "disabled")
    members = ctx.members(department.slug)
    hours = department.hours or ctx.config.hours
    return _group(ctx, hours, members, slug=department.slug, name=department.name)


def _group(
    ctx: _Context, hours: OpeningHours | None, agents: tuple[AgentSnapshot, ...], *, slug, name
) -> DepartmentState:
    """The state of a team (or the whole widget) under ``hours`` and the override."""
    at, force, until = ctx.at, ctx.force, ctx.until
    if force == FORCE_CLOSED:
        opens_at = (ctx.ask(hours, "next_open", until) if hours else until) if until else None
        return DepartmentState(slug, name, OFFLINE, "forced_closed", opens_at)
    if force == FORCE_OPEN:
        closes_at = until
        if until and hours and ctx.ask(hours, "is_open", until):
            closes_at = ctx.ask(hours, "next_close", until)
    elif hours is None:
        closes_at = None
    elif not ctx.ask(hours, "is_open"):
        reason = "exception" if ctx.ask(hours, "closed_by_exception") else "closed"
        return DepartmentState(slug, name, OFFLINE, reason, ctx.ask(hours, "next_open"))
    else:
        closes_at = ctx.ask(hours, "next_close")
    available = Availability.of(
        agents,
        at,
        timeout=ctx.timeout,
        away_accepts_chats=ctx.config.away_accepts_chats,
        waiting=ctx.waiting.get(slug, 0),
    )
    if available.status == OFFLINE:
        return DepartmentState(slug, name, OFFLINE, available.reason)
    reason = "forced_open" if force == FORCE_OPEN else "open"
    return DepartmentState(slug, name, available.status, reason, None, closes_at)


def _state(ctx, status, reason, departments, *, opens_at, closes_at) -> WidgetState:
    config, at = ctx.config, ctx.at
    soon_at = closes_at - timedelta(minutes=config.closing_soon_minutes) if closes_at else None
    closing_soon = status != OFFLINE and soon_at is not None and soon_at <= at
    if not config.active:
        show, can_start = "hidden", False
    elif config.mode == MESSAGING:
        show, can_start = MESSAGING, True
    elif status != OFFLINE:
        show, can_start = CHAT, True
    else:
        show, can_start = _offline_show(config), False
    form = {"offline_form": config.offline_form, "contact_form": config.contact_form}.get(show)
    return WidgetState(
        widget=config.slug,
        mode=config.mode,
        status=status,
        reason=reason,
        show=show,
        can_start_chat=can_start,
        opens_at=opens_at,
        closes_at=closes_at,
        closing_soon=closing_soon,
        valid_until=_valid_until(ctx, soon_at) if config.active else None,
        poll_after=config.poll_after,
        timezone=config.timezone,
        departments=tuple(departments),
        form=form,
        texts=dict(config.texts),
        language=config.language,
        typical_reply_seconds=config.typical_reply_seconds,
    )


def _offline_show(config: WidgetConfig) -> str:
    if config.when_offline == "offline_form" and config.offline_form is not None:
        return "offline_form"
    if config.when_offline == "contact_form" and config.contact_form is not None:
        return "contact_form"
    return "hidden"


def _valid_until(ctx: _Context, soon_at: datetime | None) -> datetime | None:
    """The next instant at which the schedule part of the state changes."""
    at, config = ctx.at, ctx.config
    candidates = [soon_at]
    if ctx.force:
        candidates.append(ctx.until)
    else:
        schedules = [d.hours or config.hours for d in config.departments if d.active]
        schedules = schedules if config.departments else [config.hours]
        candidates += [ctx.ask(h, "next_change") for h in _distinct(schedules)]
    return _earliest(c for c in candidates if c is not None and c > at)


def _distinct(schedules: list[OpeningHours | None]) -> list[OpeningHours]:
    seen: dict[int, OpeningHours] = {}
    for hours in schedules:
        if hours is not None:
            seen.setdefault(id(hours), hours)
    return list(seen.values())


def _earliest(values) -> datetime | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _latest(values: list[datetime | None]) -> datetime | None:
    if not values or any(v is None for v in values):
        return None
    return max(values)
