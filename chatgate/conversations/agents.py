"""The agent's side of chats: its queue, accept (race-safe, within ``max_chats``), reply, close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from .. import cached, clock, services
from ..availability import OFFLINE, load_zone
from ..models import Agent, Conversation, Message
from ..signals import conversation_accepted
from .base import (
    ACTIVE,
    AGENT,
    VISITOR,
    WAITING,
    Refused,
    add_message,
    clean_text,
    close,
    system_message,
)


def _of_departments(agent: Agent) -> Q:
    departments = agent.departments.values("pk")
    return Q(department__in=departments) | Q(department__isnull=True)


def visible_to(agent: Agent):
    """Conversations ``agent`` may see: waiting ones of its departments, and its own."""
    return Conversation.objects.filter(
        (Q(status=WAITING) & _of_departments(agent)) | Q(agent=agent)
    )


def for_agent(agent: Agent, pk: int) -> Conversation:
    """One conversation ``agent`` may see; ``Conversation.DoesNotExist`` otherwise."""
    return visible_to(agent).select_related("widget", "department", "agent").get(pk=pk)


def accept(agent: Agent, pk: int, *, at: datetime | None = None) -> Conversation:
    """The agent takes a waiting conversation. Refused: ``taken``, ``at_capacity``, ``not_available``."""
    at = at or clock.now()
    with transaction.atomic():
        agent = Agent.objects.select_for_update().get(pk=agent.pk)  # its accepts queue here
        scope = Conversation.objects.filter(_of_departments(agent) | Q(agent=agent))
        conversation = scope.select_related("widget").get(pk=pk)  # taken ones too: a 409
        if conversation.status != WAITING:
            raise Refused("taken", _("This chat is not waiting any more."))
        active = Conversation.objects.filter(agent=agent, status=ACTIVE).count()
        can = services.agent_availability(
            agent, active=active, away_accepts_chats=conversation.widget.away_accepts_chats, at=at
        )
        if can.status == OFFLINE:
            if can.reason == "at_capacity":
                raise Refused("at_capacity", _("You already have your maximum of chats."))
            raise Refused("not_available", _("Set your status to online to take chats."))
        won = Conversation.objects.filter(pk=pk, status=WAITING).update(
            status=ACTIVE, agent=agent, accepted_at=at, last_activity_at=at
        )
        if not won:
            raise Refused("taken", _("Another agent took this chat."))
        conversation.status, conversation.agent, conversation.accepted_at = ACTIVE, agent, at
        cached.state_changed()  # the agent's load and the queue changed
        system_message(conversation, "joined", {"name": agent.display_name}, at=at)
        transaction.on_commit(
            lambda: conversation_accepted.send(
                sender=Conversation, conversation=conversation, agent=agent
            )
        )
    return conversation


def reply(agent: Agent, pk: int, text: str, *, at: datetime | None = None) -> Message:
    """The agent writes in one of its active chats; ``Refused("not_active")`` otherwise."""
    at = at or clock.now()
    text = clean_text(text, field="text")
    with transaction.atomic():
        conversation = visible_to(agent).select_for_update().get(pk=pk)
        if conversation.status != ACTIVE or conversation.agent_id != agent.pk:
            raise Refused("not_active", _("Accept this chat before replying."))
        return add_message(conversation, AGENT, text, name=agent.display_name, agent=agent, at=at)


def agent_close(agent: Agent, pk: int, *, at: datetime | None = None) -> Conversation:
    """The agent ends its active chat, or a waiting one of its departments (spam, a visitor gone)."""
    conversation = for_agent(agent, pk)
    mine = conversation.status == ACTIVE and conversation.agent_id == agent.pk
    if not (mine or conversation.status == WAITING):
        raise Refused("not_active", _("This chat is not yours to close."))
    if close(conversation, by=Conversation.ClosedBy.AGENT, agent=agent, at=at):
        return conversation
    raise Refused("not_active", _("This chat is not yours to close."))


@dataclass(frozen=True)
class Queue:
    waiting: list[Conversation]
    active: list[Conversation]


def queue(agent: Agent) -> Queue:
    """Waiting chats of the agent's departments (oldest first) and its own active chats."""
    first = Message.objects.filter(conversation=OuterRef("pk"), author=VISITOR).order_by("id")
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id")
    rows = (
        visible_to(agent)
        .filter(Q(status=WAITING) | Q(status=ACTIVE, agent=agent))
        .select_related("widget", "department")
        .prefetch_related("department__translations")  # its name, in the agent's language
        .annotate(
            first_message=Subquery(first.values("text")[:1]),
            last_message_id=Subquery(last.values("id")[:1]),
        )
        .order_by("waiting_since", "pk")
    )
    rows = list(rows)
    return Queue(
        [c for c in rows if c.status == WAITING],
        sorted((c for c in rows if c.status == ACTIVE), key=lambda c: (c.accepted_at, c.pk)),
    )


def local_time(conversation: Conversation, at: datetime) -> datetime | None:
    """The visitor's wall-clock time at ``at``, when its time zone is known."""
    try:
        return at.astimezone(load_zone(conversation.visitor_timezone))
    except ValueError:
        return None
