"""chatgate's shared cache, used so that its failure never reaches a page.

Every read and write of the cache (Redis in production, ``CHATGATE_CACHE``)
goes through this module. When the cache cannot be reached, or does not answer
within its socket timeout, reads miss, writes report ``False``, the failure is
logged, and this process leaves the cache alone for ``RETRY_SECONDS``: a frozen
Redis costs each process one timeout, not one per request. Callers fall back
to the database.

Configuration snapshots live here too. They are cached under a version token
that every change replaces; while the cache is unreachable there is no version,
and every snapshot is read from the database.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import transaction

from .conf import app_settings, cache

logger = logging.getLogger("chatgate")
T = TypeVar("T")

RETRY_SECONDS = 5.0
VERSION_KEY = "chatgate:config-version"
LOCAL_LIMIT = 256

_MISSING = object()
_lock = threading.Lock()
_down_until = 0.0  # time.monotonic() before which this process does not try the cache
_failed = False  # a failure happened; the next success must forget what this process kept
_pending_bump = False  # a version change could not be written; write it once the cache is back
_local: dict[str, Any] = {}  # this process's copies of snapshots, keyed by versioned key


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
    global _down_until, _failed, _pending_bump
    with _lock:
        _down_until, _failed, _pending_bump = 0.0, False, False
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
    global _failed, _pending_bump
    if _pending_bump:
        token = uuid.uuid4().hex
        if _attempt(cache().set, VERSION_KEY, token, timeout=None) is _MISSING:
            return False
    with _lock:
        _failed = _pending_bump = False
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


# Configuration versions and snapshots


def bump_version() -> None:
    """Invalidate every cached configuration snapshot (called on any configuration change)."""
    global _pending_bump
    if not set(VERSION_KEY, uuid.uuid4().hex, timeout=None):
        _pending_bump = True  # written by _recover() when the cache is back


def invalidate() -> None:
    """Replace the version now (this transaction sees its change) and again after commit.

    The second replacement matters: another process that read the first version
    before the commit may have cached the old rows under it.
    """
    bump_version()
    transaction.on_commit(bump_version)


def version() -> str | None:
    """A random token, new after every change and after the cache lost it: never reused.

    ``None`` when the cache is unreachable: nothing cached can then be trusted.
    """
    current = get(VERSION_KEY)
    if current is None and add(VERSION_KEY, uuid.uuid4().hex, timeout=None) is not None:
        current = get(VERSION_KEY)
    return current


def snapshot(name: str, load: Callable[[], T], version_token: str | None = None) -> T:
    """A configuration snapshot from this process, the shared cache, or ``load()``.

    The version comes from the shared cache on every state, so a change made
    through any process invalidates every process's copy at once. Without a
    version (the cache is unreachable) the snapshot is loaded afresh.
    """
    token = version_token or version()
    if token is None:
        return load()
    key = f"chatgate:{name}:{token}"
    value = _local.get(key)
    if value is None:
        value = get(key)
        if value is None:
            value = load()
            set(key, value, timeout=app_settings.SNAPSHOT_TIMEOUT)
        if len(_local) > LOCAL_LIMIT:
            _local.clear()
        _local[key] = value
    return value
