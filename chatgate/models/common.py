"""What the models share: choices, single-line and time-zone validators, the checks of ranges
that both the admin and the API run, and a schedule's rows read into the engine's hours."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, time

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..availability import (
    HOST_ZONES,
    MAX_EXCEPTIONS,
    MAX_RANGES_PER_DAY,
    OpeningHours,
    Range,
    find_overlap,
    known_zones,
)

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


#: What ``str.splitlines`` splits on: any of these starts a new line somewhere.
LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
LINE_BREAK_MESSAGE = _("Line breaks are not allowed in this field.")


def single_line(value: str) -> None:
    """Validator of texts that end up in email headers (widget and department names)."""
    if LINE_BREAK.search(value or ""):
        raise ValidationError(LINE_BREAK_MESSAGE, code="line_break")


def choice_list(text: str) -> tuple[str, ...]:
    """The options of a choice field, written one per line."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def parse_ranges(value) -> list[Range]:
    """``[{"opens": "09:00", "closes": "12:00"}, ...]`` as engine ranges; ValidationError if not."""
    if not isinstance(value, list):
        raise ValidationError(_("Ranges must be a list of opening and closing times."))
    ranges = []
    for item in value:
        try:
            ranges.append(
                Range(time.fromisoformat(item["opens"]), time.fromisoformat(item["closes"]))
            )
        except (TypeError, KeyError, ValueError):
            raise ValidationError(
                _("%(item)s is not a range like {'opens': '09:00', 'closes': '12:00'}."),
                params={"item": item},
            ) from None
    return ranges


def known_zone(value) -> None:
    """Validator: an IANA name of the time zone database, the same on every host."""
    key = getattr(value, "key", None) or str(value)
    if key in HOST_ZONES:
        raise ValidationError(
            _("The time zone “%(zone)s” depends on the server; choose one such as Europe/Paris."),
            params={"zone": key},
            code="host_zone",
        )
    if key not in known_zones():
        raise ValidationError(
            _("Unknown time zone “%(zone)s”."), params={"zone": key}, code="unknown_zone"
        )


def exceptions_error(count: int) -> ValidationError | None:
    """The translated error when a schedule would hold too many exceptions, else None."""
    if count <= MAX_EXCEPTIONS:
        return None
    return ValidationError(
        _("This schedule would have %(count)d exceptions; at most %(max)d are allowed."),
        params={"count": count, "max": MAX_EXCEPTIONS},
    )


def day_error(ranges: list[Range], label) -> ValidationError | None:
    """The staff-readable, translated error when a day has too many ranges or two of them
    overlap, else None."""
    if len(ranges) > MAX_RANGES_PER_DAY:
        return ValidationError(
            _("%(day)s has %(count)d ranges; at most %(max)d per day."),
            params={"day": label, "count": len(ranges), "max": MAX_RANGES_PER_DAY},
        )
    overlap = find_overlap(ranges)
    if overlap is None:
        return None
    first, second = overlap
    return ValidationError(
        _("The ranges %(first)s and %(second)s overlap on %(day)s."),
        params={"first": first, "second": second, "day": label},
    )


def weekly_errors(rows: Iterable[tuple[int, Range]]) -> list[ValidationError]:
    """One translated error per weekday with too many or overlapping ranges; rows are
    ``(weekday, range)``."""
    by_day: dict[int, list[Range]] = {}
    for weekday, rng in rows:
        by_day.setdefault(weekday, []).append(rng)
    names = dict(WEEKDAY_CHOICES)
    errors = (day_error(ranges, names[day]) for day, ranges in sorted(by_day.items()))
    return [error for error in errors if error]


def opening_hours(
    zone: str,
    weekly: Iterable[tuple[int, time, time]],
    exceptions: Iterable[tuple[date, bool, list]],
) -> OpeningHours:
    """The engine's hours from a schedule's rows: ``(weekday, opens, closes)`` and
    ``(date, yearly, ranges)``, in date order (a later yearly one on the same day wins)."""
    by_day: dict[int, list[Range]] = {}
    for weekday, opens, closes in weekly:
        by_day.setdefault(weekday, []).append(Range(opens, closes))
    dated, yearly = {}, {}
    for day, every_year, ranges in exceptions:
        if every_year:
            yearly[(day.month, day.day)] = parse_ranges(ranges)
        else:
            dated[day] = parse_ranges(ranges)
    return OpeningHours(zone, weekly=by_day, exceptions=dated, yearly=yearly)
