"""Benchmark: how fast chatgate answers "can a visitor reach a human now?".

Prints figures and writes benchmarks/report.txt. Run with `make bench`.
Absolute numbers drift between machines: compare figures from one run.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def timed(label: str, fn, *, repeat: int) -> str:
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        samples.append((time.perf_counter() - start) / repeat)
    best, median = min(samples), statistics.median(samples)
    return f"{label:<58} best {best * 1e6:9.1f} µs   median {median * 1e6:9.1f} µs"


def engine_figures() -> list[str]:
    from chatgate.availability import OpeningHours, Range

    at = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    weekly = {
        d: [Range(clock_time(9), clock_time(12)), Range(clock_time(13), clock_time(17))]
        for d in range(5)
    }
    paris = OpeningHours("Europe/Paris", weekly=weekly)
    closed = OpeningHours("Europe/Paris", weekly={})
    return [
        timed("engine: is_open (lunch-break schedule)", lambda: paris.is_open(at), repeat=20000),
        timed(
            "engine: next_change (lunch-break schedule)", lambda: paris.next_change(at), repeat=2000
        ),
        timed(
            "engine: next_change, always closed (400-day search)",
            lambda: closed.next_change(at),
            repeat=20,
        ),
        timed(
            "engine: periods over 30 days",
            lambda: paris.periods(at, at + timedelta(days=30)),
            repeat=200,
        ),
    ]


def worst_day():
    """12 ranges, the most a day may hold: a 24-hour range from 12:00 and 11 ranges inside the
    previous day's, so that nothing changes for 400 days and a search must look at them all."""
    from chatgate.availability import Range

    return [Range(clock_time(12), clock_time(12))] + [
        Range(clock_time(h), clock_time(h, 30)) for h in range(11)
    ]


def worst_hours_kwargs(first: datetime) -> dict:
    """The largest schedule the engine accepts: 12 ranges every day, 1,000 exceptions of 12."""
    day = worst_day()
    start = first.date()
    return {
        "weekly": dict.fromkeys(range(7), day),
        "exceptions": {start + timedelta(days=n): day for n in range(1000)},
    }


def worst_figures() -> list[str]:
    """What the worst allowed schedule costs (bounds in docs/decisions.md)."""
    from chatgate.availability import OpeningHours

    at = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    worst = OpeningHours("Europe/Paris", **worst_hours_kwargs(at))

    def one_state() -> None:  # what resolve() asks of a schedule for one state
        worst.is_open(at)
        worst.next_close(at)
        worst.next_change(at)

    return [
        timed(
            "engine: build the worst allowed schedule",
            lambda: OpeningHours("Europe/Paris", **worst_hours_kwargs(at)),
            repeat=5,
        ),
        timed("engine: one state's searches, worst allowed schedule", one_state, repeat=20),
    ]


def service_figures() -> list[str]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from chatgate import services

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    call_command("chatgate_demo", "--password", "bench", stdout=open(os.devnull, "w"))  # noqa: SIM115
    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with CaptureQueriesContext(connection) as cold:
        services.load_widget_config("default")
    client = Client()
    worst_widget(at)
    lines = [
        f"{'services: queries to build a snapshot (cold)':<58} {len(cold)}",
        timed(
            "services: widget_state, snapshot cached",
            lambda: services.widget_state("default", at=at),
            repeat=500,
        ),
        timed(
            "services: load_widget_config (cold, SQLite)",
            lambda: services.load_widget_config("default"),
            repeat=100,
        ),
        timed(
            "services: widget_state, worst allowed schedule, cached",
            lambda: services.widget_state("worst", at=at),
            repeat=50,
        ),
        timed(
            "HTTP: GET state through Django's test client",
            lambda: client.get("/chatgate/api/widgets/default/state/"),
            repeat=300,
        ),
    ]
    return lines


def worst_widget(at: datetime) -> None:
    """A widget whose only department and itself use the worst allowed schedule."""
    from chatgate.models import Department, Schedule, ScheduleException, WeeklyRange, Widget

    schedule = Schedule.objects.create(name="Worst", timezone="Europe/Paris")
    kwargs = worst_hours_kwargs(at)
    WeeklyRange.objects.bulk_create(
        WeeklyRange(schedule=schedule, weekday=d, opens=r.opens, closes=r.closes)
        for d, ranges in kwargs["weekly"].items()
        for r in ranges
    )
    ScheduleException.objects.bulk_create(
        ScheduleException(
            schedule=schedule,
            date=day,
            ranges=[{"opens": f"{r.opens:%H:%M}", "closes": f"{r.closes:%H:%M}"} for r in ranges],
        )
        for day, ranges in kwargs["exceptions"].items()
    )
    department = Department.objects.create(slug="worst", name="Worst", schedule=schedule)
    widget = Widget.objects.create(slug="worst", name="Worst", schedule=schedule)
    widget.departments.set([department])


def main() -> None:
    lines = [
        f"chatgate benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {sys.version.split()[0]}",
        "",
    ]
    lines += engine_figures() + worst_figures() + service_figures()
    report = "\n".join(lines)
    print(report)
    (ROOT / "benchmarks" / "report.txt").write_text(report + "\n")


if __name__ == "__main__":
    main()
