"""What every part of a chat shares: errors, tokens, messages (system ones in any language), closing."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import cached, clock
from ..availability import WidgetState
from ..models import Agent, Conversation, Message
from ..signals import conversation_closed, message_created
from . import cache

WAITING, ACTIVE, CLOSED = (
    Conversation.Status.WAITING,
    Conversation.Status.ACTIVE,
    Conversation.Status.CLOSED,
)
VISITOR, AGENT, SYSTEM = Message.Author.VISITOR, Message.Author.AGENT, Message.Author.SYSTEM
MESSAGE_MAX_LENGTH = 5000

#: System messages: stored as a code and parameters, rendered in each reader's language.
SYSTEM_TEXTS = {
    "joined": gettext_lazy("%(name)s joined the chat."),
    "requeued": gettext_lazy("%(name)s left; you are back in the queue."),
    "agent_gone": gettext_lazy("The agent left; you are back in the queue."),
    "no_answer": gettext_lazy(
        "No one has answered yet. You can leave us a message instead, and we will get back to you."
    ),
    "closed_by_visitor": gettext_lazy("The visitor closed the chat."),
    "closed_by_agent": gettext_lazy("%(name)s closed the chat."),
    "ticket": gettext_lazy("Your message was sent. We will get back to you."),
}


class Refused(Exception):
    """The request cannot be done now (an HTTP 409); ``code`` says why, ``state`` when known."""

    def __init__(self, code: str, message: str, state: WidgetState | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.state = code, message, state


class Invalid(Exception):
    """Input refused (an HTTP 400): ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_text(text: str, *, field: str) -> str:
    """A message's text, stripped; ``Invalid`` naming ``field`` when blank or too long."""
    text = (text or "").strip()
    if not text:
        raise Invalid({field: [_("Write a message.")]})
    if len(text) > MESSAGE_MAX_LENGTH:
        raise Invalid(
            {
                field: [
                    _("At most %(limit)d characters (this has %(length)d).")
                    % {"limit": MESSAGE_MAX_LENGTH, "length": len(text)}
                ]
            }
        )
    return text


def close(
    conversation: Conversation,
    *,
    by: str,
    agent: Agent | None = None,
    at: datetime | None = None,
) -> bool:
    """End a waiting or active chat; False if it was already closed (nothing happens then)."""
    at = at or clock.now()
    with transaction.atomic():
        closed = Conversation.objects.filter(
            pk=conversation.pk, status__in=[WAITING, ACTIVE]
        ).update(status=CLOSED, closed_at=at, closed_by=by)
        if not closed:
            return False
        conversation.status, conversation.closed_at, conversation.closed_by = CLOSED, at, by
        cached.state_changed()  # a place is free again
        if by == Conversation.ClosedBy.AGENT:
            system_message(conversation, "closed_by_agent", {"name": agent.display_name}, at=at)
        elif by == Conversation.ClosedBy.VISITOR:
            system_message(conversation, "closed_by_visitor", {}, at=at)
        transaction.on_commit(
            lambda: conversation_closed.send(sender=Conversation, conversation=conversation, by=by)
        )
    return True


def add_message(
    conversation: Conversation,
    author: str,
    text: str,
    *,
    at: datetime,
    name: str = "",
    agent: Agent | None = None,
    code: str = "",
    params: dict | None = None,
) -> Message:
    """Add a message. Every change of a conversation comes with one, and the message is what
    marks the conversation's poll entry stale once the transaction commits."""
    message = Message.objects.create(
        conversation=conversation,
        author=author,
        agent=agent,
        name=name,
        text=text,
        code=code,
        params=params or {},
        created_at=at,
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_activity_at=at)
    cache.changed(conversation.token_hash)
    transaction.on_commit(lambda: message_created.send(sender=Message, message=message))
    return message


def system_message(conversation: Conversation, code: str, params: dict, *, at: datetime) -> Message:
    """A system message; its ``text`` is in the site's language, for the admin and emails."""
    with translation.override(settings.LANGUAGE_CODE):
        text = str(SYSTEM_TEXTS[code]) % params
    return add_message(conversation, SYSTEM, text, code=code, params=params, at=at)


#: System messages the visitor reads in words of their own ("You", not "The visitor").
VISITOR_TEXTS = {"closed_by_visitor": gettext_lazy("You closed the chat.")}


def render(message: Message, language: str | None = None, *, reader: str = AGENT) -> str:
    """The message's text; a system message in ``language`` (default: the active one), in the
    words of its ``reader`` (``"visitor"`` or ``"agent"``)."""
    if message.author != SYSTEM or message.code not in SYSTEM_TEXTS:
        return message.text
    texts = VISITOR_TEXTS if reader == VISITOR and message.code in VISITOR_TEXTS else SYSTEM_TEXTS
    with translation.override(language or translation.get_language()):
        return str(texts[message.code]) % message.params


def transcript(conversation: Conversation) -> list[dict[str, str]]:
    """Every message, in the site's language: what a ticket made from the chat keeps."""
    return [
        {
            "author": m.author,
            "name": m.name,
            "text": render(m, settings.LANGUAGE_CODE),
            "created_at": m.created_at.isoformat(),
        }
        for m in conversation.messages.order_by("id")
    ]
