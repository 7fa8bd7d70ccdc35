"""Per-client throttle for visitors' POSTs; rate ``CHATGATE_TICKET_RATE``, counted in chatgate's cache."""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle

from .. import store
from ..conf import app_settings, cache


class VisitorRateThrottle(SimpleRateThrottle):
    scope = "chatgate_visitor"

    def __init__(self) -> None:
        self.cache = cache()
        super().__init__()

    def get_rate(self) -> str:
        return app_settings.TICKET_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view) -> bool:
        """An unreachable cache lets visitors through: a lost message is worse than a missed limit."""
        return store.call(super().allow_request, request, view, default=True)
