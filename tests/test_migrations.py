"""Data migrations: rows written before a migration read as the new code expects."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("chatgate", "0002_ticket_notify_claimed_until")]
AFTER = [("chatgate", "0003_conversations")]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_conversations_that_only_counted_load_become_chats_with_an_unknowable_token():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("chatgate")
    try:
        old = migrate(BEFORE)
        widget = old.get_model("chatgate", "Widget").objects.create(slug="w", name="W")
        Conversation = old.get_model("chatgate", "Conversation")
        Conversation.objects.create(widget=widget, status="active")
        Conversation.objects.create(widget=widget, status="ended")
        new = migrate(AFTER)
        rows = new.get_model("chatgate", "Conversation").objects.order_by("pk")
        assert [c.status for c in rows] == ["active", "closed"]
        hashes = [c.token_hash for c in rows]
        assert len(set(hashes)) == 2 and all(len(h) == 64 for h in hashes)
        assert rows[0].accepted_at == rows[0].started_at  # its agent's chat since it started
        assert new.get_model("chatgate", "Widget").objects.get().max_wait_minutes == 5
    finally:
        migrate(latest)
