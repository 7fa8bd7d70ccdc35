"""Heartbeats without a query: a signed-in agent's user and profile, kept in chatgate's cache.

Every open console sends a heartbeat every 20 seconds. Django's own session
authentication reads the user, then chatgate its agent profile: two queries per
heartbeat. This module keeps a copy of both, per user, so that a heartbeat costs
the session and cache reads only.

Guarantees:

- **The session still decides.** A copy is used only for a session that names
  its user, the same authentication backend and the same session hash (the one
  Django derives from the password) as when the copy was made. A session that
  logged out, expired or was flushed is refused at once.
- **A copy is made only from what Django's own authentication accepted**, and a
  save or delete of the user or its agent profile (a password changed, a user
  deactivated), or a status set, drops it. A change made without signals (a
  queryset ``update()``) reaches heartbeats within ``COPY_SECONDS``; everything
  but heartbeats reads the user as Django does.
- **Without the cache, nothing is kept**: heartbeats then fail anyway (they live
  in the cache), and everything else goes through Django's authentication.

The password itself is never copied.
"""

from __future__ import annotations

import copy

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils.crypto import constant_time_compare

from . import store

#: How long a copy serves at most (a change the signals did not see lasts no longer).
COPY_SECONDS = 300


def _key(user_id) -> str:
    return f"chatgate:agent-session:{user_id}"


def user_of(session) -> object | None:
    """The session's user with its ``chatgate_agent``, from the cache; ``None`` when there is no
    copy that this session may use (the caller then asks Django)."""
    user_id = session.get(SESSION_KEY)
    if user_id is None:
        return None
    kept = store.get(_key(user_id))
    if kept is None or kept["backend"] != session.get(BACKEND_SESSION_KEY):
        return None
    if not constant_time_compare(kept["hash"], session.get(HASH_SESSION_KEY, "")):
        return None
    user, agent = kept["user"], kept["agent"]
    agent.user = user  # and user.chatgate_agent = agent: no query
    return user


def keep(session, user) -> None:
    """Copy ``user`` and its agent profile, which Django's authentication just accepted for
    ``session``. Users without an agent profile are not copied."""
    agent = getattr(user, "chatgate_agent", None)
    if agent is None or session.get(SESSION_KEY) is None:
        return
    user_copy, agent_copy = copy.copy(user), copy.copy(agent)
    # Not copied: the hash below is all a session is checked against. A deferred field, so
    # reading it loads it, and a save() of the copy leaves it alone.
    user_copy.__dict__.pop("password", None)
    user_copy._state = copy.copy(user._state)
    user_copy._state.fields_cache = {}
    agent_copy._state = copy.copy(agent._state)
    agent_copy._state.fields_cache = {}
    value = {
        "backend": session.get(BACKEND_SESSION_KEY),
        "hash": user.get_session_auth_hash(),
        "user": user_copy,
        "agent": agent_copy,
    }
    store.set(_key(user.pk), value, timeout=COPY_SECONDS)


def forget(user_id) -> None:
    """The user or its agent profile changed: the next heartbeat asks Django again."""
    if user_id is not None:
        store.delete(_key(user_id))
