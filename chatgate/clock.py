"""The current instant, read only at the edges (views, tags, commands).

``CHATGATE_CLOCK`` names the callable, so a test or a demo can move time.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.module_loading import import_string

from .conf import app_settings


def now() -> datetime:
    return import_string(app_settings.CLOCK)()
