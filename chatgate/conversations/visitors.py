"""The visitor's side of a chat: start (the server's re-check), poll, send, and tickets."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from .. import cached, clock, presence, services, store
from ..availability import AWAY, OFFLINE, ONLINE, FormDefinition, WidgetState
from ..conf import app_settings
from ..models import Agent, Conversation, Department, Message, Widget
from ..signals import conversation_closed, conversation_started
from . import cache, edges, unseen
from .base import (
    ACTIVE,
    CLOSED,
    VISITOR,
    WAITING,
    Invalid,
    Refused,
    add_message,
    clean_text,
    hash_token,
    system_message,
)
from .events import due, fallback_form, offer_at, offered_form, sweep


@dataclass(frozen=True)
class Visitor:
    """What the visitor told us before the chat, and where it comes from."""

    name: str = ""
    email: str = ""
    page_url: str = ""
    language: str = ""
    timezone: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class Started:
    token: str  # given to the visitor once; only its hash is stored
    conversation: Conversation
    messages: list[Message]


def start(
    widget_slug: str,
    *,
    message: str,
    department: str | None = None,
    visitor: Visitor = Visitor(),
    at: datetime | None = None,
) -> Started:
    """Start a chat with the visitor's first message, if the widget can take it at ``at``.

    Raises ``Widget.DoesNotExist``, ``Invalid`` (pre-chat fields, department) or
    ``Refused("unavailable", state=...)``.
    """
    at = at or clock.now()
    widget = Widget.objects.get(slug=widget_slug)
    visitor = _prechat(widget, visitor)
    text = clean_text(message, field="message")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        _lock_departments(widget)
        state = services.widget_state(
            widget_slug, at=at, fresh=True, language=visitor.language or None
        )
        slug = _route(state, department)
        conversation = Conversation.objects.create(
            widget=widget,
            department=Department.objects.get(slug=slug) if slug else None,
            token_hash=hash_token(token),
            visitor_name=visitor.name,
            visitor_email=visitor.email,
            page_url=visitor.page_url,
            language=state.language,
            visitor_timezone=visitor.timezone,
            user_agent=visitor.user_agent.replace("\x00", "")[:500],  # a header, not validated
            started_at=at,
            waiting_since=at,
            last_activity_at=at,
        )
        first = add_message(conversation, VISITOR, text, name=visitor.name, at=at)
        edges.visitor_wrote(conversation, at=at)
        transaction.on_commit(
            lambda: conversation_started.send(sender=Conversation, conversation=conversation)
        )
    return Started(token, conversation, [first])


def prechat(slug: str) -> dict[str, str]:
    """What the widget asks before a chat: ``{"name": ask, "email": ask}``, each ``off``,
    ``optional`` or ``required``; ``{}`` for an unknown widget. A configuration snapshot, so
    a page that draws the widget reads no table for it, and a change reaches every process."""
    return cached.snapshot(f"prechat:{slug}", lambda: _load_prechat(slug))


def _load_prechat(slug: str) -> dict[str, str]:
    asks = Widget.objects.filter(slug=slug).values("ask_name", "ask_email").first()
    return {"name": asks["ask_name"], "email": asks["ask_email"]} if asks else {}


def _prechat(widget: Widget, visitor: Visitor) -> Visitor:
    """Name and email as the widget asks for them: off fields are dropped, required ones checked."""
    values, errors = {}, {}
    for field, ask in (("name", widget.ask_name), ("email", widget.ask_email)):
        value = getattr(visitor, field).strip()
        if ask == Widget.Ask.OFF:
            value = ""
        elif ask == Widget.Ask.REQUIRED and not value:
            errors[field] = [_("This field is required.")]
        values[field] = value
    if errors:
        raise Invalid(errors)
    return Visitor(**{**visitor.__dict__, **values})


def _lock_departments(widget: Widget) -> None:
    """Concurrent starts for these departments wait here, so each sees the others' chats."""
    offered = widget.departments.all()
    if not offered.exists():
        offered = Department.objects.filter(active=True)
    locked = list(
        Department.objects.filter(pk__in=offered.values("pk"))
        .select_for_update()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not locked:  # a widget without departments: its own row stands for its agents
        list(Widget.objects.filter(pk=widget.pk).select_for_update().values_list("pk"))


def _route(state: WidgetState, department: str | None) -> str | None:
    """The department slug the chat waits for; ``Refused`` when nobody can take it now."""
    chosen = state.department(department) if department else None
    if department and chosen is None:
        message = _("Unknown department “%(slug)s”.") % {"slug": department}
        raise Invalid({"department": [message]})
    if not state.can_start_chat:
        raise Refused("unavailable", _("No one can take a chat right now."), state)
    available = [d for d in state.departments if d.status != OFFLINE]
    if state.mode == "messaging":  # always accepted: the thread waits for someone
        fallback = (available or list(state.departments) or [None])[0]
        chosen = chosen or fallback
        return chosen.slug if chosen else None
    if chosen is not None and chosen.status == OFFLINE:
        raise Refused("unavailable", _("This department cannot take a chat right now."), state)
    if chosen is None and state.departments:
        chosen = available[0]  # the widget can start a chat: one of them is available
    return chosen.slug if chosen else None


def find(token: str) -> Conversation:
    """The visitor's conversation; ``Conversation.DoesNotExist`` for any other token."""
    return Conversation.objects.select_related("widget").get(token_hash=hash_token(token))


@dataclass(frozen=True)
class Poll:
    """What a poll answers: the conversation's status, new messages, the form offered."""

    status: str
    messages: list[Message]
    form: FormDefinition | None
    language: str
    poll_after: int


def poll(token: str, *, after: int | None = None, at: datetime | None = None) -> Poll:
    """Messages after ``after`` (all without it). With nothing new, answered from the cache.

    Runs the time-driven events that are due for this conversation first.
    """
    at = at or clock.now()
    token_hash = hash_token(token)
    entry = cache.entry(token_hash, lambda: _entry(token_hash, at))
    if due(entry, at):
        if not sweep(entry["id"], at=at):  # nothing due after all: read the next edge again
            cache.forget(token_hash)
        entry = cache.entry(token_hash, lambda: _entry(token_hash, at))
    if after is not None and after >= entry["last_id"]:
        messages: list[Message] = []
    else:
        messages = list(Message.objects.filter(conversation_id=entry["id"], id__gt=after or 0))
        unseen.received(entry["id"], messages)
    return Poll(
        entry["status"], messages, entry["form"], entry["language"], poll_after(entry["status"])
    )


def poll_after(status: str) -> int:
    """Seconds until the next poll: short while someone may write, longer once closed."""
    return app_settings.CHAT_POLL_SECONDS if status != CLOSED else app_settings.POLL_SECONDS


def _entry(token_hash: str, at: datetime) -> dict[str, Any]:
    """The poll entry, from the database: raises ``Conversation.DoesNotExist``."""
    conversation = Conversation.objects.select_related("widget", "agent", "department").get(
        token_hash=token_hash
    )
    last = conversation.messages.order_by("-id").values_list("id", flat=True).first()
    agent = conversation.agent
    return {
        "id": conversation.pk,
        "status": conversation.status,
        "last_id": last or 0,
        "language": conversation.language,
        "agent": (agent.pk, agent.status, agent.status_changed_at) if agent else None,
        "agent_present_until": present_until(agent) if conversation.status == ACTIVE else None,
        "offer_at": offer_at(conversation) if fallback_form(conversation.widget) else None,
        "form": offered_form(conversation),
        "edge_at": edges.next_edge(conversation, edges.state_for(conversation, at), at),
    }


def present_until(agent: Agent | None) -> datetime | None:
    """Until when the agent's presence, as read now, holds for sure: its last heartbeat plus the
    timeout (a heartbeat only extends it; a status set replaces the entry's version). Polls
    until then need not read it."""
    if agent is None or not store.available():
        return None
    status, seen = presence.read([agent])[agent.pk]
    if status not in (ONLINE, AWAY) or seen is None:
        return None
    return seen + services.presence_timeout()


def send(token: str, text: str, *, at: datetime | None = None) -> Message:
    """The visitor writes. Chat mode: refused once closed; messaging mode reopens the thread."""
    at = at or clock.now()
    text = clean_text(text, field="text")
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update()
            .select_related("widget")
            .get(token_hash=hash_token(token))
        )
        if conversation.status == CLOSED:
            if conversation.widget.mode != "messaging":
                raise Refused("closed", _("This chat is closed."))
            _reopen(conversation, at)
        message = add_message(conversation, VISITOR, text, name=conversation.visitor_name, at=at)
        edges.visitor_wrote(conversation, at=at)
        return message


def _reopen(conversation: Conversation, at: datetime) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(
        status=WAITING, agent=None, waiting_since=at, accepted_at=None, closed_at=None, closed_by=""
    )
    cached.state_changed()  # back in its department's queue
    conversation.status = WAITING


def offered_to(widget_slug: str, token: str) -> tuple[Conversation, FormDefinition]:
    """The conversation behind a ticket and the form it was offered; ``Invalid`` otherwise."""
    try:
        conversation = find(token)
    except Conversation.DoesNotExist:
        conversation = None
    if conversation is None or conversation.widget.slug != widget_slug:
        raise Invalid({"conversation": [_("Unknown conversation.")]})
    form = offered_form(conversation)
    if form is None:
        raise Invalid({"conversation": [_("This chat does not offer a form now.")]})
    return conversation, form


def ticket_sent(conversation: Conversation, *, at: datetime) -> None:
    """Close the chat the visitor turned into a ticket (in the ticket's transaction).

    ``Invalid`` when it stopped waiting meanwhile (an agent accepted it): the
    ticket is then rolled back and the visitor stays in the chat.
    """
    closed = Conversation.objects.filter(pk=conversation.pk, status=WAITING).update(
        status=CLOSED, closed_at=at, closed_by=Conversation.ClosedBy.SYSTEM
    )
    if not closed:
        raise Invalid({"conversation": [_("An agent has joined the chat meanwhile.")]})
    cached.state_changed()  # a place in the queue is free
    conversation.status = CLOSED
    system_message(conversation, "ticket", {}, at=at)
    transaction.on_commit(
        lambda: conversation_closed.send(
            sender=Conversation, conversation=conversation, by=Conversation.ClosedBy.SYSTEM
        )
    )
