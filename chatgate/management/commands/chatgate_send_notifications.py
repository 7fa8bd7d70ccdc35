from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand

from chatgate import tickets


class Command(BaseCommand):
    help = (
        "Send the ticket emails that have not gone out yet. Safe to run from cron, beside the "
        "task worker: each ticket is sent once."
    )

    def handle(self, *args, **options) -> None:
        pending = tickets.pending_notifications()
        outcomes = Counter(tickets.send_notification(pk) for pk in pending)
        self.stdout.write(
            f"{len(pending)} pending: {outcomes[tickets.SENT]} sent, "
            f"{outcomes[tickets.CLAIMED] + outcomes[tickets.ALREADY_SENT]} skipped "
            f"(being sent by another sender, or sent meanwhile), "
            f"{outcomes[tickets.FAILED]} failed."
        )
        if outcomes[tickets.FAILED]:
            self.stderr.write(
                f"{outcomes[tickets.FAILED]} failed; their error is recorded on the ticket."
            )
