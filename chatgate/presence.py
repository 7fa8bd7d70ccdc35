"""Agent presence: explicit status and heartbeats in the cache, status also saved in the DB.

The cache (Redis in production) is shared by every web process, so an agent's
heartbeat reaches all of them. The database keeps the explicit status and when
it was set, which is what counts when the cache has lost the entry or cannot
be reached.

A heartbeat never writes a status: status and last heartbeat are two keys,
each written whole, so a heartbeat racing a status change cannot bring the old
status back. Of a cached status and a saved one, the more recent counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction

from . import agent_sessions, cached, clock, store
from .availability import OFFLINE, STATUSES, AgentSnapshot
from .conf import app_settings
from .models import Agent
from .signals import status_changed


class Unavailable(Exception):
    """The shared cache cannot be reached: a heartbeat cannot be recorded now."""


def _status_key(agent_id: int) -> str:
    return f"chatgate:presence:{agent_id}:status"


def _seen_key(agent_id: int) -> str:
    return f"chatgate:presence:{agent_id}:seen"


def set_status(agent: Agent, status: str, *, at: datetime | None = None) -> None:
    """Set an explicit status; it counts as a heartbeat. Saved in the DB, then the cache.

    The saved status counts on its own when the cache is unreachable, so this
    never fails because of the cache.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown agent status {status!r}; expected one of {STATUSES}")
    at = at or clock.now()
    previous = agent.status
    Agent.objects.filter(pk=agent.pk).update(status=status, status_changed_at=at)
    stamp = at.timestamp()
    store.set_many(
        {_status_key(agent.pk): {"status": status, "at": stamp}, _seen_key(agent.pk): stamp},
        timeout=None,
    )
    cached.invalidate()  # the cached roster keeps the saved status, the fallback of other processes
    agent_sessions.forget(agent.user_id)  # and so does the heartbeats' copy of the agent
    agent.status, agent.status_changed_at = status, at
    if previous != status:
        transaction.on_commit(
            lambda: status_changed.send(sender=Agent, agent=agent, status=status, previous=previous)
        )


def heartbeat(agent: Agent, *, at: datetime | None = None) -> tuple[str, datetime]:
    """Record that the agent's client is alive; keeps ``online``/``away`` from expiring.

    A heartbeat that brings back an agent whose presence had expired changes
    states: it replaces the state version (``chatgate.cached``). Others change
    nothing a visitor sees. Returns the agent's status and last heartbeat (``at``), as
    ``read`` would now. Raises ``Unavailable`` when the cache cannot record it.
    """
    at = at or clock.now()
    status, seen = read([agent])[agent.pk]
    if not store.set(_seen_key(agent.pk), at.timestamp(), timeout=None):
        raise Unavailable("the cache that records heartbeats cannot be reached")
    timeout = timedelta(seconds=app_settings.PRESENCE_TIMEOUT)
    before = AgentSnapshot(agent.pk, status, seen).effective_status(at, timeout=timeout)
    if before == OFFLINE and status != OFFLINE:
        cached.state_changed()
    return status, max(filter(None, (seen, at)))


def read(agents) -> dict[int, tuple[str, datetime | None]]:
    """``{agent id: (status, last seen)}`` in one cache round trip.

    ``agents`` are ``Agent`` instances or anything with ``pk``, ``status`` and
    ``status_changed_at``: the saved status fills gaps the cache lost, and wins
    over a cached one set earlier (a change the cache missed while unreachable).
    """
    agents = list(agents)
    keys = [key for a in agents for key in (_status_key(a.pk), _seen_key(a.pk))]
    entries = store.get_many(keys)
    result = {}
    for agent in agents:
        status, changed = agent.status, agent.status_changed_at
        cached = entries.get(_status_key(agent.pk))
        if cached and (changed is None or cached["at"] >= changed.timestamp()):
            status, changed = cached["status"], _instant(cached["at"])
        seen = entries.get(_seen_key(agent.pk))
        last = max(filter(None, (changed, _instant(seen) if seen else None)), default=None)
        result[agent.pk] = (status, last)
    return result


def _instant(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


@dataclass(frozen=True)
class Presence:
    """What staff read about an agent: the status it set, the one that counts, its last sign."""

    status: str
    effective_status: str
    last_seen: datetime | None

    @property
    def expired(self) -> bool:
        """Set ``online``/``away``, but its heartbeat stopped: it counts as ``offline``."""
        return self.effective_status != self.status


def effective(agents, *, at: datetime, timeout_seconds: int | None = None) -> dict[int, Presence]:
    """``{agent id: Presence}`` at ``at``, by the engine's rules, in one cache round trip.

    For pages that list agents (the admin's list, the status board): an agent
    that set ``online`` and closed its tab reads as offline once
    ``CHATGATE_PRESENCE_TIMEOUT`` has passed, as it counts for visitors.
    """
    timeout = timedelta(
        seconds=app_settings.PRESENCE_TIMEOUT if timeout_seconds is None else timeout_seconds
    )
    result = {}
    for pk, (status, seen) in read(agents).items():
        now = AgentSnapshot(pk, status, seen).effective_status(at, timeout=timeout)
        result[pk] = Presence(status, now, seen)
    return result


def describe(
    agent: Agent, *, at: datetime, timeout_seconds: int, known: tuple | None = None
) -> dict:
    """What the agent's own client needs: its status, the one that counts now, its last heartbeat.

    ``known`` is ``(status, last seen)`` when the caller just read it (a heartbeat).
    """
    status, seen = known or read([agent])[agent.pk]
    effective = AgentSnapshot(agent.pk, status, seen).effective_status(
        at, timeout=timedelta(seconds=timeout_seconds)
    )
    return {
        "status": status,
        "effective_status": effective,
        "last_seen": seen,
        "timeout": timeout_seconds,
    }
