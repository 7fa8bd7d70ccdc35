"""chatgate's shared cache, used so that its failure never reaches a page.

Every read and write of the cache (Redis in production, ``CHATGATE_CACHE``)
goes through this module. When the cache cannot be reached, or does not answer
within its socket timeout, reads miss, writes report ``False``, the failure is
logged, and this process leaves the cache alone for ``RETRY_SECONDS``: a frozen
Redis costs each process one timeout, not one per request. Callers fall back
to the database.

What is cached, and when it is stale, is ``chatgate.cached``'s business; this
module only keeps the copies of this process (``local()``) and forgets them
whenever the cache failed, and writes the version tokens a change could not
write while the cache was down, before anything else, once it answers.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .conf import cache

logger = logging.getLogger("chatgate")
T = TypeVar("T")

RETRY_SECONDS = 5.0

_MISSING = object()
_lock = threading.Lock()
_down_until = 0.0  # time.monotonic() before which this process does not try the cache
_failed = False  # a failure happened; the next success must forget what this process kept
_pending_tokens: set[str] = (
    set()
)  # tokens a change could not replace; written once the cache is back
_local: dict[str, Any] = {}  # this process's copies of snapshots and state entries


def _errors() -> tuple[type[BaseException], ...]:
    """What a cache backend raises when its server is down or slow (not programming errors)."""
    errors: list[type[BaseException]] = [OSError]
    try:
        from redis.exceptions import RedisError

        errors.append(RedisError)
    except ImportError:
        pass
    try:
        from pymemcache.exceptions import MemcacheError

        errors.append(MemcacheError)
    except ImportError:
        pass
    return tuple(errors)


def call(operation: Callable[..., T], *args, default: Any = None, **kwargs) -> T | Any:
    """``operation(*args, **kwargs)``, an operation on the cache; ``default`` if it is unreachable."""
    result = _call(operation, *args, **kwargs)
    return default if result is _MISSING else result


def reset() -> None:
    """Forget this process's snapshot copies and cache failures (a test, or a new CACHES)."""
    global _down_until, _failed
    with _lock:
        _down_until, _failed = 0.0, False
        _pending_tokens.clear()
        _local.clear()


def _call(operation: Callable[..., T], *args, **kwargs) -> T | object:
    """``operation(*args)`` on the cache, or ``_MISSING`` when it is (or was just) unreachable."""
    if time.monotonic() < _down_until or (_failed and not _recover()):
        return _MISSING
    return _attempt(operation, *args, **kwargs)


def _attempt(operation: Callable[..., T], *args, **kwargs) -> T | object:
    global _down_until, _failed
    try:
        return operation(*args, **kwargs)
    except _errors() as error:
        with _lock:
            _down_until, _failed = time.monotonic() + RETRY_SECONDS, True
        logger.warning(
            "chatgate: the cache is unreachable (%s: %s); working from the database for %ss",
            type(error).__name__,
            error,
            RETRY_SECONDS,
        )
        return _MISSING


def _recover() -> bool:
    """Back after a failure? Then forget copies kept meanwhile and write a change that was lost.

    Runs before the first operation after the retry delay, so that operation
    already sees the new version.
    """
    global _failed
    if _pending_tokens:
        tokens = {key: uuid.uuid4().hex for key in _pending_tokens}
        if _attempt(cache().set_many, tokens, timeout=None) is _MISSING:
            return False
    with _lock:
        _failed = False
        _pending_tokens.clear()
        _local.clear()
    logger.warning("chatgate: the cache answers again")
    return True


def available() -> bool:
    """False while this process is leaving an unreachable cache alone."""
    return time.monotonic() >= _down_until


def get(key: str, default: Any = None) -> Any:
    value = _call(cache().get, key, _MISSING)
    return default if value is _MISSING else value


def get_many(keys: Iterable[str]) -> dict[str, Any]:
    """Found keys only; ``{}`` when the cache is unreachable."""
    values = _call(cache().get_many, list(keys))
    return {} if values is _MISSING else values


def set(key: str, value: Any, timeout: float | None = None) -> bool:
    """Whether the value was written."""
    return _call(cache().set, key, value, timeout=timeout) is not _MISSING


def set_many(values: dict[str, Any], timeout: float | None = None) -> bool:
    """Whether the values were written (in one round trip where the backend can)."""
    failed = _call(cache().set_many, values, timeout=timeout)
    return failed is not _MISSING and not failed


def add(key: str, value: Any, timeout: float | None = None) -> bool | None:
    """True if added, False if the key existed, None if the cache is unreachable."""
    added = _call(cache().add, key, value, timeout=timeout)
    return None if added is _MISSING else bool(added)


def delete(key: str) -> bool:
    return _call(cache().delete, key) is not _MISSING


def replace_tokens(keys: Iterable[str]) -> None:
    """Write a new random token under each key in one round trip; when the cache cannot be
    reached, remember them and write them before the first operation once it answers again
    (versions and generations live in ``chatgate.cached``)."""
    keys = list(keys)
    if not set_many({key: uuid.uuid4().hex for key in keys}, timeout=None):
        with _lock:
            _pending_tokens.update(keys)


def local() -> dict[str, Any]:
    """This process's copies (``chatgate.cached``), forgotten whenever the cache fails or is reset."""
    return _local
