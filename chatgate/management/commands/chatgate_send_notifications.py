from __future__ import annotations

from django.core.management.base import BaseCommand

from chatgate import tickets


class Command(BaseCommand):
    help = "Send the ticket emails that have not gone out yet. Safe to run from cron: each ticket is sent once."

    def handle(self, *args, **options) -> None:
        pending = tickets.pending_notifications()
        sent = sum(tickets.send_notification(pk) for pk in pending)
        self.stdout.write(f"{sent} of {len(pending)} pending notifications sent.")
        if sent < len(pending):
            self.stderr.write(
                f"{len(pending) - sent} failed; their error is recorded on the ticket."
            )
