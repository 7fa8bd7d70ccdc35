from __future__ import annotations

from django.core.management.base import BaseCommand

from chatgate import conversations, reply_time


class Command(BaseCommand):
    help = (
        "Run the chats' time-driven events that are due: a chat whose agent left goes back to "
        "the queue, a chat that waited too long offers the offline form, active chats are told "
        "when chat closes, chats still waiting at closing are kept or made tickets; each widget's "
        "typical reply time is measured again. Run it every "
        "minute (cron); each event happens once, whether a poll or this command gets there first."
    )

    def handle(self, *args, **options) -> None:
        done = conversations.tick()
        requeued, offered = done["requeued"], done["offered"]
        self.stdout.write(
            f"{requeued} conversation{'' if requeued == 1 else 's'} back in the queue "
            f"(its agent left), {offered} offered the offline form (waited too long), "
            f"{done['closing_soon']} told when chat closes, {done['closed_waiting']} still "
            f"waiting at closing (kept or made tickets), {done['auto_reply']} unanswered "
            f"thread(s) given the automatic reply, {done['emailed']} visitor(s) emailed a reply "
            "they had not seen."
        )
        changed = reply_time.refresh()
        self.stdout.write(f"Typical reply time updated for {changed} widget(s).")
