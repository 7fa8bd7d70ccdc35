"""Agent presence: explicit status and heartbeats in the cache, status also saved in the DB.

The cache (Redis in production) is shared by every web process, so an agent's
heartbeat reaches all of them. The database keeps the explicit status, which
is what counts when the cache has lost the entry.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction

from . import clock
from .availability import STATUSES, AgentSnapshot
from .conf import cache
from .models import Agent
from .signals import status_changed


def _key(agent_id: int) -> str:
    return f"chatgate:presence:{agent_id}"


def set_status(agent: Agent, status: str, *, at: datetime | None = None) -> None:
    """Set an explicit status; it counts as a heartbeat. Saved in the cache and the DB."""
    if status not in STATUSES:
        raise ValueError(f"unknown agent status {status!r}; expected one of {STATUSES}")
    at = at or clock.now()
    previous = agent.status
    cache().set(_key(agent.pk), {"status": status, "seen": at.timestamp()}, timeout=None)
    Agent.objects.filter(pk=agent.pk).update(status=status, status_changed_at=at)
    from .services import invalidate_snapshots  # here: services imports this module

    invalidate_snapshots()  # the cached roster keeps the saved status, the fallback of other processes
    agent.status, agent.status_changed_at = status, at
    if previous != status:
        transaction.on_commit(
            lambda: status_changed.send(sender=Agent, agent=agent, status=status, previous=previous)
        )


def heartbeat(agent: Agent, *, at: datetime | None = None) -> None:
    """Record that the agent's client is alive; keeps ``online``/``away`` from expiring."""
    at = at or clock.now()
    entry = cache().get(_key(agent.pk)) or {"status": agent.status}
    entry["seen"] = at.timestamp()
    cache().set(_key(agent.pk), entry, timeout=None)


def read(agents) -> dict[int, tuple[str, datetime | None]]:
    """``{agent id: (status, last seen)}`` in one cache round trip.

    ``agents`` are ``Agent`` instances or anything with ``pk``, ``status`` and
    ``status_changed_at``: the saved status fills gaps the cache lost.
    """
    entries = cache().get_many([_key(a.pk) for a in agents])
    result = {}
    for agent in agents:
        entry = entries.get(_key(agent.pk))
        if entry:
            result[agent.pk] = (entry["status"], datetime.fromtimestamp(entry["seen"], UTC))
        else:
            result[agent.pk] = (agent.status, agent.status_changed_at)
    return result


def describe(agent: Agent, *, at: datetime, timeout_seconds: int) -> dict:
    """What the agent's own client needs: its status, the one that counts now, its last heartbeat."""
    status, seen = read([agent])[agent.pk]
    effective = AgentSnapshot(agent.pk, status, seen).effective_status(
        at, timeout=timedelta(seconds=timeout_seconds)
    )
    return {
        "status": status,
        "effective_status": effective,
        "last_seen": seen,
        "timeout": timeout_seconds,
    }
