"""Table-driven tests for every rule of DESIGN.md section 2 "Time"."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from chatgate.availability import OpeningHours, Range, check_day


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def r(opens: str, closes: str) -> Range:
    return Range(time.fromisoformat(opens), time.fromisoformat(closes))


PARIS = OpeningHours(
    "Europe/Paris",
    weekly={
        0: [r("09:00", "12:00"), r("13:00", "17:00")],  # Monday with a lunch break
        2: [r("00:00", "00:00")],  # Wednesday: 24 hours
        4: [r("22:00", "02:00")],  # Friday night into Saturday
        6: [r("20:00", "04:00")],  # Sunday night into Monday
    },
)

# November 2026: Paris is UTC+1. 2026-11-23 is a Monday.
CASES = [
    ("before opening", utc(2026, 11, 23, 7, 59), False),
    ("opening minute", utc(2026, 11, 23, 8, 0), True),
    ("last morning minute", utc(2026, 11, 23, 10, 59, 59), True),
    ("lunch starts (half-open)", utc(2026, 11, 23, 11, 0), False),
    ("during lunch", utc(2026, 11, 23, 11, 30), False),
    ("afternoon", utc(2026, 11, 23, 12, 0), True),
    ("closing minute", utc(2026, 11, 23, 16, 0), False),
    ("friday before overnight", utc(2026, 11, 27, 20, 59), False),
    ("friday overnight starts", utc(2026, 11, 27, 21, 0), True),
    ("overnight tail on saturday", utc(2026, 11, 28, 0, 59), True),
    ("overnight tail ends", utc(2026, 11, 28, 1, 0), False),
    ("sunday to monday wrap", utc(2026, 11, 30, 2, 59), True),
    ("wrap ends monday 04:00", utc(2026, 11, 30, 3, 0), False),
    ("full day at 00:00", utc(2026, 11, 24, 23, 0), True),
    ("full day at 23:59", utc(2026, 11, 25, 22, 59), True),
    ("full day ends at midnight", utc(2026, 11, 25, 23, 0), False),
    ("tuesday 23:59 before full day", utc(2026, 11, 24, 22, 59), False),
]


@pytest.mark.parametrize(("label", "at", "expected"), CASES, ids=[c[0] for c in CASES])
def test_is_open_weekly_rules(label, at, expected):
    assert PARIS.is_open(at) is expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 11, 23, 9, 30), utc(2026, 11, 23, 11, 0)),  # to lunch
        (utc(2026, 11, 23, 11, 30), utc(2026, 11, 23, 12, 0)),  # back from lunch
        (utc(2026, 11, 23, 16, 0), utc(2026, 11, 24, 23, 0)),  # to Wednesday's full day
        (utc(2026, 11, 25, 12, 0), utc(2026, 11, 25, 23, 0)),  # end of the full day
        (utc(2026, 11, 28, 0, 0), utc(2026, 11, 28, 1, 0)),  # end of Friday's tail
    ],
)
def test_next_change(at, expected):
    assert PARIS.next_change(at) == expected
    assert PARIS.next_change(at).tzinfo is UTC


def test_next_open_and_close_return_at_when_already_there():
    open_at, closed_at = utc(2026, 11, 23, 9, 0), utc(2026, 11, 23, 11, 30)
    assert PARIS.next_open(open_at) == open_at
    assert PARIS.next_close(closed_at) == closed_at
    assert PARIS.next_open(closed_at) == utc(2026, 11, 23, 12, 0)
    assert PARIS.next_close(open_at) == utc(2026, 11, 23, 11, 0)


def test_periods_clip_to_window_and_return_plain_tuples():
    periods = PARIS.periods(utc(2026, 11, 23, 9, 0), utc(2026, 11, 23, 14, 0))
    assert periods == [
        (utc(2026, 11, 23, 9, 0), utc(2026, 11, 23, 11, 0)),
        (utc(2026, 11, 23, 12, 0), utc(2026, 11, 23, 14, 0)),
    ]
    assert all(type(p) is tuple for p in periods)


FRIDAY, SATURDAY = date(2026, 11, 27), date(2026, 11, 28)


def test_exception_on_start_day_removes_the_overnight_tail():
    hours = OpeningHours("Europe/Paris", weekly=PARIS.weekly, exceptions={FRIDAY: []})
    assert not hours.is_open(utc(2026, 11, 27, 21, 30))
    assert not hours.is_open(utc(2026, 11, 28, 0, 30))
    assert hours.closed_by_exception(utc(2026, 11, 28, 0, 30))


def test_exception_on_end_day_keeps_the_previous_tail():
    hours = OpeningHours("Europe/Paris", weekly=PARIS.weekly, exceptions={SATURDAY: []})
    assert hours.is_open(utc(2026, 11, 28, 0, 30))
    assert not hours.is_open(utc(2026, 11, 28, 1, 0))


def test_exception_with_its_own_ranges_replaces_the_weekday():
    monday = date(2026, 11, 23)
    hours = OpeningHours(
        "Europe/Paris", weekly=PARIS.weekly, exceptions={monday: [r("10:00", "11:00")]}
    )
    assert not hours.is_open(utc(2026, 11, 23, 8, 30))
    assert hours.is_open(utc(2026, 11, 23, 9, 30))
    assert hours.closed_by_exception(utc(2026, 11, 23, 13, 0))
    assert not PARIS.closed_by_exception(utc(2026, 11, 23, 11, 30))


def test_yearly_exception_recurs_and_dated_one_wins():
    weekdays = {d: [r("09:00", "17:00")] for d in range(7)}
    hours = OpeningHours(
        "Europe/Paris",
        weekly=weekdays,
        exceptions={date(2027, 12, 25): [r("10:00", "11:00")]},
        yearly={(12, 25): []},
    )
    assert not hours.is_open(utc(2026, 12, 25, 9, 30))
    assert not hours.is_open(utc(2030, 12, 25, 9, 30))
    assert hours.is_open(utc(2027, 12, 25, 9, 30))  # the dated exception wins in 2027
    assert hours.is_open(utc(2026, 12, 24, 9, 30))


@pytest.mark.parametrize(
    ("zone", "at", "expected"),
    [
        # Monday 09:00-17:00 local. Kiritimati is UTC+14: Sunday 19:00 UTC is Monday 09:00.
        ("Pacific/Kiritimati", utc(2026, 11, 22, 19, 0), True),
        ("Pacific/Kiritimati", utc(2026, 11, 23, 9, 0), False),  # Monday 23:00 there
        # Pago Pago is UTC-11: Monday 20:00 UTC is Monday 09:00; Tuesday 03:59 UTC is 16:59.
        ("Pacific/Pago_Pago", utc(2026, 11, 23, 19, 59), False),
        ("Pacific/Pago_Pago", utc(2026, 11, 23, 20, 0), True),
        ("Pacific/Pago_Pago", utc(2026, 11, 24, 3, 59), True),
        ("Asia/Kolkata", utc(2026, 11, 23, 3, 29), False),  # +05:30
        ("Asia/Kolkata", utc(2026, 11, 23, 3, 30), True),
        ("Asia/Kathmandu", utc(2026, 11, 23, 3, 14), False),  # +05:45
        ("Asia/Kathmandu", utc(2026, 11, 23, 3, 15), True),
        ("Asia/Kathmandu", utc(2026, 11, 23, 11, 15), False),
    ],
)
def test_weekday_and_time_come_from_the_schedule_zone(zone, at, expected):
    hours = OpeningHours(zone, weekly={0: [r("09:00", "17:00")]})
    assert hours.is_open(at) is expected


def test_any_aware_input_offset_gives_the_same_answer():
    at = utc(2026, 11, 23, 8, 0)
    tokyo = at.astimezone(timezone(timedelta(hours=9)))
    assert PARIS.is_open(tokyo) is PARIS.is_open(at) is True


# --- DST: Europe/Paris springs forward 2026-03-29 02:00->03:00 (01:00 UTC) and
# falls back 2026-10-25 03:00->02:00 (01:00 UTC). Sydney (southern hemisphere)
# falls back 2026-04-05 03:00->02:00 (16:00 UTC on the 4th) and springs forward
# 2026-10-04 02:00->03:00 (16:00 UTC on the 3rd). New York springs forward
# 2026-03-08 02:00->03:00 (07:00 UTC) and falls back 2026-11-01 02:00->01:00 (06:00 UTC).
def test_range_opening_in_skipped_hour_opens_at_first_existing_time():
    hours = OpeningHours("Europe/Paris", weekly={6: [r("02:30", "05:00")]})
    assert hours.next_open(utc(2026, 3, 28, 12, 0)) == utc(2026, 3, 29, 1, 0)  # 03:00 CEST
    assert not hours.is_open(utc(2026, 3, 29, 0, 59))
    assert hours.next_close(utc(2026, 3, 29, 1, 0)) == utc(2026, 3, 29, 3, 0)


def test_range_inside_skipped_hour_is_never_open():
    hours = OpeningHours("Europe/Paris", weekly={6: [r("02:15", "02:45")]})
    day = hours.periods(utc(2026, 3, 28, 12, 0), utc(2026, 3, 30, 0, 0))
    assert day == []
    # the next Sunday has the hour again
    assert hours.next_open(utc(2026, 3, 28, 12, 0)) == utc(2026, 4, 5, 0, 15)


def test_fall_back_closes_and_reopens_by_wall_clock():
    hours = OpeningHours("Europe/Paris", weekly={6: [r("00:00", "02:30")]})
    periods = hours.periods(utc(2026, 10, 24, 12, 0), utc(2026, 10, 26, 0, 0))
    assert periods == [
        (utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 0, 30)),  # 00:00-02:30 CEST
        (utc(2026, 10, 25, 1, 0), utc(2026, 10, 25, 1, 30)),  # 02:00-02:30 CET again
    ]
    assert hours.next_change(utc(2026, 10, 25, 0, 45)) == utc(2026, 10, 25, 1, 0)


def test_southern_hemisphere_fall_back_and_spring_forward():
    hours = OpeningHours("Australia/Sydney", weekly={6: [r("02:00", "02:30")]})
    april = hours.periods(utc(2026, 4, 4, 0, 0), utc(2026, 4, 6, 0, 0))
    assert april == [
        (utc(2026, 4, 4, 15, 0), utc(2026, 4, 4, 15, 30)),  # AEDT pass (+11)
        (utc(2026, 4, 4, 16, 0), utc(2026, 4, 4, 16, 30)),  # AEST pass (+10)
    ]
    october = hours.periods(utc(2026, 10, 3, 0, 0), utc(2026, 10, 5, 0, 0))
    assert october == []  # 02:00-02:30 does not exist on 4 October


def test_new_york_spring_forward_day_is_an_hour_shorter():
    hours = OpeningHours("America/New_York", weekly={6: [r("00:00", "00:00")]})
    (period,) = hours.periods(utc(2026, 3, 7, 0, 0), utc(2026, 3, 10, 0, 0))
    assert period == (utc(2026, 3, 8, 5, 0), utc(2026, 3, 9, 4, 0))
    assert period[1] - period[0] == timedelta(hours=23)


def test_always_closed_schedule():
    hours = OpeningHours("Europe/Paris", weekly={})
    at = utc(2026, 11, 23, 10, 0)
    assert hours.always_closed
    assert not hours.is_open(at)
    assert hours.next_change(at) is None
    assert hours.next_open(at) is None
    assert hours.next_close(at) == at
    assert hours.periods(at, at + timedelta(days=30)) == []


def test_search_stops_after_400_days():
    at = utc(2026, 1, 1, 0, 0)
    near = OpeningHours("UTC", exceptions={date(2027, 2, 1): [r("09:00", "10:00")]})
    far = OpeningHours("UTC", exceptions={date(2027, 3, 1): [r("09:00", "10:00")]})
    assert near.next_open(at) == utc(2027, 2, 1, 9, 0)  # 396 days ahead
    assert far.next_open(at) is None  # 424 days ahead
    always = OpeningHours("UTC", weekly={d: [r("00:00", "00:00")] for d in range(7)})
    assert always.next_change(at) is None
    assert always.next_close(at) is None


@pytest.mark.parametrize("method", ["is_open", "next_change", "next_open", "next_close"])
def test_naive_datetimes_are_refused(method):
    with pytest.raises(ValueError, match="aware"):
        getattr(PARIS, method)(datetime(2026, 11, 23, 9, 0))


def test_naive_period_bounds_are_refused():
    with pytest.raises(ValueError, match="start must be an aware"):
        PARIS.periods(datetime(2026, 11, 23), utc(2026, 11, 24))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"zone": "Mars/Olympus_Mons"}, "unknown time zone 'Mars/Olympus_Mons'"),
        ({"weekly": {7: [r("09:00", "10:00")]}}, "weekday 7 is outside 0"),
        ({"weekly": {-1: []}}, "weekday -1 is outside 0"),
        (
            {"weekly": {1: [r("09:00", "12:00"), r("11:00", "13:00")]}},
            "ranges 09:00-12:00 and 11:00-13:00 overlap on Tuesday",
        ),
        (
            {"weekly": {4: [r("22:00", "02:00"), r("23:00", "23:30")]}},
            "ranges 22:00-02:00 and 23:00-23:30 overlap on Friday",
        ),
        (
            {"exceptions": {date(2026, 12, 24): [r("09:00", "12:00"), r("10:00", "11:00")]}},
            "overlap on 2026-12-24",
        ),
        ({"yearly": {(2, 30): []}}, "not a \\(month, day\\) pair"),
    ],
)
def test_invalid_schedules_are_refused_with_a_message_naming_the_problem(kwargs, message):
    zone = kwargs.pop("zone", "Europe/Paris")
    with pytest.raises(ValueError, match=message):
        OpeningHours(zone, **kwargs)


def hourly(count: int) -> list[Range]:
    """``count`` adjacent one-hour ranges from 00:00."""
    return [Range(time(h), time(h + 1)) for h in range(count)]


@pytest.mark.parametrize(
    ("zone", "message"),
    [
        ("localtime", "time zone 'localtime' depends on the host"),
        ("posixrules", "time zone 'posixrules' depends on the host"),
        ("Factory", "time zone 'Factory' depends on the host"),
        ("posix/Europe/Paris", "unknown time zone 'posix/Europe/Paris'"),
        ("right/Europe/Paris", "unknown time zone 'right/Europe/Paris'"),
    ],
)
def test_zones_that_depend_on_the_host_are_refused(zone, message):
    with pytest.raises(ValueError, match=message):
        OpeningHours(zone)


def test_a_zoneinfo_object_of_a_refused_zone_is_refused_too():
    from zoneinfo import ZoneInfo

    with pytest.raises(ValueError, match="'localtime' depends on the host"):
        OpeningHours(ZoneInfo("localtime"))
    assert OpeningHours(ZoneInfo("America/New_York")).zone.key == "America/New_York"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekly": {2: hourly(13)}}, "Wednesday has 13 ranges; at most 12 per day"),
        (
            {"exceptions": {date(2026, 12, 24): hourly(13)}},
            "2026-12-24 has 13 ranges; at most 12 per day",
        ),
        ({"yearly": {(12, 25): hourly(13)}}, "every 25/12 has 13 ranges; at most 12 per day"),
        (
            {
                "exceptions": {date(2026, 1, 1) + timedelta(days=n): [] for n in range(990)},
                "yearly": {(1, d): [] for d in range(1, 12)},
            },
            "1001 exceptions; at most 1000 per schedule",
        ),
    ],
)
def test_schedules_are_bounded_so_no_state_costs_a_second(kwargs, message):
    with pytest.raises(ValueError, match=message):
        OpeningHours("Europe/Paris", **kwargs)


def test_the_largest_allowed_schedule_is_accepted():
    days = {date(2026, 1, 1) + timedelta(days=n): hourly(12) for n in range(1000)}
    hours = OpeningHours("Europe/Paris", weekly={d: hourly(12) for d in range(7)}, exceptions=days)
    assert hours.is_open(utc(2026, 1, 1, 10, 30))  # 11:30 in Paris


def test_range_must_be_whole_minutes():
    with pytest.raises(ValueError, match="whole minute"):
        Range(time(9, 0, 30), time(10))


def test_adjacent_ranges_do_not_overlap():
    assert len(check_day([r("13:00", "17:00"), r("09:00", "13:00")])) == 2


def test_engine_never_imports_django():
    code = "import sys, chatgate.availability; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("method", "at"),
    [("next_change", utc(9999, 12, 30)), ("is_open", datetime(1, 1, 1, tzinfo=UTC))],
)
def test_instants_near_the_ends_of_the_calendar_are_refused(method, at):
    with pytest.raises(ValueError, match="at must be between 0001-01-03 and 9998-01-01"):
        getattr(PARIS, method)(at)


def test_a_search_from_the_last_accepted_day_may_look_past_it():
    # Friday 2 January 9998, 22:00 in Paris: the night shift
    assert PARIS.next_open(utc(9997, 12, 31, 23, 59)) == utc(9998, 1, 2, 21, 0)
