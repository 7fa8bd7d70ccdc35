"""What an idle poll of a chat needs, kept in chatgate's cache so that the poll reads no table.

Guarantees:

- **A poll never answers from an entry older than the last committed change.**
  Each conversation has a generation key that every change replaces after its
  transaction commits. An entry is stored with the generation read *before*
  the database was read, and is valid only while that generation is current;
  an entry built from rows a later commit changed carries a generation that
  commit has already replaced. Entries also carry the configuration version
  (``chatgate.cached``): a change of widgets, forms or agents' saved statuses
  invalidates them all.
- **A lost change is not served forever.** If the cache cannot record a new
  generation, a change of the configuration version is queued (written by
  ``chatgate.store`` as soon as the cache answers), and entries expire after
  ``ENTRY_SECONDS`` anyway.
- **Without the cache, polls read the database**: every read misses.

Three keys (generation, entry, configuration version) are read in one round
trip; a poll with nothing new does nothing else.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction

from .. import cached, store

#: Entries and generations expire after this long without a poll or a change.
ENTRY_SECONDS = 600


def _generation_key(token_hash: str) -> str:
    return f"chatgate:chat:{token_hash}:generation"


def _entry_key(token_hash: str) -> str:
    return f"chatgate:chat:{token_hash}:entry"


def entry(token_hash: str, load: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The conversation's poll entry from the cache, or ``load()`` (the database), then cached.

    ``load`` may raise (an unknown token): nothing is cached then.
    """
    found = store.get_many(
        [_generation_key(token_hash), _entry_key(token_hash), cached.VERSION_KEY]
    )
    generation = found.get(_generation_key(token_hash))
    version = found.get(cached.VERSION_KEY)
    kept = found.get(_entry_key(token_hash))
    current = kept and generation and version
    if current and (kept["generation"], kept["version"]) == (generation, version):
        return kept
    added = False
    if generation is None:
        added = store.add(_generation_key(token_hash), uuid.uuid4().hex, timeout=ENTRY_SECONDS)
        generation = store.get(_generation_key(token_hash))
    version = version or cached.version()
    try:
        value = load()  # read after the generation: a later commit replaces what we hold
    except Exception:
        if added:  # an unknown token leaves nothing behind
            store.delete(_generation_key(token_hash))
        raise
    if generation and version:
        value = {**value, "generation": generation, "version": version}
        store.set(_entry_key(token_hash), value, timeout=ENTRY_SECONDS)
    return value


def changed(token_hash: str) -> None:
    """The conversation changed in this transaction: its entry is stale once it commits."""
    transaction.on_commit(lambda: _replace_generation(token_hash))


def _replace_generation(token_hash: str) -> None:
    written = store.set(_generation_key(token_hash), uuid.uuid4().hex, timeout=ENTRY_SECONDS)
    if not written:
        cached.bump_version()  # unreachable: queued until the cache answers, then every entry goes


def forget(token_hash: str) -> None:
    """Drop the conversation's entry now (nothing changed in the database, but the entry's
    next due instant has passed and must be read again)."""
    _replace_generation(token_hash)
