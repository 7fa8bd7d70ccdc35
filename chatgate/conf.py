"""chatgate's settings: flat ``CHATGATE_*`` names, defaults here, read lazily.

``app_settings.PRESENCE_TIMEOUT`` reads ``settings.CHATGATE_PRESENCE_TIMEOUT``
at access time, so ``override_settings`` works; nothing is read at import.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Seconds without a heartbeat after which online/away agents count as offline.
    "PRESENCE_TIMEOUT": 60,
    # Seconds between the widget's polls for presence changes.
    "POLL_SECONDS": 30,
    # Upper bound of the state endpoint's Cache-Control max-age, in seconds.
    "STATE_MAX_AGE": 10,
    # Accepted ticket submissions and chat starts per client and fixed window ("10/hour").
    "TICKET_RATE": "10/hour",
    # Proxies in front of Django that append to X-Forwarded-For; None trusts REMOTE_ADDR only.
    "NUM_PROXIES": None,
    # Sender of the ticket notifications; None uses DEFAULT_FROM_EMAIL.
    "FROM_EMAIL": None,
    # Dotted path of a callable returning the current aware datetime (tests inject a clock).
    "CLOCK": "django.utils.timezone.now",
    # Alias of the cache that holds presence and snapshots; shared by every process in production.
    "CACHE": "default",
    # Alias in TASKS of the task backend that sends notifications outside the request.
    "TASK_BACKEND": "default",
    # Seconds the configuration snapshot of a widget stays cached (presence is always fresh).
    "SNAPSHOT_TIMEOUT": 300,
    # poll_after of a waiting or active chat: messages reach the other side within this + 1 s.
    "CHAT_POLL_SECONDS": 2,
    # Messages a visitor may send per conversation and fixed window ("30/minute"); None: no limit.
    "MESSAGE_RATE": "30/minute",
}


class AppSettings:
    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown chatgate setting {name!r}")
        return getattr(settings, f"CHATGATE_{name}", DEFAULTS[name])


app_settings = AppSettings()


def cache():
    """The cache that holds presence, throttles and snapshots (``CHATGATE_CACHE``)."""
    from django.core.cache import caches

    return caches[app_settings.CACHE]
