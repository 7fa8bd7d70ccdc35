"""What chatgate keeps in its cache, and the versions that say when it is stale.

Guarantees:

- **A configuration change reaches every answer.** Any change of widgets,
  schedules, departments, forms, agents or their texts replaces the
  configuration version: every snapshot cached under the old one is ignored.
- **A change that can change a state reaches every answer within one second.**
  Configuration changes, presence changes (a status set, a heartbeat of an
  agent that had expired) and conversation changes (a chat started, accepted,
  closed or back in the queue) replace the state version: every cached state
  body goes. A body is also stale from the earliest of its ``valid_until`` and
  the next presence expiry that could change it. This process keeps a body it
  checked against the state version for at most ``LOCAL_SECONDS``, and forgets
  its copies at once when the change is made through it.
- **Versions are never reused, and a change is never lost to a race.** A
  version is a random token. A change replaces it at once (its own transaction
  sees it) and again after commit: another process may have cached the old
  rows under the first replacement. A body or snapshot is stored under the
  version read *before* its rows were read. A replacement the cache could not
  take is written as soon as it answers again (``chatgate.store``).
- **Without the cache there is no version**: snapshots and states are computed
  from the database, and nothing is kept.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.db import transaction

from . import store
from .conf import app_settings

T = TypeVar("T")

VERSION_KEY = "chatgate:config-version"
STATE_KEY = "chatgate:state-version"
#: How long this process answers from a body it checked against the state version.
LOCAL_SECONDS = 1.0
LOCAL_LIMIT = 256
#: Part of the entries' keys: a release that changes ``StateEntry`` never reads older ones.
ENTRY_FORMAT = "1"
#: Bodies from this size are also kept gzipped (a state with many departments: 25 KB → 3 KB).
GZIP_FROM = 1024

#: One build of a state at a time in this process (a bounded set of locks, shared by name hash).
_BUILDING = tuple(threading.Lock() for _ in range(32))


# Versions


def bump_version() -> None:
    """Replace the configuration version (and so the state version) now."""
    store.replace_tokens([VERSION_KEY, STATE_KEY])
    _forget_states()


def bump_state() -> None:
    """Replace the state version now: every cached state body goes."""
    store.replace_tokens([STATE_KEY])
    _forget_states()


def invalidate() -> None:
    """A configuration change: replace the versions now and again after commit.

    The second replacement matters: another process that read the first version
    before the commit may have cached the old rows under it.
    """
    bump_version()
    transaction.on_commit(bump_version)


def state_changed() -> None:
    """A presence or conversation change: replace the state version now and after commit."""
    bump_state()
    transaction.on_commit(bump_state)


def replace(keys: list[str]) -> None:
    """A change in this transaction: replace the tokens under ``keys`` now and again after
    commit (between the two, another process may keep what it read under the first)."""
    store.replace_tokens(keys)
    transaction.on_commit(lambda: store.replace_tokens(keys))


def version() -> str | None:
    """The configuration version; ``None`` when the cache is unreachable."""
    return current_token(VERSION_KEY)


def current_token(key: str) -> str | None:
    """A random token, new after every change and after the cache lost it: never reused.

    ``None`` when the cache is unreachable: nothing cached can then be trusted.
    """
    current = store.get(key)
    if current is None and store.add(key, uuid.uuid4().hex, timeout=None) is not None:
        current = store.get(key)
    return current


# Configuration snapshots


def snapshot(name: str, load: Callable[[], T], version_token: str | None = None) -> T:
    """A configuration snapshot from this process, the shared cache, or ``load()``.

    Without a version (the cache is unreachable) the snapshot is loaded afresh.
    """
    token = version_token or version()
    if token is None:
        return load()
    key = f"chatgate:{name}:{token}"
    local = store.local()
    value = local.get(key)
    if value is None:
        value = store.get(key)
        if value is None:
            value = load()
            store.set(key, value, timeout=app_settings.SNAPSHOT_TIMEOUT)
        if len(local) > LOCAL_LIMIT:
            local.clear()
        local[key] = value
    return value


# State bodies


@dataclass(frozen=True)
class StateEntry:
    """A widget's state as the endpoint serves it: the JSON body (also gzipped, for clients
    that accept it), its ETag, until when it holds."""

    body: bytes
    etag: str
    valid_until: datetime | None  # the state's own, for Cache-Control
    expires: datetime | None  # valid_until or an agent's presence expiry, the earlier
    token: str | None = None  # the state version it was built under
    gzipped: bytes | None = None  # None when gzip would not pay (a small body)

    @classmethod
    def of(cls, body: bytes, *, valid_until, expires, token) -> StateEntry:
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_FROM else None
        return cls(body, etag, valid_until, expires, token, gzipped)

    @property
    def gzip_etag(self) -> str:
        """A representation of its own (RFC 9110): the gzipped body's ETag differs."""
        return self.etag[:-1] + '-gzip"'

    def holds_at(self, at: datetime) -> bool:
        return self.expires is None or at < self.expires


def state(
    slug: str, language: str, *, at: datetime, build: Callable[[str | None], StateEntry]
) -> StateEntry:
    """The state entry of a widget in a language at ``at``: this process's copy (at most
    ``LOCAL_SECONDS`` old), else the shared cache's (one round trip), else ``build(token)``.

    ``build`` receives the state version read before it reads anything, and its
    entry is stored under it. Exceptions of ``build`` propagate; nothing is kept.
    """
    name = f"{slug}:{language}"
    copy = _copy(name, at)
    if copy is not None:
        return copy
    with _BUILDING[hash(name) % len(_BUILDING)]:  # the other threads wait, then use its copy
        return _copy(name, at) or _shared_or_built(name, at, build)


def _copy(name: str, at: datetime) -> StateEntry | None:
    copy = store.local().get("states", {}).get(name)
    if copy is not None and time.monotonic() - copy[0] < LOCAL_SECONDS and copy[1].holds_at(at):
        return copy[1]
    return None


def _shared_or_built(
    name: str, at: datetime, build: Callable[[str | None], StateEntry]
) -> StateEntry:
    copies = store.local().setdefault("states", {})
    checked = time.monotonic()
    key = f"chatgate:state:{ENTRY_FORMAT}:{name}"
    found = store.get_many([STATE_KEY, key])
    token, entry = found.get(STATE_KEY), found.get(key)
    if token is None or entry is None or entry.token != token or not entry.holds_at(at):
        token = token or current_token(STATE_KEY)
        entry = build(token)
        if token is not None:
            store.set(key, entry, timeout=_timeout(entry, at))
    if token is not None:
        if len(copies) > LOCAL_LIMIT:
            copies.clear()
        copies[name] = (checked, entry)
    return entry


def _timeout(entry: StateEntry, at: datetime) -> int:
    limit = app_settings.SNAPSHOT_TIMEOUT
    if entry.expires is None:
        return limit
    return max(1, min(limit, int((entry.expires - at).total_seconds()) + 1))


def _forget_states() -> None:
    """This process follows its own changes at once, not after ``LOCAL_SECONDS``."""
    store.local().pop("states", None)
