"""The agent console and what staff read about agents' presence.

Guarantees:

- **Only staff users holding ``chatgate.use_console`` open the console** (others
  get 403, like the admin's own pages); it works for the signed-in user's own
  agent profile only, through the agent API, so it can do nothing the API
  would refuse.
- **An agent shown as online is one that visitors can reach.** Every page that
  lists agents (the agent list, the status board) shows the effective presence
  by the engine's rules: an ``online`` or ``away`` status whose heartbeat is
  older than ``CHATGATE_PRESENCE_TIMEOUT`` reads "offline — last seen 10:42",
  in the reader's time zone. Presence is read for the whole page in one cache
  round trip, and the rows in a fixed number of queries.
- **The console sends heartbeats only while it is open**, so closing the tab
  lets the status expire; its configuration reaches the script as data (no
  inline executable JS), and the script carries the page's CSP nonce.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from . import csp, presence
from .conf import app_settings
from .models import Agent, Conversation, Department

PERMISSION = "chatgate.use_console"


def can_use(user) -> bool:
    """Active staff holding the console's permission (superusers hold every permission)."""
    return user.is_active and user.is_staff and user.has_perm(PERMISSION)


def presence_text(found: presence.Presence, *, at: datetime) -> str:
    """The status that counts: "Online", or "offline — last seen 10:42" once it expired,
    in the reader's time zone, with the date when that was not the reader's today."""
    if not found.expired:
        return Agent.Status(found.effective_status).label
    if found.last_seen is None:
        return _("offline — never seen")
    seen, today = timezone.localtime(found.last_seen), timezone.localtime(at).date()
    shown = dateformat.format(seen, "H:i" if seen.date() == today else "j M H:i")
    return _("offline — last seen %(time)s") % {"time": shown}


@dataclass(frozen=True)
class AgentRow:
    """One agent on the status board."""

    agent: Agent
    presence: presence.Presence
    label: str
    active: int


def agent_rows(*, at: datetime) -> list[AgentRow]:
    """Every agent with its effective presence and load: three queries, one cache round trip."""
    teams = Department.objects.prefetch_related("translations")
    agents = list(
        Agent.objects.annotate(
            active=Count(
                "conversations", filter=Q(conversations__status=Conversation.Status.ACTIVE)
            )
        ).prefetch_related(Prefetch("departments", queryset=teams))
    )
    found = presence.effective(agents, at=at)
    return [AgentRow(a, found[a.pk], presence_text(found[a.pk], at=at), a.active) for a in agents]


def page(request) -> dict:
    """The console page's context: the user's agent (or None) and the script's configuration."""
    agent = Agent.objects.filter(user=request.user).first()
    if agent is None:
        return {"agent": None}
    queue = reverse("chatgate:agent-conversations")
    config = {
        "urls": {
            "status": reverse("chatgate:agent-status"),
            "heartbeat": reverse("chatgate:agent-heartbeat"),
            "conversations": queue,  # + "<id>/accept/", "<id>/messages/", "<id>/close/"
        },
        "csrf": {
            "header": settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-"),
            "token": get_token(request),
        },
        "heartbeat_seconds": heartbeat_seconds(),
        "poll_seconds": min(app_settings.CHAT_POLL_SECONDS, 3),
        "status": agent.status,
        "statuses": dict(Agent.Status.choices),
        "texts": texts(),
    }
    return {
        "agent": agent,
        "statuses": Agent.Status.choices,
        "config": config,
        "nonce": csp.nonce(request),
    }


def heartbeat_seconds() -> int:
    """A third of the timeout: two heartbeats may be lost before the status expires."""
    return max(1, app_settings.PRESENCE_TIMEOUT // 3)


def texts() -> dict[str, str]:
    """The words the script writes, in the staff member's language."""
    return {
        "visitor": _("Visitor"),
        "accept": _("Accept"),
        "close": _("Close"),
        "open": _("Open"),
        "page": _("Page"),
        "language": _("Language"),
        "local_time": _("Local time"),
        "local_time_value": _("%(time)s in %(zone)s"),
        "waiting_since": _("Waiting since %(time)s"),
        "no_waiting": _("No chat is waiting."),
        "no_active": _("You have no active chat."),
        "load": _("Your chats: %(active)s of %(max)s"),
        "expired": _("Your heartbeat stopped: visitors see you offline."),
        "status_now": _("Your status: %(status)s."),
        "chat_with": _("Chat with %(name)s"),
        "closed": _("This chat is closed."),
        "accept_first": _("Accept this chat to reply."),
        "unreachable": _("The server cannot be reached; trying again."),
        "system": _("System"),
        "unread": _("new messages"),
    }
