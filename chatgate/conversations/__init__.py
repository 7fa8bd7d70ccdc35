"""Chats: start (the server's re-check), accept, reply, close, and the time-driven events.

Guarantees:

- **A start is decided at that instant, on fresh data.** The offered
  departments' rows are locked, then the state is computed from the database
  (not the cached snapshots) and the engine's rules: the chosen department must
  be available, or the first available one the widget offers; otherwise
  ``Refused("unavailable")`` carries the current state. An offline department
  is never chosen. Waiting conversations use their department's free places,
  and because concurrent starts for the same departments queue on the lock,
  they never overfill them.
- **An agent never holds more than ``max_chats`` active conversations, and of
  agents accepting the same conversation exactly one wins.** An accept locks
  the agent's row, counts its active chats, then moves the conversation from
  ``waiting`` to ``active`` with one conditional UPDATE; the loser updates no
  row and is refused (``taken``).
- **A visitor is never left talking to nobody, and each time-driven event
  happens once.** When the accepting agent's presence expires, the
  conversation returns to the queue with a system message; a conversation that
  waited longer than the widget's ``max_wait_minutes`` (chat mode) offers the
  visitor the offline form. Whichever comes first does it, a poll of the
  conversation or ``chatgate_tick``; each event is one conditional UPDATE, so
  of racing pollers and ticks exactly one writes it.
- **Only the SHA-256 of a visitor's token is stored**; an unknown token is
  ``Conversation.DoesNotExist`` (a 404), whoever asks.
- **Around opening hours** (``chatgate.conversations.edges``): closing-soon
  messages, chats waiting at closing, automatic replies and the department's
  emails in messaging mode, each once; ``chatgate.conversations.unseen``
  emails a visitor an agent's reply they did not receive.
- Signals are sent, and the poll cache (``chatgate.conversations.cache``) is
  invalidated, after the transaction commits.
"""

from .agents import Queue, accept, agent_close, for_agent, local_time, queue, reply, visible_to
from .base import (
    MESSAGE_MAX_LENGTH,
    SYSTEM_TEXTS,
    Invalid,
    Refused,
    close,
    hash_token,
    render,
    transcript,
)
from .edges import preview as texts_preview
from .events import fallback_form, offer, offered_form, requeue, sweep, tick
from .visitors import (
    Poll,
    Started,
    Visitor,
    find,
    offered_to,
    poll,
    poll_after,
    prechat,
    send,
    start,
    ticket_sent,
)

__all__ = [
    "MESSAGE_MAX_LENGTH",
    "SYSTEM_TEXTS",
    "Invalid",
    "Poll",
    "Queue",
    "Refused",
    "Started",
    "Visitor",
    "accept",
    "agent_close",
    "close",
    "fallback_form",
    "find",
    "for_agent",
    "hash_token",
    "local_time",
    "offer",
    "offered_form",
    "offered_to",
    "poll",
    "poll_after",
    "prechat",
    "queue",
    "reply",
    "render",
    "requeue",
    "send",
    "start",
    "sweep",
    "texts_preview",
    "ticket_sent",
    "tick",
    "transcript",
    "visible_to",
]
