"""Heartbeats without a query: a signed-in agent's user and profile, kept in chatgate's cache.

Every open console sends a heartbeat every 20 seconds. Django's own session
authentication reads the user, then chatgate its agent profile: two queries per
heartbeat. This module keeps a copy of both, per user, so that a heartbeat costs
the session and cache reads only.

Guarantees:

- **The session still decides.** A copy is used only for a session that names
  its user, the same authentication backend (still one of the site's) and the
  same session hash (the one Django derives from the password) as when the copy
  was made, and only while nothing before the view looked at ``request.user``
  (a middleware that replaced or read it gets Django's answer). A session that
  logged out, expired or was flushed is refused at once. Copies are keyed by a
  fingerprint of ``SECRET_KEY``, the user model, the backends and the versions:
  changing any of them leaves every copy unused.
- **A copy is made only from what Django's own authentication accepted, and no
  change is lost to it.** Each user has a generation token, read before Django
  reads the user and stored with the copy. A save or delete of the user or its
  agent profile (a proxy or subclass of either included, a password changed, a
  user deactivated, a profile moved to another user), and a status set, replace
  the token at once and again after commit, so a copy made from rows read before
  the change is never used; a token the cache could not take is written as soon
  as it answers (``chatgate.store``). A change made without signals (a queryset
  ``update()``) reaches heartbeats within ``COPY_SECONDS``.
- **The copy holds the user's primary key and nothing else** (every other field
  is deferred: reading one loads it, a ``save()`` of the copy writes only what
  was set on it), and the agent's id, user, status and when it was set.
- **Without the cache, nothing is kept**: heartbeats then fail anyway (they live
  in the cache), and everything else goes through Django's authentication.
"""

from __future__ import annotations

import contextlib
import copy
import pickle

import django
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import models
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import SimpleLazyObject, empty

from . import __version__, cached, store

#: How long a copy serves at most (a change the signals did not see lasts no longer).
COPY_SECONDS = 300
#: The agent's fields a heartbeat reads; the copy defers the others.
AGENT_FIELDS = ("id", "user_id", "status", "status_changed_at")
#: What reading a copy written by another release may raise: then it is not used.
UNREADABLE = (pickle.UnpicklingError, AttributeError, ImportError, TypeError, EOFError)


def _fingerprint() -> str:
    """Changes with SECRET_KEY, the user model, the backends and the versions."""
    facts = (settings.AUTH_USER_MODEL, *settings.AUTHENTICATION_BACKENDS)
    facts += (django.get_version(), __version__)
    digest = salted_hmac("chatgate.agent_sessions", "|".join(facts), algorithm="sha256")
    return digest.hexdigest()[:16]


def _key(user_id) -> str:
    return f"chatgate:agent-session:{_fingerprint()}:{user_id}"


def _generation_key(user_id) -> str:
    return f"chatgate:agent-session:{user_id}:generation"


def untouched(request) -> bool:
    """Whether ``request.user`` is still Django's lazy user, which nothing has read."""
    user = request.__dict__.get("user")
    return isinstance(user, SimpleLazyObject) and user._wrapped is empty


def usable(request) -> bool:
    """Whether a copy may stand for this (Django) request's user: it has a session, and
    nothing before the view set or read ``request.user``."""
    return getattr(request, "session", None) is not None and untouched(request)


def copy_for(request) -> models.Model | None:
    """The agent's user for this (Django) request from its copy, or ``None``."""
    return user_of(request.session) if usable(request) else None


def user_of(session) -> models.Model | None:
    """The session's user with its ``chatgate_agent``, from the cache; ``None`` when there is no
    copy that this session may use (the caller then asks Django)."""
    user_id = session.get(SESSION_KEY)
    if user_id is None:
        return None
    try:
        found = store.get_many([_key(user_id), _generation_key(user_id)])
    except UNREADABLE:
        return None
    kept = found.get(_key(user_id))
    if not kept or kept["generation"] != found.get(_generation_key(user_id)):
        return None
    backend = session.get(BACKEND_SESSION_KEY)
    if kept["backend"] != backend or backend not in settings.AUTHENTICATION_BACKENDS:
        return None
    if not constant_time_compare(kept["hash"], session.get(HASH_SESSION_KEY) or ""):
        return None
    user, agent = kept["user"], kept["agent"]
    agent.user = user  # and user.chatgate_agent = agent: no query
    return user


def generation(session) -> str | None:
    """The session's user's generation token, read before Django reads the user."""
    user_id = session.get(SESSION_KEY)
    return None if user_id is None else cached.current_token(_generation_key(user_id))


def keep(session, user, token: str | None) -> None:
    """Copy ``user`` and its agent profile, which Django's authentication just accepted for
    ``session`` after ``token`` was read. Users without an agent profile, or of a kind this
    cannot copy, are not copied."""
    agent = getattr(user, "chatgate_agent", None)
    if type(user) is SimpleLazyObject:  # Django's request.user, read just now
        user = user._wrapped
    copyable = isinstance(user, models.Model) and hasattr(user, "get_session_auth_hash")
    if token is None or agent is None or not copyable:
        return
    if str(user.pk) != str(session.get(SESSION_KEY)):
        return
    value = {
        "generation": token,
        "backend": session.get(BACKEND_SESSION_KEY),
        "hash": user.get_session_auth_hash(),
        "user": _deferred(user, keep=(user._meta.pk.attname,)),
        "agent": _deferred(agent, keep=AGENT_FIELDS),
    }
    # A user model that does not pickle: every heartbeat asks Django.
    with contextlib.suppress(pickle.PicklingError, TypeError, AttributeError):
        store.set(_key(user.pk), value, timeout=COPY_SECONDS)


def _deferred(instance: models.Model, *, keep: tuple[str, ...]) -> models.Model:
    """A copy of ``instance`` with only the fields ``keep`` loaded (and no cached relations)."""
    copied = copy.copy(instance)
    copied.__dict__ = {
        name: value
        for name, value in instance.__dict__.items()
        if name in keep or not _is_field(instance, name)
    }
    copied._state = copy.copy(instance._state)
    copied._state.fields_cache = {}
    copied.__dict__.pop("_prefetched_objects_cache", None)
    return copied


def _is_field(instance: models.Model, name: str) -> bool:
    return any(f.attname == name for f in instance._meta.concrete_fields)


def forget(user_id) -> None:
    """The user or its agent profile changes: copies made before are not used, now and after
    this transaction commits (a heartbeat may copy the old rows in between)."""
    if user_id is not None:
        cached.replace([_generation_key(user_id)])
