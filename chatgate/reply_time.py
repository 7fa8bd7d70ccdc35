"""Expected reply time: how long visitors typically wait for an agent's first reply.

Guarantees:

- **Open hours only.** A wait counts the time its department's hours (else the
  widget's) were open between the chat's start and the first agent message: a
  chat started at 17:55 on Friday and answered at 09:05 on Monday, with hours
  ending at 18:00 and starting at 09:00, waited 10 minutes. Without a schedule
  every minute counts.
- **A median, or nothing.** Over the chats started in the last 7 days, when at
  least ``MINIMUM`` of them had a reply; else ``None``.
- **Never on the hot path.** ``refresh`` (run by ``chatgate_tick``) stores each
  widget's figure on its row; the state carries it from the widget's snapshot,
  which is replaced only when a figure actually changes.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from django.db.models import Min, Q
from django.utils.translation import gettext_lazy as _

from . import cached, clock
from .availability import OpeningHours
from .models import Conversation, Message, Widget

WINDOW = timedelta(days=7)
MINIMUM = 5

#: What the widget says for a typical wait up to so many seconds (the last one: any longer).
WORDS = (
    (180, _("Typically replies in a few minutes")),
    (900, _("Typically replies within 15 minutes")),
    (3600, _("Typically replies within an hour")),
    (4 * 3600, _("Typically replies within a few hours")),
    (None, _("Typically replies within a day")),
)


def words(seconds: int | None) -> str:
    """The typical wait in words, in the active language; "" when it is not known."""
    if seconds is None:
        return ""
    return str(next(text for limit, text in WORDS if limit is None or seconds <= limit))


def open_seconds(hours: OpeningHours | None, start: datetime, end: datetime) -> float:
    """Seconds of ``[start, end)`` that ``hours`` were open (all of them without hours)."""
    if end <= start:
        return 0.0
    if hours is None:
        return (end - start).total_seconds()
    return sum((b - a).total_seconds() for a, b in hours.periods(start, end))


def typical_reply_seconds(widget: Widget, *, at: datetime) -> int | None:
    """The median open-hours wait for a first reply over the 7 days before ``at``."""
    replied = (
        Conversation.objects.filter(widget=widget, started_at__gte=at - WINDOW, started_at__lt=at)
        .annotate(
            first_reply=Min("messages__created_at", filter=Q(messages__author=Message.Author.AGENT))
        )
        .exclude(first_reply=None)
        .select_related("department__schedule", "widget__schedule")
        .prefetch_related(*_schedule_parts("department__"), *_schedule_parts("widget__"))
    )
    shared: dict[int, OpeningHours] = {}  # each schedule's hours built once
    waits = [open_seconds(_hours(c, shared), c.started_at, c.first_reply) for c in replied]
    if len(waits) < MINIMUM:
        return None
    return round(statistics.median(waits))


def _schedule_parts(prefix: str) -> list[str]:
    return [f"{prefix}schedule__weekly_ranges", f"{prefix}schedule__exceptions"]


def _hours(conversation: Conversation, shared: dict[int, OpeningHours]) -> OpeningHours | None:
    schedule = (conversation.department and conversation.department.schedule) or (
        conversation.widget.schedule
    )
    if schedule is None:
        return None
    if schedule.pk not in shared:
        shared[schedule.pk] = schedule.to_hours()
    return shared[schedule.pk]


def refresh(*, at: datetime | None = None) -> int:
    """Store every widget's figure; returns how many changed (their snapshots are replaced)."""
    at = at or clock.now()
    changed = 0
    for widget in Widget.objects.all():
        seconds = typical_reply_seconds(widget, at=at)
        if seconds != widget.typical_reply_seconds:
            Widget.objects.filter(pk=widget.pk).update(typical_reply_seconds=seconds)
            changed += 1
    if changed:
        cached.invalidate()
    return changed
