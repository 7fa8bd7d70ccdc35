"""The time-driven events of chats: each happens once, whichever comes first, a poll or the tick.

Each event is one conditional UPDATE (``status``, ``agent``, ``form_offered_at``
as they were read), so of racing pollers and ``chatgate_tick`` processes
exactly one changes the row and writes the event's system message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from .. import cached, clock, services
from ..availability import FormDefinition
from ..models import Conversation, Widget
from . import edges, unseen
from .base import ACTIVE, WAITING, system_message


def offer_at(conversation: Conversation) -> datetime | None:
    """When the longest wait runs out, if an offer is still to come."""
    waiting = conversation.status == WAITING and conversation.form_offered_at is None
    if not waiting or conversation.widget.mode != "chat" or conversation.waiting_since is None:
        return None
    return conversation.waiting_since + timedelta(minutes=conversation.widget.max_wait_minutes)


def offered_form(conversation: Conversation) -> FormDefinition | None:
    """The form a waiting visitor has been offered after the longest wait, if any."""
    if conversation.status != WAITING or conversation.form_offered_at is None:
        return None
    return fallback_form(conversation.widget, conversation.language)


def fallback_form(widget: Widget, language: str | None = None) -> FormDefinition | None:
    """The widget's offline form, else its contact form (``None`` when neither is enabled).

    Its texts are in ``language``: the visitor's, for a form offered in a chat."""
    config = services.widget_config(widget.slug, language=language)
    return config.offline_form or config.contact_form


def due(entry: dict[str, Any], at: datetime) -> bool:
    """Whether a time-driven event may be due (checked without the database)."""
    if entry.get("edge_at") is not None and at >= entry["edge_at"]:
        return True
    if entry["status"] == ACTIVE:
        if entry["agent"] is None:
            return True
        until = entry.get("agent_present_until")
        if until is not None and at <= until:
            return False  # present when the entry was made, and presence only grows until then
        pk, status, changed_at = entry["agent"]
        return pk in services.agents_gone([_Saved(pk, status, changed_at)], at=at)
    return entry["offer_at"] is not None and at >= entry["offer_at"]


@dataclass(frozen=True)
class _Saved:
    """An agent's saved status, for presence to fall back on."""

    pk: int
    status: str
    status_changed_at: datetime | None


def sweep(pk: int, *, at: datetime | None = None) -> list[str]:
    """Run the events due for one conversation; returns the events this call wrote."""
    at = at or clock.now()
    conversation = Conversation.objects.select_related("widget", "agent", "department").get(pk=pk)
    done = []
    if conversation.status == ACTIVE and _gone(conversation, at) and requeue(conversation, at=at):
        done.append("requeued")
    when = offer_at(conversation)
    if when and when <= at and offer(conversation, at=at):
        done.append("offered")
    return done + edges.sweep(conversation, at=at)


def _gone(conversation: Conversation, at: datetime) -> bool:
    agent = conversation.agent
    return agent is None or agent.pk in services.agents_gone([agent], at=at)


def requeue(conversation: Conversation, *, at: datetime) -> bool:
    """Back to the queue: the accepting agent is gone. Once: a conditional UPDATE."""
    agent = conversation.agent
    with transaction.atomic():
        moved = Conversation.objects.filter(
            pk=conversation.pk, status=ACTIVE, agent=conversation.agent_id
        ).update(
            status=WAITING,
            agent=None,
            waiting_since=at,
            accepted_at=None,
            form_offered_at=None,
            closed_waiting_at=None,  # told again at the next closing
        )
        if not moved:
            return False
        conversation.status, conversation.agent = WAITING, None
        cached.state_changed()  # back in the queue
        conversation.waiting_since, conversation.accepted_at = at, None
        conversation.form_offered_at = None
        if agent is None:
            system_message(conversation, "agent_gone", {}, at=at)
        else:
            system_message(conversation, "requeued", {"name": agent.display_name}, at=at)
    return True


def offer(conversation: Conversation, *, at: datetime) -> bool:
    """Offer the offline form to a visitor who waited too long. Once: a conditional UPDATE."""
    if fallback_form(conversation.widget) is None:
        return False
    deadline = at - timedelta(minutes=conversation.widget.max_wait_minutes)
    with transaction.atomic():
        offered = Conversation.objects.filter(
            pk=conversation.pk,
            status=WAITING,
            form_offered_at__isnull=True,
            waiting_since__lte=deadline,
        ).update(form_offered_at=at)
        if not offered:
            return False
        cached.state_changed()  # its place in the queue is free again
        conversation.form_offered_at = at
        system_message(conversation, "no_answer", {}, at=at)
    return True


def tick(*, at: datetime | None = None) -> dict[str, int]:
    """Every conversation's due events (``chatgate_tick``, from cron every minute)."""
    at = at or clock.now()
    done = {
        "requeued": 0,
        "offered": 0,
        "closing_soon": 0,
        "closed_waiting": 0,
        "auto_reply": 0,
        "emailed": 0,
    }
    active = list(Conversation.objects.filter(status=ACTIVE).select_related("agent"))
    agents = {c.agent.pk: c.agent for c in active if c.agent}
    gone = services.agents_gone(agents.values(), at=at) if agents else set()
    for conversation in active:
        if conversation.agent_id is None or conversation.agent_id in gone:
            done["requeued"] += requeue(conversation, at=at)
    waiting = Conversation.objects.filter(
        status=WAITING, form_offered_at__isnull=True, widget__mode="chat"
    ).select_related("widget")
    for conversation in waiting:
        when = offer_at(conversation)
        if when and when <= at:
            done["offered"] += offer(conversation, at=at)
    chats = edges.with_last_author(Conversation.objects.filter(status__in=[WAITING, ACTIVE]))
    states: dict = {}  # one state per widget and language, whatever the number of chats
    for conversation in chats.select_related("widget", "department", "agent"):
        for event in edges.sweep(conversation, at=at, states=states):
            done[event] += 1
    done["emailed"] = unseen.tick(at=at)
    return done
