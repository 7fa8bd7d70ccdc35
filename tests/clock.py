"""An injectable clock for tests: ``CHATGATE_CLOCK = "tests.clock.now"``."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

_now: datetime | None = None


def now() -> datetime:
    return _now or timezone.now()


def set_now(value: datetime | None) -> None:
    global _now
    if value is not None and value.tzinfo is None:
        raise ValueError("the test clock takes aware instants")
    _now = value
