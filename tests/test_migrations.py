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


def test_texts_move_to_the_default_language_and_built_in_defaults_are_blanked():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("chatgate")
    try:
        old = migrate([("chatgate", "0005_known_time_zones")])
        form = old.get_model("chatgate", "Form").objects.create(
            name="F", kind="offline", title="Write to us", submit_label="Send",
            success_message="Thank you, we will get back to you.",
        )  # fmt: skip
        old.get_model("chatgate", "FormField").objects.create(
            form=form, name="topic", label="Topic", choices="A\nB", help="Pick one"
        )
        old.get_model("chatgate", "Widget").objects.create(
            slug="w", name="W", greeting="Hi!", closing_soon_text="We are closing soon.",
            away_reply="Back soon, promise.",
        )  # fmt: skip
        old.get_model("chatgate", "Department").objects.create(slug="sales", name="Sales")
        new = migrate([("chatgate", "0006_translations")])

        def texts(model, *names):
            rows = new.get_model("chatgate", f"{model}Translation").objects.all()
            return [(r.language_code, *(getattr(r, n) for n in names)) for r in rows]

        assert texts("Form", "title", "submit_label", "success_message") == [
            ("en", "Write to us", "", "")  # "Send" and the thanks were the built-in texts
        ]
        assert texts("FormField", "label", "choices", "help") == [
            ("en", "Topic", "A\nB", "Pick one")
        ]
        assert texts("Widget", "greeting", "closing_soon_text", "away_reply") == [
            ("en", "Hi!", "", "Back soon, promise.")
        ]
        assert texts("Department", "name") == [("en", "Sales")]
    finally:
        migrate(latest)
