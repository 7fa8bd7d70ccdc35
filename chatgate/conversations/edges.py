"""Around the edges of opening hours: closing soon, closing time, and automatic replies.

Guarantees:

- **Each event is written once per chat and per period**, whoever gets there
  first: a poll of the conversation, a visitor's message, or ``chatgate_tick``.
  Each is one conditional UPDATE of the conversation (``closing_notice_for``,
  ``closed_waiting_at``, ``auto_reply_period``) in the transaction that writes
  its message, so of racing pollers and ticks exactly one changes the row.
- **Closing soon**: within the widget's ``closing_soon_minutes`` of the
  closing time, an active chat is told once when chat closes, in the
  visitor's time zone and language.
- **At closing**: a chat no agent accepted is, as the widget says
  (``waiting_at_closing``), kept waiting or turned into a ticket carrying its
  transcript; the visitor is told in the chat either way. Active chats go on.
- **Messaging mode**: a visitor who writes while nobody can answer gets one
  automatic reply per closed period saying when someone will be back, unless
  the widget's ``auto_reply`` is off or an agent replied in the last
  ``QUIET_AFTER_AGENT``. Agents' messages never get one.

Texts are written in the visitor's language and time zone when the event
happens (they are what the visitor reads); blank staff texts mean the
translated defaults (``chatgate.languages``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import formats, translation
from django.utils.translation import gettext as _

from .. import cached, languages, services
from ..availability import WidgetState
from ..models import Conversation, Message, Ticket, Widget
from ..signals import conversation_closed
from .base import ACTIVE, AGENT, CLOSED, SYSTEM, VISITOR, WAITING, add_message, transcript

#: No automatic reply when an agent wrote in the conversation this recently.
QUIET_AFTER_AGENT = timedelta(minutes=5)
#: Reasons that mean the hours are closed (not merely that nobody is online).
CLOSED_HOURS = {"closed", "exception", "forced_closed", "disabled"}


def hours_of(
    conversation: Conversation, state: WidgetState, at: datetime
) -> tuple[str, str, datetime | None]:
    """``(status, reason, closes_at)`` of the conversation's department, else of the widget;
    ``closes_at`` from the hours alone (a full or empty team does not hide the closing)."""
    department = state.department(conversation.department.slug) if conversation.department else None
    where = department or state
    slug = conversation.department.slug if conversation.department else None
    closes_at = where.closes_at or services.closing_time(conversation.widget.slug, slug, at=at)
    return where.status, where.reason, closes_at


def opens_at_of(conversation: Conversation, state: WidgetState) -> datetime | None:
    department = state.department(conversation.department.slug) if conversation.department else None
    return (department or state).opens_at


def state_for(conversation: Conversation, at: datetime, states: dict | None = None) -> WidgetState:
    """The widget's state for the conversation's language; ``states`` memoises it for a tick
    over many conversations (one state per widget and language)."""
    key = (conversation.widget.slug, conversation.language)
    if states is not None and key in states:
        return states[key]
    state = services.widget_state(conversation.widget.slug, at=at, language=conversation.language)
    if states is not None:
        states[key] = state
    return state


def sweep(conversation: Conversation, *, at: datetime, states: dict | None = None) -> list[str]:
    """The events around opening hours due for one conversation; returns those this call wrote."""
    if conversation.status == CLOSED:
        return []
    state = state_for(conversation, at, states)
    if conversation.widget.mode == Widget.Mode.MESSAGING:
        return unanswered(conversation, state, at=at)
    done = []
    if conversation.status == ACTIVE and closing_notice(conversation, state, at=at):
        done.append("closing_soon")
    if conversation.status == WAITING and at_closing(conversation, state, at=at):
        done.append("closed_waiting")
    return done


def next_edge(conversation: Conversation, state: WidgetState, at: datetime) -> datetime | None:
    """The earliest instant an event around opening hours may fall due, for the poll's cache
    entry (a poll checks it without the database); ``None`` when none can."""
    if conversation.status == CLOSED:
        return None
    _status, reason, closes_at = hours_of(conversation, state, at)
    if conversation.widget.mode == Widget.Mode.MESSAGING:
        return closes_at or state.valid_until  # a thread left unanswered at closing
    if conversation.status == WAITING:
        if conversation.closed_waiting_at is not None:
            return None
        if reason in CLOSED_HOURS:
            return conversation.started_at  # closed already: due now
        return closes_at or state.valid_until
    if closes_at is not None and conversation.closing_notice_for != closes_at:
        return closes_at - timedelta(minutes=conversation.widget.closing_soon_minutes)
    return state.valid_until


def closing_notice(conversation: Conversation, state: WidgetState, *, at: datetime) -> bool:
    """Tell an active chat when chat closes, once per closing time."""
    _status, reason, closes_at = hours_of(conversation, state, at)
    soon = timedelta(minutes=conversation.widget.closing_soon_minutes)
    if closes_at is None or reason in CLOSED_HOURS or not (closes_at - soon <= at < closes_at):
        return False
    if conversation.closing_notice_for == closes_at:
        return False
    with transaction.atomic():
        told = (
            Conversation.objects.filter(pk=conversation.pk, status=ACTIVE)
            .exclude(closing_notice_for=closes_at)
            .update(closing_notice_for=closes_at)
        )
        if not told:
            return False
        conversation.closing_notice_for = closes_at
        text = _with_language(
            conversation,
            lambda: closing_text(
                conversation.widget, _language(conversation), closes_at, zone(conversation, state)
            ),
        )
        params = {"closes_at": closes_at.isoformat()}
        add_message(conversation, SYSTEM, text, code="closing_soon", params=params, at=at)
    return True


def at_closing(conversation: Conversation, state: WidgetState, *, at: datetime) -> bool:
    """A chat still waiting when the hours close: kept waiting or made a ticket, once."""
    _status, reason, _closes = hours_of(conversation, state, at)
    if reason not in CLOSED_HOURS or conversation.closed_waiting_at is not None:
        return False
    # A visitor already offered the form may be filling it in: its ticket will carry the chat.
    as_ticket = conversation.widget.waiting_at_closing == Widget.AtClosing.TICKET and (
        conversation.form_offered_at is None
    )
    with transaction.atomic():
        moved = Conversation.objects.filter(
            pk=conversation.pk, status=WAITING, closed_waiting_at__isnull=True
        )
        if as_ticket:
            updated = moved.update(
                closed_waiting_at=at,
                status=CLOSED,
                closed_at=at,
                closed_by=Conversation.ClosedBy.SYSTEM,
            )
        else:
            updated = moved.update(closed_waiting_at=at)
        if not updated:
            return False
        conversation.closed_waiting_at = at
        if as_ticket:
            cached.state_changed()  # a place in the queue is free
            _to_ticket(conversation, state, at=at)
        else:
            text = _with_language(conversation, lambda: _kept_text(conversation, state, at))
            params = {"opens_at": _iso(opens_at_of(conversation, state))}
            add_message(conversation, SYSTEM, text, code="closed_keep", params=params, at=at)
    return True


def _to_ticket(conversation: Conversation, state: WidgetState, *, at: datetime) -> None:
    """The transcript becomes a ticket (notified like any other); the chat ends."""
    conversation.status = CLOSED
    _new_ticket(conversation)
    text = _with_language(
        conversation,
        lambda: _("We are closed now. Your message was passed on to the team, who will reply."),
    )
    add_message(conversation, SYSTEM, text, code="closed_ticket", params={}, at=at)
    transaction.on_commit(
        lambda: conversation_closed.send(
            sender=Conversation, conversation=conversation, by=Conversation.ClosedBy.SYSTEM
        )
    )


def _new_ticket(conversation: Conversation) -> Ticket:
    """A ticket of the chat's messages, announced (``ticket_created``, its email) on commit."""
    from .. import tickets  # tickets imports conversations

    ticket = Ticket.objects.create(
        widget=conversation.widget,
        form_kind=Ticket.Kind.CHAT,
        department=conversation.department,
        fields=[],
        email=conversation.visitor_email,
        page_url=conversation.page_url,
        language=conversation.language,
        visitor_timezone=conversation.visitor_timezone,
        user_agent=conversation.user_agent,
        conversation=conversation,
        transcript=transcript(conversation),
    )
    transaction.on_commit(lambda: tickets.announce(ticket.pk))
    return ticket


def _kept_text(conversation: Conversation, state: WidgetState, at: datetime) -> str:
    opens_at = opens_at_of(conversation, state)
    if opens_at is None:
        return _("We are closed now. Your chat stays in the queue for the next agent.")
    return _("We are closed now. Your chat stays in the queue. %(back)s") % {
        "back": back(opens_at, zone(conversation, state), at=at)
    }


def visitor_wrote(conversation: Conversation, *, at: datetime) -> list[str]:
    """Messaging mode, after a visitor's message (in its transaction): when nobody can answer,
    the department is notified and the visitor gets the automatic reply. Returns what it did."""
    if conversation.widget.mode != Widget.Mode.MESSAGING:
        return []
    state = state_for(conversation, at)
    reason = nobody_answers(conversation, state, at)
    if reason is None:
        return []
    notify_staff(conversation)
    replied = auto_reply(conversation, state, reason, at=at)
    return ["notified", "auto_reply"] if replied else ["notified"]


def nobody_answers(conversation: Conversation, state: WidgetState, at: datetime) -> str | None:
    """Why nobody can answer the thread now (the hours are closed, or no agent is there), or
    ``None`` when someone can: its own agent still present, or any agent of its department,
    even a busy one (a full team answers later; this thread counts in its load)."""
    with_agent = conversation.status == ACTIVE and conversation.agent_id is not None
    if with_agent and conversation.agent_id not in services.agents_gone(
        [conversation.agent], at=at
    ):
        return None
    _status, reason, _closes = hours_of(conversation, state, at)
    return reason if reason in CLOSED_HOURS or reason == "no_agents" else None


def unanswered(conversation: Conversation, state: WidgetState, *, at: datetime) -> list[str]:
    """A thread whose last word is the visitor's when nobody can answer any more (the hours
    closed after it wrote): the automatic reply, and then the department's email, once per
    closed period."""
    reason = nobody_answers(conversation, state, at)
    if reason is None or last_author(conversation) != VISITOR:
        return []
    if not auto_reply(conversation, state, reason, at=at):
        return []
    notify_staff(conversation)
    return ["auto_reply"]


def with_last_author(conversations):
    """The queryset with each conversation's last author other than the system, read in the
    same query (``chatgate_tick`` looks at every waiting thread)."""
    last = Message.objects.filter(conversation=OuterRef("pk")).exclude(author=SYSTEM)
    return conversations.annotate(last_author=Subquery(last.order_by("-id").values("author")[:1]))


def last_author(conversation: Conversation) -> str | None:
    if hasattr(conversation, "last_author"):
        return conversation.last_author
    last = conversation.messages.exclude(author=SYSTEM).order_by("-id").first()
    return last.author if last else None


def notify_staff(conversation: Conversation) -> None:
    """The thread goes to the department by email, the never-lost way tickets go: its ticket
    not yet being sent takes the new message, else a new ticket is made.

    The conditional UPDATE locks the ticket's row, so a sender claiming it meanwhile either
    waits and then reads this message, or has claimed it first and a new ticket follows.
    """
    pending = Ticket.objects.filter(
        conversation=conversation,
        form_kind=Ticket.Kind.CHAT,
        notified_at__isnull=True,
        notify_claimed_until__isnull=True,
    )
    if not pending.update(transcript=transcript(conversation)):
        _new_ticket(conversation)


def auto_reply(
    conversation: Conversation, state: WidgetState, reason: str, *, at: datetime
) -> bool:
    """The automatic reply, once per closed period; none when the widget's switch is off or
    an agent wrote in the last ``QUIET_AFTER_AGENT``."""
    if not conversation.widget.auto_reply:
        return False
    if conversation.messages.filter(author=AGENT, created_at__gte=at - QUIET_AFTER_AGENT).exists():
        return False
    opens_at = opens_at_of(conversation, state)
    period = _period(opens_at, reason, state, at)
    with transaction.atomic():
        replied = (
            Conversation.objects.filter(pk=conversation.pk)
            .exclude(auto_reply_period=period)
            .update(auto_reply_period=period)
        )
        if not replied:
            return False
        conversation.auto_reply_period = period
        text = _with_language(conversation, lambda: _auto_text(conversation, state, opens_at, at))
        params = {"opens_at": _iso(opens_at)}
        add_message(conversation, SYSTEM, text, code="auto_reply", params=params, at=at)
    return True


def _period(opens_at: datetime | None, reason: str, state: WidgetState, at: datetime) -> str:
    """The closed period's name: when it ends, or (no opening known) the reason and the day."""
    if opens_at is not None:
        return opens_at.isoformat()
    return f"{reason}:{at.astimezone(ZoneInfo(state.timezone)).date().isoformat()}"


def _auto_text(
    conversation: Conversation, state: WidgetState, opens_at: datetime | None, at: datetime
) -> str:
    tz = zone(conversation, state)
    return reply_text(conversation.widget, _language(conversation), opens_at, tz, at=at)


def reply_text(
    widget: Widget, language: str, opens_at: datetime | None, tz: ZoneInfo, *, at: datetime
) -> str:
    """The automatic reply as a visitor in ``tz`` reads it (call in ``language``)."""
    reply = languages.text(widget, "away_reply", language)
    if opens_at is None:
        return reply
    return f"{reply} {back(opens_at, tz, at=at)}"


def closing_text(widget: Widget, language: str, closes_at: datetime, tz: ZoneInfo) -> str:
    """The closing-soon message as a visitor in ``tz`` reads it (call in ``language``)."""
    template = languages.text(widget, "closing_soon_text", language)
    return template.replace("{time}", _time(closes_at, tz))


def back(opens_at: datetime, tz: ZoneInfo, *, at: datetime) -> str:
    """ "We'll be back …" in the active language, as the widget says it (same sentences)."""
    local, today = opens_at.astimezone(tz), at.astimezone(tz).date()
    time = _time(opens_at, tz)
    days = (local.date() - today).days
    if days <= 0:
        return _("We'll be back today at {time}.").replace("{time}", time)
    if days == 1:
        return _("We'll be back tomorrow at {time}.").replace("{time}", time)
    if days < 7:
        day = formats.date_format(local, "l")
        return _("We'll be back on {day} at {time}.").replace("{day}", day).replace("{time}", time)
    when = formats.date_format(local, "MONTH_DAY_FORMAT")
    return _("We'll be back on {date} at {time}.").replace("{date}", when).replace("{time}", time)


def zone(conversation: Conversation, state: WidgetState) -> ZoneInfo:
    """The visitor's time zone when the widget sent one, else the widget's."""
    try:
        return ZoneInfo(conversation.visitor_timezone or state.timezone)
    except (KeyError, ValueError):
        return ZoneInfo(state.timezone)


def _time(instant: datetime, tz: ZoneInfo) -> str:
    """Hours and minutes as the widget writes them: "9:00 AM" where the active language's
    format uses a 12-hour clock, else "09:00"."""
    twelve = any(c in formats.get_format("TIME_FORMAT") for c in "ghAaP")
    return formats.date_format(instant.astimezone(tz), "g:i A" if twelve else "H:i")


def _language(conversation: Conversation) -> str:
    return languages.visitor_language(conversation.language or None)


def _with_language(conversation: Conversation, make) -> str:
    with translation.override(_language(conversation)):
        return str(make())


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


#: Zones the admin previews the texts in, besides the widget's own.
PREVIEW_ZONES = ("America/New_York", "Asia/Tokyo")


def preview(widget: Widget, language: str, *, at: datetime) -> list[tuple[str, str, str]]:
    """``(zone, closing-soon message, automatic reply)`` as visitors in several zones would
    read them at the widget's next closing: what the admin shows under the texts."""
    hours = widget.schedule.to_hours() if widget.schedule_id else None
    start = hours.next_open(at) if hours else None
    closing = hours.next_close(start) if start else None
    opens_at = hours.next_open(closing) if closing else None
    own = str(widget.schedule.timezone) if widget.schedule_id else "UTC"
    rows = []
    with translation.override(language):
        for name in dict.fromkeys((own, *PREVIEW_ZONES)):
            tz = ZoneInfo(name)
            soon = closing_text(widget, language, closing, tz) if closing else ""
            rows.append((name, soon, reply_text(widget, language, opens_at, tz, at=closing or at)))
    return rows
