"""A visitor who left an email hears of an agent's reply they have not seen.

Guarantees:

- **Seen means received by the widget**: a poll that returns messages records
  the last one (an idle poll, answered from the cache, writes nothing).
- **One email per unseen reply, none lost**: ``chatgate_tick`` emails a
  visitor whose latest agent message is older than ``UNSEEN_AFTER`` and newer
  than both what they received and what they were last emailed about; marking
  it is one conditional UPDATE, so racing ticks send it once. The email goes
  out after the commit, through the task worker (``chatgate.tasks``); an email
  that fails, or cannot be queued, releases the mark, and the next tick tries
  again.
- **Recent replies only**: a reply older than ``WINDOW`` is not emailed, so a
  tick reads the last day's messages, not the whole history.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import translation
from django.utils.translation import gettext as _

from .. import languages
from ..conf import app_settings
from ..models import Conversation, Message
from .base import AGENT, CLOSED, render

logger = logging.getLogger("chatgate")

#: A reply the visitor has not received after this long is emailed to them.
UNSEEN_AFTER = timedelta(minutes=3)
#: Replies older than this are not emailed any more.
WINDOW = timedelta(days=1)


def received(conversation_id: int, messages: list[Message]) -> None:
    """A poll gave the visitor ``messages``: remember the last one it received."""
    if messages:
        last = messages[-1].pk
        Conversation.objects.filter(pk=conversation_id, visitor_seen_id__lt=last).update(
            visitor_seen_id=last
        )


def tick(*, at: datetime) -> int:
    """Email every visitor with an unseen agent reply older than ``UNSEEN_AFTER``; how many."""
    recent = Q(messages__author=AGENT, messages__created_at__gte=at - WINDOW)
    candidates = (
        Conversation.objects.exclude(visitor_email="")
        .filter(last_activity_at__gte=at - WINDOW)
        .annotate(
            last_reply=Max("messages__id", filter=recent),
            last_reply_at=Max("messages__created_at", filter=recent),
        )
        .filter(Q(last_reply__gt=F("visitor_seen_id")) & Q(last_reply__gt=F("visitor_emailed_id")))
    )
    sent = 0
    for conversation in candidates.select_related("widget"):
        if conversation.last_reply_at <= at - UNSEEN_AFTER:
            sent += claim(conversation, conversation.last_reply)
    return sent


def claim(conversation: Conversation, reply_id: int) -> bool:
    """Mark the reply as emailed (once) and queue the email after the commit."""
    from .. import tasks

    with transaction.atomic():
        marked = Conversation.objects.filter(
            pk=conversation.pk, visitor_emailed_id__lt=reply_id, visitor_seen_id__lt=reply_id
        ).update(
            visitor_emailed_id=reply_id, visitor_emailed_before=conversation.visitor_emailed_id
        )
        if marked:
            pk = conversation.pk
            transaction.on_commit(lambda: tasks.enqueue_visitor_notification(pk, reply_id))
    return bool(marked)


def send(conversation_id: int, reply_id: int) -> str:
    """The email itself: ``sent``, ``seen`` (the widget fetched the reply meanwhile) or
    ``failed`` (the mark is released, so the next ``chatgate_tick`` tries again)."""
    conversation = Conversation.objects.select_related("widget").get(pk=conversation_id)
    if conversation.visitor_seen_id >= reply_id:
        return "seen"
    try:
        email(conversation).send()
    except Exception as error:
        logger.warning(
            "chatgate: email to conversation %s's visitor failed: %s", conversation_id, error
        )
        release(conversation_id, reply_id)
        return "failed"
    return "sent"


def release(conversation_id: int, reply_id: int) -> None:
    """Undo the mark of a reply whose email did not go out (only if nothing newer took it)."""
    Conversation.objects.filter(pk=conversation_id, visitor_emailed_id=reply_id).update(
        visitor_emailed_id=F("visitor_emailed_before")
    )


def email(conversation: Conversation) -> EmailMessage:
    """The unseen replies, in the visitor's language, and where to answer."""
    unseen = conversation.messages.filter(
        author=AGENT, id__gt=conversation.visitor_seen_id
    ).order_by("id")
    language = languages.visitor_language(conversation.language or None)
    with translation.override(language):
        name = languages.display_name(conversation.widget) or conversation.widget.name
        lines = [f"{m.name or _('Agent')}: {render(m, language)}" for m in unseen]
        if conversation.page_url:
            lines += ["", _("Answer in the chat: %(url)s") % {"url": conversation.page_url}]
        if conversation.status == CLOSED:
            lines += ["", _("The chat has ended.")]
        subject = _("New reply from %(name)s") % {"name": name}
    return EmailMessage(
        subject=" ".join(subject.split()),
        body="\n".join(lines),
        from_email=app_settings.FROM_EMAIL or settings.DEFAULT_FROM_EMAIL,
        to=[conversation.visitor_email],
    )
