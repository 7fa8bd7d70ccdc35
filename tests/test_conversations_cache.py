"""chatgate.conversations.cache: an idle poll's entry is never older than the last committed change."""

from __future__ import annotations

import pytest
from django.test import override_settings

from chatgate import cached, store
from chatgate.conversations import cache as conversation_cache
from tests.test_faults_cache import UNREACHABLE

KEY = "0" * 64


def load(value: int):
    def loader():
        calls.append(value)
        return {"last_id": value}

    return loader


calls: list[int] = []


@pytest.fixture(autouse=True)
def _calls():
    calls.clear()


def test_an_entry_is_served_from_the_cache_until_the_conversation_changes():
    assert conversation_cache.entry(KEY, load(1))["last_id"] == 1
    assert conversation_cache.entry(KEY, load(2))["last_id"] == 1  # not loaded again
    conversation_cache._replace_generation(KEY)  # what a commit does
    assert conversation_cache.entry(KEY, load(3))["last_id"] == 3
    assert calls == [1, 3]


def test_an_entry_loaded_before_a_commit_is_not_served_after_it():
    def racing_load():
        calls.append("read")
        conversation_cache._replace_generation(KEY)  # another request commits a message now
        return {"last_id": 1}

    conversation_cache.entry(KEY, racing_load)
    assert conversation_cache.entry(KEY, load(2))["last_id"] == 2


def test_a_configuration_change_invalidates_every_entry():
    conversation_cache.entry(KEY, load(1))
    cached.bump_version()  # a widget, form or agent's saved status changed
    assert conversation_cache.entry(KEY, load(2))["last_id"] == 2


@pytest.mark.django_db
def test_changed_takes_effect_when_the_transaction_commits(django_capture_on_commit_callbacks):
    conversation_cache.entry(KEY, load(1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        conversation_cache.changed(KEY)
        assert conversation_cache.entry(KEY, load(2))["last_id"] == 1  # not committed yet
    assert len(callbacks) == 1
    assert conversation_cache.entry(KEY, load(3))["last_id"] == 3


def test_an_unknown_token_leaves_nothing_in_the_cache():
    def unknown():
        raise LookupError("no such conversation")

    with pytest.raises(LookupError):
        conversation_cache.entry(KEY, unknown)
    assert store.get(conversation_cache._generation_key(KEY)) is None
    assert store.get(conversation_cache._entry_key(KEY)) is None


def test_a_change_the_cache_could_not_record_replaces_the_configuration_version(monkeypatch):
    """The generation write failed (the cache did not answer): every entry must go instead.

    ``store.bump_version`` writes the version now, or as soon as the cache answers again.
    """
    conversation_cache.entry(KEY, load(1))
    real_set = store.set
    monkeypatch.setattr(
        store,
        "set",
        lambda key, *a, **kw: False if "generation" in key else real_set(key, *a, **kw),
    )
    conversation_cache._replace_generation(KEY)  # lost
    monkeypatch.setattr(store, "set", real_set)
    assert conversation_cache.entry(KEY, load(2))["last_id"] == 2


def test_without_the_cache_every_poll_reads_the_database():
    with override_settings(CACHES=UNREACHABLE):
        store.reset()
        assert [conversation_cache.entry(KEY, load(n))["last_id"] for n in (1, 2)] == [1, 2]
    store.reset()
