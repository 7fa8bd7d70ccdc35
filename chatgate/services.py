"""The one bridge between the database, the cache and the availability engine.

Views, serializers, template tags, admin pages and commands call these
functions; none of them computes availability itself. The configuration
snapshot of a widget is loaded in a fixed number of queries (``chatgate.snapshots``:
five for a state, whatever the size) and cached under a version that every
configuration change bumps (``chatgate.cached``); the state endpoint's body is
computed once per change and cached the same way (``cached_state``). When the
cache is unreachable, the state is computed from
the database alone: presence from each agent's saved status and its time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from . import cached, clock, languages, presence, store
from .availability import (
    AWAY,
    MAX_EXCEPTIONS,
    OFFLINE,
    ONLINE,
    WEEKDAYS,
    AgentSnapshot,
    Availability,
    OpeningHours,
    Range,
    WidgetConfig,
    WidgetState,
    resolve,
)

# The API and the template tags reach the engine only through services: these are theirs.
from .availability import MAX_RANGES_PER_DAY as MAX_RANGES_PER_DAY
from .availability import load_zone as load_zone
from .conf import app_settings
from .models import Agent, Conversation, Schedule, ScheduleException, Widget

# Snapshots of the configuration (``chatgate.snapshots``), under the names services gave them.
from .snapshots import RosterEntry as RosterEntry
from .snapshots import form_definition as form_definition
from .snapshots import load_roster as load_roster
from .snapshots import load_widget_config as load_widget_config


def widget_state(
    widget: Widget | str,
    *,
    at: datetime | None = None,
    fresh: bool = False,
    language: str | None = None,
) -> WidgetState:
    """The state of ``widget`` (an instance or a slug) at ``at`` (default: now).

    Texts are in ``language`` (default: the active language; see
    ``chatgate.languages``). ``fresh`` reads the configuration and the agents
    from the database, not from the cached snapshots: what a chat start
    decides on. Raises ``Widget.DoesNotExist`` for an unknown slug.
    """
    at = at or clock.now()
    slug = widget if isinstance(widget, str) else widget.slug
    return _compute(slug, at, language=languages.visitor_language(language), fresh=fresh)[0]


def _compute(
    slug: str, at: datetime, *, language: str, fresh: bool = False
) -> tuple[WidgetState, tuple[AgentSnapshot, ...]]:
    """The state and the agents it was resolved with."""
    if fresh:
        config, roster = load_widget_config(slug, language), load_roster()
    else:
        version = cached.version()  # read once: one shared-cache round trip
        config = widget_config(slug, version=version, language=language)
        roster = cached_roster(version=version)
    if config.departments:  # only their members count: read no one else's presence
        offered = {d.slug for d in config.departments if d.active}
        roster = tuple(a for a in roster if a.departments & offered)
    active, waiting = chat_load()
    agents = snapshots(roster, active)
    state = resolve(config, agents, at, presence_timeout=presence_timeout(), waiting=waiting)
    return state, agents


def cached_state(slug: str, *, at: datetime, language: str | None = None) -> cached.StateEntry:
    """The state endpoint's answer: the JSON body and its ETag, computed once per change.

    Served from this process's copy or the shared cache (see ``chatgate.cached``
    for when it is stale): no query, at most one cache round trip. Raises
    ``Widget.DoesNotExist`` for an unknown slug.
    """
    from .api.serializers import render_state  # the API's serializer, which imports services

    language = languages.visitor_language(language)

    def build(token: str | None) -> cached.StateEntry:
        state, agents = _compute(slug, at, language=language)
        expiry = presence_expiry(agents, at)
        expires = min(filter(None, (state.valid_until, expiry)), default=None)
        body = render_state(state)
        return cached.StateEntry.of(
            body, valid_until=state.valid_until, expires=expires, token=token
        )

    return cached.state(slug, language, at=at, build=build)


def presence_expiry(agents: tuple[AgentSnapshot, ...], at: datetime) -> datetime | None:
    """The first instant after ``at`` at which an online or away agent's presence expires."""
    timeout = presence_timeout()
    ends = [
        a.last_seen + timeout + EXPIRY_STEP
        for a in agents
        if a.status in (ONLINE, AWAY) and a.last_seen is not None
    ]
    return min((end for end in ends if end > at), default=None)


#: An agent seen at ``t`` counts until ``t + timeout`` included; it is offline just after.
EXPIRY_STEP = timedelta(microseconds=1)


def unavailable_state(slug: str) -> WidgetState:
    """What a page shows when the state cannot be computed (the database is down): hidden.

    The widget script polls from it, so the widget appears once the database is back.
    """
    return WidgetState(
        widget=slug,
        mode="chat",
        status="offline",
        reason="unavailable",
        show="hidden",
        can_start_chat=False,
        opens_at=None,
        closes_at=None,
        closing_soon=False,
        valid_until=None,
        poll_after=app_settings.POLL_SECONDS,
        timezone=settings.TIME_ZONE,
        language=languages.visitor_language(),
    )


def presence_timeout() -> timedelta:
    return timedelta(seconds=app_settings.PRESENCE_TIMEOUT)


def widget_config(
    slug: str, *, version: str | None = None, language: str | None = None
) -> WidgetConfig:
    """The engine's snapshot of a widget's configuration, its texts in ``language``."""
    language = languages.visitor_language(language)
    return cached.snapshot(
        f"config:{slug}:{language}", lambda: load_widget_config(slug, language), version
    )


def closing_time(slug: str, department: str | None, *, at: datetime) -> datetime | None:
    """When the open period around ``at`` of the department's hours (else the widget's) ends:
    ``None`` when they are closed at ``at`` or do not restrict the chat. Hours only: agents'
    presence and load do not move a closing time."""
    config = widget_config(slug)
    own = next((d.hours for d in config.departments if d.slug == department), None)
    hours = own or config.hours
    if hours is None or not hours.is_open(at):
        return None
    return hours.next_close(at)


def cached_roster(*, version: str | None = None) -> tuple[RosterEntry, ...]:
    return cached.snapshot("roster", load_roster, version)


def chat_load() -> tuple[dict[int, int], dict[str, int]]:
    """Active chats per agent id, waiting chats per department slug (``""``: none). One query.

    A waiting chat holds a place only while its visitor waits for a live answer: not once
    the longest wait ran out and the form was offered (a visitor who left keeps no place
    for ever), and not a messaging thread (a message left for later).
    """
    live = Q(status=Conversation.Status.ACTIVE) | Q(
        status=Conversation.Status.WAITING,
        form_offered_at__isnull=True,
        widget__mode=Widget.Mode.CHAT,
    )
    rows = (
        Conversation.objects.filter(live)
        .values_list("status", "agent_id", "department__slug")
        .annotate(count=Count("id"))
        .order_by()
    )
    active: dict[int, int] = {}
    waiting: dict[str, int] = {}
    for status, agent_id, slug, count in rows:
        if status == Conversation.Status.ACTIVE and agent_id is not None:
            active[agent_id] = active.get(agent_id, 0) + count
        elif status == Conversation.Status.WAITING:
            waiting[slug or ""] = waiting.get(slug or "", 0) + count
    return active, waiting


def snapshots(roster, active: dict[int, int]) -> tuple[AgentSnapshot, ...]:
    """The roster with presence (one cache round trip) and each agent's active chats."""
    seen = presence.read(roster)
    return tuple(
        AgentSnapshot(a.pk, *seen[a.pk], active.get(a.pk, 0), a.max_chats, a.departments)
        for a in roster
    )


def agent_snapshots(*, version: str | None = None) -> tuple[AgentSnapshot, ...]:
    """Agents with presence and load: the cached roster, one cache read, one query for chats."""
    return snapshots(cached_roster(version=version), chat_load()[0])


def agents_gone(agents, *, at: datetime) -> set[int]:
    """Ids of ``agents`` (anything with ``pk``, ``status``, ``status_changed_at``) whose presence
    counts as ``offline`` at ``at``: expired, or set so. One cache round trip.

    None while the cache that holds heartbeats cannot be read: agents chatting
    then would all look expired, and their chats must not be taken from them.
    """
    seen = presence.read(agents)
    if not store.available():
        return set()
    timeout = presence_timeout()
    return {
        pk
        for pk, (status, last) in seen.items()
        if AgentSnapshot(pk, status, last).effective_status(at, timeout=timeout) == OFFLINE
    }


def all_widget_states(*, at: datetime | None = None) -> list[tuple[Widget, WidgetState]]:
    """Every widget with its state, for the status board and ``chatgate_status``."""
    at = at or clock.now()
    version = cached.version()
    active, waiting = chat_load()
    agents = snapshots(cached_roster(version=version), active)  # once for every widget
    timeout = presence_timeout()
    return [
        (
            w,
            resolve(
                widget_config(w.slug, version=version),
                agents,
                at,
                presence_timeout=timeout,
                waiting=waiting,
            ),
        )
        for w in Widget.objects.order_by("name")
    ]


def agent_availability(
    agent: Agent, *, active: int, away_accepts_chats: bool, at: datetime
) -> Availability:
    """Whether ``agent`` (holding ``active`` chats) can take one more now, by the engine's rules:
    ``online`` or ``away`` (when the widget accepts away agents), and below its ``max_chats``."""
    status, seen = presence.read([agent])[agent.pk]
    snapshot = AgentSnapshot(agent.pk, status, seen, active, agent.max_chats)
    return Availability.of(
        (snapshot,), at, timeout=presence_timeout(), away_accepts_chats=away_accepts_chats
    )


def schedule_is_open(schedule: Schedule, *, at: datetime) -> bool:
    """Whether the schedule's hours are open at ``at`` (prefetched ranges are used)."""
    return schedule.to_hours().is_open(at)


def schedule_periods(
    schedule: Schedule, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Open periods of the schedule clipped to ``[start, end)``, in UTC."""
    return schedule.to_hours().periods(start, end)


@dataclass(frozen=True)
class DayPreview:
    """One local day of a schedule for the admin picture: open segments in percent of the day."""

    day: date
    segments: tuple[tuple[float, float, str], ...]  # (left %, width %, "09:00-12:00")
    exception: str | None


def week_preview(
    schedule: Schedule, *, at: datetime | None = None, days: int = 7
) -> list[DayPreview]:
    """The next ``days`` local days of ``schedule`` from ``at``, in its own zone."""
    at = at or clock.now()
    hours = schedule.to_hours()
    zone = hours.zone
    first = at.astimezone(zone).date()
    result = []
    for n in range(days):
        day = first + timedelta(days=n)
        start = datetime.combine(day, datetime.min.time(), zone)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
        length = (end - start).total_seconds()
        segments = tuple(
            (
                round((a - start).total_seconds() / length * 100, 2),
                round((b - a).total_seconds() / length * 100, 2),
                f"{a.astimezone(zone):%H:%M}-{b.astimezone(zone):%H:%M}",
            )
            for a, b in hours.periods(start, end)
        )
        label = _exception_label(schedule, day) if hours.exception_for(day) is not None else None
        result.append(DayPreview(day, segments, label))
    return result


def _exception_label(schedule: Schedule, day: date) -> str:
    """The label of the exception that governs ``day`` (a dated one wins over a yearly one)."""
    exceptions = sorted(schedule.exceptions.all(), key=lambda e: e.yearly)
    for exception in exceptions:
        same_day = (exception.date.month, exception.date.day) == (day.month, day.day)
        if exception.date == day or (exception.yearly and same_day):
            return exception.label or exception.date.isoformat()
    return ""


def import_holidays(
    schedule: Schedule, *, country: str, years: list[int], subdivision: str | None = None
) -> tuple[int, int]:
    """Add a closed-all-day exception for each public holiday; returns (created, skipped).

    Dates that already have an exception are kept as they are. Raises
    ``ValueError`` naming the country or subdivision the holidays package lacks,
    or when the schedule would exceed ``MAX_EXCEPTIONS``.
    """
    import holidays  # imported here: only this function needs it

    try:
        calendar = holidays.country_holidays(
            country.upper(), subdiv=subdivision or None, years=years
        )
    except NotImplementedError:
        where = f"{country.upper()}/{subdivision}" if subdivision else country.upper()
        raise ValueError(
            _("The holidays package has no calendar for “%(where)s”.") % {"where": where}
        ) from None
    existing = set(schedule.exceptions.values_list("date", flat=True))
    fresh = [
        ScheduleException(schedule=schedule, date=day, label=str(name)[:100], ranges=[])
        for day, name in sorted(calendar.items())
        if day not in existing
    ]
    if len(existing) + len(fresh) > MAX_EXCEPTIONS:
        raise ValueError(
            _(
                "%(count)s more holidays would give %(schedule)s %(total)s exceptions; "
                "a schedule holds at most %(limit)s."
            )
            % {
                "count": len(fresh),
                "schedule": schedule,
                "total": len(existing) + len(fresh),
                "limit": MAX_EXCEPTIONS,
            }
        )
    ScheduleException.objects.bulk_create(fresh)
    cached.invalidate()  # bulk_create sends no post_save
    return len(fresh), len(calendar) - len(fresh)


def opening_hours_jsonld(slug: str, *, at: datetime) -> dict | None:
    """schema.org ``ContactPoint`` with ``OpeningHoursSpecification`` of the widget's hours.

    Uses the widget's schedule, else its first department's; ``None`` when no
    schedule restricts it. Exceptions from today on are listed with their dates.
    """
    config = widget_config(slug)
    hours = config.hours or next((d.hours for d in config.departments if d.hours), None)
    if hours is None:
        return None
    specs = [
        {**_spec(r), "dayOfWeek": f"https://schema.org/{WEEKDAYS[day]}"}
        for day, ranges in sorted(hours.weekly.items())
        for r in ranges
    ]
    today = at.astimezone(hours.zone).date()
    for day, ranges in sorted(_upcoming_exceptions(hours, today).items()):
        dated = {"validFrom": day.isoformat(), "validThrough": day.isoformat()}
        specs += [{**_spec(r), **dated} for r in ranges] or [
            {"opens": "00:00", "closes": "00:00", **dated}
        ]
    return {
        "@context": "https://schema.org",
        "@type": "ContactPoint",
        "contactType": "customer support",
        "hoursAvailable": [{"@type": "OpeningHoursSpecification", **s} for s in specs],
    }


def _spec(r: Range) -> dict[str, str]:
    """schema.org writes a whole day as 00:00-23:59; an overnight range keeps closes < opens."""
    closes = "23:59" if r.opens == r.closes == time(0) else f"{r.closes:%H:%M}"
    return {"opens": f"{r.opens:%H:%M}", "closes": closes}


def _upcoming_exceptions(hours: OpeningHours, today: date) -> dict[date, tuple[Range, ...]]:
    upcoming = {day: ranges for day, ranges in hours.exceptions.items() if day >= today}
    for (month, day_of_month), ranges in hours.yearly.items():
        for year in range(today.year, today.year + 5):  # the next occurrence (29 February included)
            try:
                day = date(year, month, day_of_month)
            except ValueError:
                continue
            if day >= today:
                upcoming.setdefault(day, ranges)
                break
    return upcoming
