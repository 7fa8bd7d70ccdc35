"""Property tests: the engine against a brute-force, minute-by-minute oracle.

The oracle expands every range into the set of local (date, minute) pairs it
covers, then reads an instant's wall clock; it shares no search code with the
engine. Windows sit around DST transitions in both hemispheres.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatgate.availability import OpeningHours, Range

ZONES = [
    "Europe/Paris",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "America/Santiago",  # transitions at midnight
    "Pacific/Chatham",  # +12:45 / +13:45
    "Asia/Kolkata",  # no DST, half-hour offset
]


def transition_days(zone: str) -> list[date]:
    """Local dates in 2026 whose offset at noon differs from the day before's."""
    tz, days = ZoneInfo(zone), []
    for n in range(1, 365):
        day = date(2026, 1, 1) + timedelta(days=n)
        noon = datetime.combine(day, time(12), tz).utcoffset()
        if noon != datetime.combine(day - timedelta(days=1), time(12), tz).utcoffset():
            days.append(day - timedelta(days=1))
    return days or [date(2026, 6, 15)]


# Windows start two days before one of the zone's own transitions.
WINDOW_STARTS = {zone: [d - timedelta(days=2) for d in transition_days(zone)] for zone in ZONES}
WINDOW = timedelta(days=4)
MINUTE = timedelta(minutes=1)


# Quarter hours of the day, biased toward midnight and 01:00-03:30, where clocks change.
QUARTERS = st.one_of(st.integers(0, 95), st.sampled_from([0, 2, 4, 6, 8, 9, 10, 12, 14, 94]))


@st.composite
def day_ranges(draw) -> list[Range]:
    """Up to three non-overlapping ranges, at 15-minute steps, maybe touching, the last maybe
    overnight (touching ranges and ranges inside the night before's tail add no change)."""
    points = sorted(draw(st.sets(QUARTERS, min_size=0, max_size=6)))
    ranges = []
    for opens, closes in zip(points[::2], points[1::2], strict=False):
        if ranges and draw(st.booleans()):
            opens = ranges[-1][1] // 15  # starts where the previous one closes
        ranges.append((opens * 15, closes * 15))
    if len(points) % 2 and draw(st.booleans()):
        last = points[-1] * 15
        first = ranges[0][0] if ranges else last
        closes = draw(QUARTERS) * 15
        if closes <= min(first, last):  # an overnight range that overlaps nothing today
            ranges.append((last, closes))
    return [Range(_clock(a), _clock(b)) for a, b in ranges]


def _clock(minutes: int) -> time:
    return time(minutes // 60 % 24, minutes % 60)


@st.composite
def schedules(draw) -> OpeningHours:
    zone = draw(st.sampled_from(ZONES))
    weekly = {d: draw(day_ranges()) for d in range(7) if draw(st.booleans()) or d < 2}
    start = draw(st.sampled_from(WINDOW_STARTS[zone]))
    exception_days = draw(st.lists(st.integers(0, 4), max_size=2, unique=True))
    exceptions = {start + timedelta(days=n): draw(day_ranges()) for n in exception_days}
    return OpeningHours(zone, weekly=weekly, exceptions=exceptions), start


def oracle(hours: OpeningHours, first: date, last: date):
    """The set of open local (date, minute-of-day) pairs between two dates."""
    open_minutes: set[tuple[date, int]] = set()
    day = first - timedelta(days=1)
    while day <= last:
        for rng in hours.ranges_for(day):
            start, end = rng.minutes()
            for m in range(start, end):
                open_minutes.add((day + timedelta(days=m // 1440), m % 1440))
        day += timedelta(days=1)

    def is_open(at: datetime) -> bool:
        local = at.astimezone(hours.zone)
        return (local.date(), local.hour * 60 + local.minute) in open_minutes

    return is_open


def minutes_of(start: date, zone: ZoneInfo):
    first = datetime.combine(start, time(), zone).astimezone(UTC)
    return [first + i * MINUTE for i in range(int(WINDOW / MINUTE))]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules(), st.data())
def test_engine_agrees_with_oracle(case, data):
    hours, start = case
    is_open = oracle(hours, start - timedelta(days=2), start + timedelta(days=6))
    instants = minutes_of(start, hours.zone)
    truth = [is_open(t) for t in instants]

    # is_open agrees at every minute of the window, with seconds inside the minute too
    assert [hours.is_open(t) for t in instants] == truth
    offset = timedelta(seconds=data.draw(st.integers(0, 59)))
    assert [hours.is_open(t + offset) for t in instants] == truth

    # periods cover exactly the open minutes, in order, separated by closed time
    periods = hours.periods(instants[0], instants[-1] + MINUTE)
    covered = [any(a <= t < b for a, b in periods) for t in instants]
    assert covered == truth
    for (_, close), (reopen, _) in zip(periods, periods[1:], strict=False):
        assert close < reopen

    # next_change, next_open, next_close agree with is_open from sampled instants
    for index in data.draw(st.lists(st.integers(0, len(instants) - 1), min_size=1, max_size=8)):
        at = instants[index] + offset
        expected = next(
            (
                t
                for t, v in zip(instants[index + 1 :], truth[index + 1 :], strict=True)
                if v != truth[index]
            ),
            None,
        )
        found = hours.next_change(at)
        if expected is not None:
            assert found == expected
            assert hours.is_open(found) != hours.is_open(at)
        else:
            assert found is None or found > instants[-1]
        if truth[index]:
            assert hours.next_open(at) == at
            assert hours.next_close(at) == found
        else:
            assert hours.next_close(at) == at
            assert hours.next_open(at) == found
