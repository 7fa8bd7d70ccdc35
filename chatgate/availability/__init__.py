"""The availability engine: pure functions and frozen dataclasses, standard library only.

Nothing here imports Django; ``chatgate.services`` builds the snapshots from
the database and the cache, and every caller passes the instant explicitly.
"""

from __future__ import annotations

from .hours import (
    HOST_ZONES,
    MAX_EXCEPTIONS,
    MAX_RANGES_PER_DAY,
    SEARCH_DAYS,
    WEEKDAYS,
    OpeningHours,
    Range,
    check_day,
    find_overlap,
    known_zones,
    load_zone,
)
from .presence import AWAY, INVISIBLE, OFFLINE, ONLINE, STATUSES, AgentSnapshot, Availability
from .state import (
    DepartmentConfig,
    DepartmentState,
    FormDefinition,
    FormFieldDefinition,
    WidgetConfig,
    WidgetState,
    resolve,
)

__all__ = [
    "AWAY",
    "HOST_ZONES",
    "INVISIBLE",
    "MAX_EXCEPTIONS",
    "MAX_RANGES_PER_DAY",
    "OFFLINE",
    "ONLINE",
    "SEARCH_DAYS",
    "STATUSES",
    "WEEKDAYS",
    "AgentSnapshot",
    "Availability",
    "DepartmentConfig",
    "DepartmentState",
    "FormDefinition",
    "FormFieldDefinition",
    "OpeningHours",
    "Range",
    "WidgetConfig",
    "WidgetState",
    "check_day",
    "find_overlap",
    "known_zones",
    "load_zone",
    "resolve",
]
