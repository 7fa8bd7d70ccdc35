"""Opening hours: weekly ranges and dated exceptions in one IANA time zone.

Pure standard library. Every check converts the instant with ``zoneinfo``;
no offset is ever stored, so daylight-saving changes need no special data.

The rule (DESIGN.md section 2, "Time"): an instant is open iff its local
wall-clock reading falls inside a range of its local date, or inside the tail
of the previous date's overnight range. Everything else follows from it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

__all__ = [
    "HOST_ZONES",
    "MAX_EXCEPTIONS",
    "MAX_RANGES_PER_DAY",
    "SEARCH_DAYS",
    "WEEKDAYS",
    "OpeningHours",
    "Range",
    "check_day",
    "find_overlap",
    "known_zones",
    "load_zone",
]

#: Searches for the next change look this far ahead, then give up with ``None``.
SEARCH_DAYS = 400
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY = timedelta(days=1)
#: Instants the engine accepts: far enough from the calendar's ends for a 400-day search.
EARLIEST = datetime(1, 1, 3, tzinfo=UTC)
LATEST = datetime(9998, 1, 1, tzinfo=UTC)
_PROBE = timedelta(hours=3)  # spacing of the offset probes that find DST transitions
#: Bounds of one schedule, so that no schedule makes a state cost much (docs/decisions.md).
MAX_RANGES_PER_DAY = 12
MAX_EXCEPTIONS = 1000
#: Names that ``zoneinfo`` may load but whose rules depend on the host's files.
HOST_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@dataclass(frozen=True, order=True)
class Range:
    """Local wall-clock times ``[opens, closes)``; ``closes <= opens`` ends the next day."""

    opens: time
    closes: time

    def __post_init__(self) -> None:
        for name in ("opens", "closes"):
            value = getattr(self, name)
            if not isinstance(value, time):
                raise ValueError(f"{name} must be a datetime.time, not {value!r}")
            if value.tzinfo is not None:
                raise ValueError(f"{name} must be a local wall-clock time without tzinfo")
            if value.second or value.microsecond:
                raise ValueError(f"{name} {value} must be a whole minute")

    @property
    def overnight(self) -> bool:
        """True when the range runs past midnight (``00:00-00:00`` is a whole day)."""
        return self.closes <= self.opens

    def minutes(self) -> tuple[int, int]:
        """``(start, end)`` in minutes from the start of its own day; end may exceed 1440."""
        start = self.opens.hour * 60 + self.opens.minute
        end = self.closes.hour * 60 + self.closes.minute
        return start, end + 1440 if self.overnight else end

    def __str__(self) -> str:
        return f"{self.opens:%H:%M}-{self.closes:%H:%M}"


def load_zone(name: str | tzinfo) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name; ``ValueError`` naming it when unknown.

    Only names of the time zone database are accepted: not the host's own
    ``localtime``, ``posixrules`` or ``Factory``, nor paths such as
    ``posix/Europe/Paris``, whose meaning differs from one machine to another.
    """
    key = name.key if isinstance(name, ZoneInfo) else str(name)
    if key in HOST_ZONES:
        raise ValueError(
            f"time zone {key!r} depends on the host; use an IANA name such as Europe/Paris"
        )
    if key not in known_zones():
        raise ValueError(f"unknown time zone {key!r}")
    if isinstance(name, ZoneInfo):
        return name
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {key!r}") from None


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """IANA names this machine knows, without the host's own ones (read once: 0.1 s)."""
    return frozenset(available_timezones()) - HOST_ZONES


def find_overlap(ranges: Iterable[Range]) -> tuple[Range, Range] | None:
    """The first two ranges of one day that overlap, in order, or ``None``."""
    ordered = sorted(ranges)
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            (a0, a1), (b0, b1) = first.minutes(), second.minutes()
            if max(a0, b0) < min(a1, b1):
                return first, second
    return None


def check_day(ranges: Iterable[Range], *, label: str = "the day") -> tuple[Range, ...]:
    """The ranges of one day, sorted; ``ValueError`` naming both ranges when two overlap,
    or the day when it has more than ``MAX_RANGES_PER_DAY``."""
    ordered = tuple(sorted(ranges))
    if len(ordered) > MAX_RANGES_PER_DAY:
        raise ValueError(f"{label} has {len(ordered)} ranges; at most {MAX_RANGES_PER_DAY} per day")
    overlap = find_overlap(ordered)
    if overlap:
        raise ValueError(f"ranges {overlap[0]} and {overlap[1]} overlap on {label}")
    return ordered


def _aware(at: datetime, name: str = "at") -> datetime:
    if not isinstance(at, datetime):
        raise ValueError(f"{name} must be a datetime, not {at!r}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (got naive {at.isoformat()})")
    at = at.astimezone(UTC)
    if not EARLIEST <= at <= LATEST:
        span = f"{EARLIEST.date().isoformat()} and {LATEST.date().isoformat()}"
        raise ValueError(f"{name} must be between {span} (got {at.date().isoformat()})")
    return at


@dataclass(frozen=True)
class OpeningHours:
    """A time zone, weekly ranges (0 = Monday) and dated exceptions.

    ``exceptions`` replace the ranges of their own date; an empty list closes
    the date. ``yearly`` holds exceptions that recur every year, keyed by
    ``(month, day)``; a dated exception wins over a yearly one.
    """

    zone: ZoneInfo
    weekly: Mapping[int, tuple[Range, ...]] = field(default_factory=dict)
    exceptions: Mapping[date, tuple[Range, ...]] = field(default_factory=dict)
    yearly: Mapping[tuple[int, int], tuple[Range, ...]] = field(default_factory=dict)

    def __init__(
        self,
        zone: str | tzinfo,
        *,
        weekly: Mapping[int, Iterable[Range]] | None = None,
        exceptions: Mapping[date, Iterable[Range]] | None = None,
        yearly: Mapping[tuple[int, int], Iterable[Range]] | None = None,
    ) -> None:
        set_ = object.__setattr__
        set_(self, "zone", load_zone(zone))
        set_(self, "weekly", _check_weekly(weekly or {}))
        set_(self, "exceptions", _check_dated(exceptions or {}))
        set_(self, "yearly", _check_yearly(yearly or {}))
        count = len(self.exceptions) + len(self.yearly)
        if count > MAX_EXCEPTIONS:
            raise ValueError(f"{count} exceptions; at most {MAX_EXCEPTIONS} per schedule")

    # -- what a date holds ---------------------------------------------------
    def exception_for(self, day: date) -> tuple[Range, ...] | None:
        """The exception's ranges for ``day``, or ``None`` when the weekly ranges apply."""
        if day in self.exceptions:
            return self.exceptions[day]
        return self.yearly.get((day.month, day.day))

    def ranges_for(self, day: date) -> tuple[Range, ...]:
        """The ranges that start on local date ``day``."""
        special = self.exception_for(day)
        return special if special is not None else self.weekly.get(day.weekday(), ())

    @property
    def always_closed(self) -> bool:
        return not any(self.weekly.values()) and not any(
            r for m in (self.exceptions, self.yearly) for r in m.values()
        )

    # -- the rule ------------------------------------------------------------
    def is_open(self, at: datetime) -> bool:
        """Whether the aware instant ``at`` is inside an open range."""
        return self._open_utc(_aware(at))

    def _open_utc(self, at: datetime) -> bool:
        """``is_open`` for an instant already checked (searches may look past ``LATEST``)."""
        local = at.astimezone(self.zone)
        return self._open_local(local.date(), local.time().replace(tzinfo=None, fold=0))

    def _open_local(self, day: date, clock: time) -> bool:
        for r in self.ranges_for(day):
            if r.opens <= clock and (r.overnight or clock < r.closes):
                return True
        return any(r.overnight and clock < r.closes for r in self.ranges_for(day - _DAY))

    def closed_by_exception(self, at: datetime) -> bool:
        """True when ``at`` is closed and a dated or yearly exception decides it."""
        if self.is_open(at):
            return False
        local = _aware(at).astimezone(self.zone)
        day, clock = local.date(), local.time().replace(tzinfo=None, fold=0)
        if self.exception_for(day) is not None:
            return True
        before = day - _DAY
        tail = any(r.overnight and clock < r.closes for r in self.weekly.get(before.weekday(), ()))
        return tail and self.exception_for(before) is not None

    # -- searches ------------------------------------------------------------
    def next_change(self, at: datetime) -> datetime | None:
        """The first instant after ``at`` where ``is_open`` differs, in UTC, or ``None``."""
        at = _aware(at)
        now_open = self.is_open(at)
        limit = at + timedelta(days=SEARCH_DAYS)
        for candidate in self._boundaries(at, limit):
            if candidate > at and self._open_utc(candidate) != now_open:
                return candidate
        return None

    def next_open(self, at: datetime) -> datetime | None:
        """``at`` itself when open, else the next opening (UTC), or ``None``."""
        return _aware(at) if self.is_open(at) else self.next_change(at)

    def next_close(self, at: datetime) -> datetime | None:
        """``at`` itself when closed, else the next closing (UTC), or ``None``."""
        return self.next_change(at) if self.is_open(at) else _aware(at)

    def periods(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Open periods ``(opens_at, closes_at)`` in UTC, clipped to ``[start, end)``."""
        start, end = _aware(start, "start"), _aware(end, "end")
        if end <= start:
            return []
        result: list[tuple[datetime, datetime]] = []
        opened = start if self.is_open(start) else None
        for candidate in self._boundaries(start, end):
            if candidate <= start or candidate >= end:
                continue
            now_open = self._open_utc(candidate)
            if now_open and opened is None:
                opened = candidate
            elif not now_open and opened is not None:
                result.append((opened, candidate))
                opened = None
        if opened is not None:
            result.append((opened, end))
        return result

    def _boundaries(self, start: datetime, until: datetime) -> Iterator[datetime]:
        """Every instant in order where ``is_open`` may change (a superset), up to ``until``.

        Candidates are the edges of the open wall-clock time (every day's ranges
        merged, across midnight too) converted with both folds (the two passes
        of a repeated hour), plus the zone's offset transitions (where the wall
        clock jumps). Adjacent or covered ranges add no candidate, so a search
        costs little whatever the ranges. Days are added lazily; a candidate is
        released once no later day can produce an earlier one.
        """
        heap: list[datetime] = []
        span: list[int] = []  # [end] of the open span, in minutes of the proleptic calendar
        day = start.astimezone(self.zone).date() - 2 * _DAY
        last = until.astimezone(self.zone).date() + _DAY
        previous = None
        while True:
            floor = datetime.combine(day, time(), UTC) - _DAY
            while heap and heap[0] < floor:
                candidate = heapq.heappop(heap)
                if candidate > until:
                    return
                if candidate != previous:
                    yield candidate
                previous = candidate
            if day > last:
                break
            for candidate in self._day_candidates(day, span):
                heapq.heappush(heap, candidate)
            day += _DAY
        while heap:
            candidate = heapq.heappop(heap)
            if candidate > until:
                return
            if candidate != previous:
                yield candidate
            previous = candidate

    def _day_candidates(self, day: date, span: list[int]) -> Iterator[datetime]:
        """Edges that reading ``day`` settles, and ``day``'s offset transitions.

        ``span`` holds the end of the span still open (it may go on through
        later days, e.g. 22:00-06:00 followed by 06:00-22:00).
        """
        ranges = self.ranges_for(day)
        midnight = day.toordinal() * 1440 if ranges or span else 0
        for start, end in _spans(ranges) if ranges else ():
            if span and midnight + start <= span[0]:  # continues the open span
                span[0] = max(span[0], midnight + end)
                continue
            if span:
                yield from self._wall(span.pop())
            yield from self._wall(midnight + start)
            span.append(midnight + end)
        if span and span[0] < midnight + 1440:  # no later day's range starts that early
            yield from self._wall(span.pop())
        yield from _transitions(self.zone, day)

    def _wall(self, minute: int) -> Iterator[datetime]:
        """The instants (one per fold) where the wall clock reads ``minute``."""
        day, of_day = divmod(minute, 1440)
        wall = datetime.combine(date.fromordinal(day), time(*divmod(of_day, 60)), self.zone)
        first, second = wall.astimezone(UTC), wall.replace(fold=1).astimezone(UTC)
        yield first
        if second != first:
            yield second


@lru_cache(maxsize=1024)
def _spans(ranges: tuple[Range, ...]) -> tuple[tuple[int, int], ...]:
    """A day's ranges merged into ``(start, end)`` minutes from its midnight (end may pass 1440)."""
    merged: list[list[int]] = []
    for start, end in sorted(r.minutes() for r in ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


@lru_cache(maxsize=4096)
def _transitions(zone: ZoneInfo, day: date) -> tuple[datetime, ...]:
    """Instants in the UTC day ``day`` where ``zone``'s offset changes (a zone's rules never change)."""
    start = datetime.combine(day, time(), UTC)
    found, probe = [], start
    while probe < start + _DAY:
        after = probe + _PROBE
        if probe.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            found.append(_bisect_transition(zone, probe, after))
        probe = after
    return tuple(found)


def _bisect_transition(zone: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The first second in ``(low, high]`` with ``high``'s offset."""
    target = high.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(zone).utcoffset() == target:
            high = middle
        else:
            low = middle
    return high


def _check_weekly(weekly: Mapping[int, Iterable[Range]]) -> dict[int, tuple[Range, ...]]:
    result = {}
    for weekday, ranges in weekly.items():
        if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
            raise ValueError(f"weekday {weekday!r} is outside 0 (Monday) to 6 (Sunday)")
        result[weekday] = check_day(ranges, label=WEEKDAYS[weekday])
    return result


def _check_dated(exceptions: Mapping[date, Iterable[Range]]) -> dict[date, tuple[Range, ...]]:
    result = {}
    for day, ranges in exceptions.items():
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ValueError(f"exception key {day!r} must be a datetime.date")
        result[day] = check_day(ranges, label=day.isoformat())
    return result


def _check_yearly(
    yearly: Mapping[tuple[int, int], Iterable[Range]],
) -> dict[tuple[int, int], tuple[Range, ...]]:
    result = {}
    for key, ranges in yearly.items():
        try:
            date(2000, *key)  # a leap year, so 29 February is allowed
        except (TypeError, ValueError):
            raise ValueError(f"yearly exception {key!r} is not a (month, day) pair") from None
        result[tuple(key)] = check_day(ranges, label=f"every {key[1]:02d}/{key[0]:02d}")
    return result
