"""Visitors' POSTs, counted per client in chatgate's cache: at most ``CHATGATE_TICKET_RATE``.

Guarantees:

- **The client is the address the site vouches for.** ``REMOTE_ADDR``, unless
  ``CHATGATE_NUM_PROXIES`` says how many proxies in front of Django append to
  ``X-Forwarded-For``; then the address the outermost of them saw. A header the
  site did not vouch for is never believed (a visitor can write anything in
  it); seeing one is recorded for the system check ``chatgate.W005``. IPv6
  clients are counted per /64, the block one subscriber gets.
- **The count is atomic.** One counter per client and fixed window, created
  with ``cache.add`` and raised with ``cache.incr`` (atomic in Redis, Memcached
  and the local-memory cache), so concurrent requests never get past the limit.
- **Only accepted requests use quota.** A request takes one unit before the
  view runs; a view with ``RefundsQuota`` gives it back when it answers with a
  status in ``refund_statuses`` (400: the visitor's input was refused; 503:
  chatgate could not take it).
- **A refused request says when to come back**: DRF's 429 carries
  ``Retry-After``, the seconds until the window ends.
- **An unreachable cache lets visitors through** (``chatgate.store``): a lost
  message is worse than a missed limit.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import math

from rest_framework.throttling import BaseThrottle

from .. import clock, store
from ..conf import app_settings, cache

logger = logging.getLogger(__name__)
#: Set (for 30 days) when a request carried X-Forwarded-For and CHATGATE_NUM_PROXIES is unset.
UNTRUSTED_FORWARDED_KEY = "chatgate:untrusted-forwarded-for"
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/hour"`` as ``(10, 3600)``: DRF's syntax (s, m, h, d and words starting so)."""
    number, period = rate.split("/")
    return int(number), _PERIODS[period.strip()[0]]


def client_ident(request) -> str:
    """The client's address as the site vouches for it; an IPv6 address as its /64."""
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    proxies = app_settings.NUM_PROXIES
    address = remote
    if forwarded and proxies is None:
        _record_untrusted_header()
    elif forwarded and proxies:
        hops = [hop.strip() for hop in forwarded.split(",")]
        address = hops[-min(proxies, len(hops))]
    return _network(address) or _network(remote) or "unknown"


def _network(address: str) -> str | None:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _record_untrusted_header() -> None:
    """Note, once per 30 days of the shared cache, that a header went unbelieved."""
    if store.call(cache().add, UNTRUSTED_FORWARDED_KEY, True, timeout=30 * 86400, default=False):
        logger.warning(
            "chatgate: a request carried X-Forwarded-For but CHATGATE_NUM_PROXIES is unset; "
            "visitors are throttled by REMOTE_ADDR. Behind a proxy, set CHATGATE_NUM_PROXIES."
        )


class VisitorRateThrottle(BaseThrottle):
    """A fixed-window counter per client; reusable by any visitor endpoint (same quota)."""

    scope = "visitor"

    def allow_request(self, request, view) -> bool:
        if app_settings.TICKET_RATE is None:
            return True
        limit, period = parse_rate(app_settings.TICKET_RATE)
        now = clock.now().timestamp()
        window = math.floor(now / period)
        self.retry_after = (window + 1) * period - now
        key = f"chatgate:throttle:{self.scope}:{client_ident(request)}:{window}"
        count = store.call(_increment, key, timeout=period + 60)
        if count is None:  # the cache is unreachable: let the visitor through
            return True
        if count > limit:
            _decrement(key)  # a refused request uses no quota either
            return False
        request._chatgate_quota = getattr(request, "_chatgate_quota", []) + [key]
        return True

    def wait(self) -> float:
        return self.retry_after


def _increment(key: str, *, timeout: int) -> int:
    """The counter after adding one; created at 0 when missing (or evicted meanwhile).

    The timeout outlives the window by a minute, so the counter cannot expire
    between ``add`` and ``incr`` while its window is still the current one.
    """
    counters = cache()
    for _attempt in range(2):
        counters.add(key, 0, timeout=timeout)
        try:
            return counters.incr(key)
        except ValueError:  # evicted between add and incr
            continue
    return 1


def refund(request) -> None:
    """Give back the units this request took (its input was refused)."""
    for key in getattr(request, "_chatgate_quota", []):
        _decrement(key)
    request._chatgate_quota = []


def _decrement(key: str) -> None:
    with contextlib.suppress(ValueError):  # the counter expired meanwhile: nothing to give back
        store.call(cache().decr, key)


class RefundsQuota:
    """View mixin: responses with a status in ``refund_statuses`` do not use the visitor's quota."""

    refund_statuses = frozenset({400, 503})

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code in self.refund_statuses:
            refund(request)
        return response
