from __future__ import annotations

from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand
from django.utils import timezone

from chatgate import clock, services


class Command(BaseCommand):
    help = "Print the state of every widget and department: status, reason, what visitors see, next change."

    def handle(self, *args, **options) -> None:
        rows = services.all_widget_states(at=clock.now())
        if not rows:
            self.stdout.write("No widget is configured.")
        for widget, state in rows:
            self.stdout.write(
                f"{widget.slug:<16} {state.status:<8} {state.reason:<14} show={state.show:<13} "
                f"next change: {_when(state.valid_until, state.timezone)}"
            )
            for department in state.departments:
                when = department.opens_at or department.closes_at
                verb = "opens" if department.opens_at else "closes" if department.closes_at else ""
                self.stdout.write(
                    f"  - {department.slug:<12} {department.status:<8} {department.reason:<14} "
                    f"{verb} {_when(when, state.timezone) if when else ''}".rstrip()
                )


def _when(value, zone: str) -> str:
    if value is None:
        return "-"
    return timezone.localtime(value, timezone=ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M %Z")
