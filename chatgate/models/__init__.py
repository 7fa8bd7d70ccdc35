"""chatgate's models, one module per room, all importable from here (``chatgate.models``).

- ``common``: choices, validators and checks the admin and the API share;
- ``schedules``: ``Schedule``, ``WeeklyRange``, ``ScheduleException``;
- ``team``: ``Department``, ``Agent`` (and ``Console``, the console's admin page);
- ``widgets``: ``Widget``, ``Form``, ``FormField``, and the labels of a state;
- ``records``: ``Ticket``, ``Conversation``, ``Message``.

Migrations name validators by this package's path (``chatgate.models.single_line``), so
they stay importable from here.
"""

from .common import (
    LINE_BREAK,
    LINE_BREAK_MESSAGE,
    WEEKDAY_CHOICES,
    choice_list,
    day_error,
    exceptions_error,
    known_zone,
    opening_hours,
    parse_ranges,
    single_line,
    weekly_errors,
)
from .records import Conversation, Message, Ticket
from .schedules import Schedule, ScheduleException, WeeklyRange
from .team import Agent, Console, Department
from .widgets import REASON_LABELS, SHOW_LABELS, STATUS_LABELS, Form, FormField, Widget

__all__ = [
    "LINE_BREAK",
    "LINE_BREAK_MESSAGE",
    "REASON_LABELS",
    "SHOW_LABELS",
    "STATUS_LABELS",
    "WEEKDAY_CHOICES",
    "Agent",
    "Console",
    "Conversation",
    "Department",
    "Form",
    "FormField",
    "Message",
    "Schedule",
    "ScheduleException",
    "Ticket",
    "WeeklyRange",
    "Widget",
    "choice_list",
    "day_error",
    "exceptions_error",
    "known_zone",
    "opening_hours",
    "parse_ranges",
    "single_line",
    "weekly_errors",
]
