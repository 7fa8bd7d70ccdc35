"""Presence rules: which agents can take a new chat at an instant. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["AWAY", "INVISIBLE", "OFFLINE", "ONLINE", "STATUSES", "AgentSnapshot", "Availability"]

ONLINE, AWAY, INVISIBLE, OFFLINE = "online", "away", "invisible", "offline"
STATUSES = (ONLINE, AWAY, INVISIBLE, OFFLINE)
HEARTBEAT_STATUSES = frozenset({ONLINE, AWAY})


@dataclass(frozen=True)
class AgentSnapshot:
    """One agent as the engine sees it: status, last heartbeat, load, teams."""

    id: int
    status: str
    last_seen: datetime | None
    active_chats: int = 0
    max_chats: int = 3
    departments: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown agent status {self.status!r}; expected one of {STATUSES}")

    def effective_status(self, at: datetime, *, timeout: timedelta) -> str:
        """The status that counts at ``at``: ``online``/``away`` expire without a heartbeat."""
        if self.status not in HEARTBEAT_STATUSES:
            return self.status
        if self.last_seen is None or at - self.last_seen > timeout:
            return OFFLINE
        return self.status

    @property
    def at_capacity(self) -> bool:
        return self.active_chats >= self.max_chats

    @property
    def free_slots(self) -> int:
        return max(0, self.max_chats - self.active_chats)


@dataclass(frozen=True)
class Availability:
    """How a group of agents can answer: the best status and why not better."""

    status: str  # online | away | offline
    reason: str  # open | no_agents | at_capacity

    @classmethod
    def of(
        cls,
        agents: tuple[AgentSnapshot, ...],
        at: datetime,
        *,
        timeout: timedelta,
        away_accepts_chats: bool,
        waiting: int = 0,
    ) -> Availability:
        """Online if someone online has room; away if only away agents (that accept) have room.

        ``waiting`` conversations of the group already claim free places: the
        group is at capacity when they fill every counted agent's ``max_chats``.
        """
        counted = {ONLINE} | ({AWAY} if away_accepts_chats else set())
        present = [a for a in agents if a.effective_status(at, timeout=timeout) in counted]
        free = [a for a in present if not a.at_capacity]
        if sum(a.free_slots for a in free) <= waiting:
            free = []
        statuses = {a.effective_status(at, timeout=timeout) for a in free}
        if ONLINE in statuses:
            return cls(ONLINE, "open")
        if AWAY in statuses:
            return cls(AWAY, "open")
        return cls(OFFLINE, "at_capacity" if present else "no_agents")
