"""Form submissions: validated against the form the widget offers now, stored, then notified.

A chat nobody answered in time offers its visitor the offline form; a
submission naming that conversation is checked against the form it was offered,
carries the chat's transcript, and closes the chat in the same transaction.

A ticket is committed before any email is sent, and the email leaves the
visitor's request (a task, ``chatgate.tasks``); a failed send is recorded on
the ticket and retried by ``chatgate_send_notifications``. Each ticket is sent
once, however many senders race: a sender first claims the ticket with one
conditional UPDATE, then talks to the mail server holding no lock.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import EmailValidator
from django.db import transaction
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext as _

from . import clock, conversations, languages, services, tasks
from .availability import FormDefinition, FormFieldDefinition, WidgetState
from .conf import app_settings
from .models import LINE_BREAK, LINE_BREAK_MESSAGE, Department, FormField, Ticket, Widget
from .signals import ticket_created
from .validators import text_error

logger = logging.getLogger(__name__)
PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]{4,22}$")
DEFAULT_MAX_LENGTH = {"textarea": 10_000}
FALLBACK_MAX_LENGTH = 500
#: A claimed ticket is left to its sender this long; a sender that died is replaced after it.
CLAIM = timedelta(minutes=10)
SENT, ALREADY_SENT, CLAIMED, FAILED = "sent", "already_sent", "claimed", "failed"


class SubmissionRefused(Exception):
    """The submission cannot become a ticket; ``errors`` maps a key to messages, for a 400."""

    def __init__(self, errors: dict, state: WidgetState | None = None) -> None:
        super().__init__(errors)
        self.errors, self.state = errors, state


@dataclass(frozen=True)
class Submission:
    form: str  # "offline" | "contact"
    fields: dict
    department: str | None = None
    page_url: str = ""
    language: str = ""
    timezone: str = ""
    user_agent: str = ""
    conversation: str = ""  # the token of the chat whose offered form this is


def submit(widget_slug: str, submission: Submission, *, at: datetime | None = None) -> Ticket:
    """Validate against the form offered at ``at`` and store the ticket; notify after commit.

    The ticket carries ``success_message``: the form's thanks, in the visitor's language.
    """
    at = at or clock.now()
    state = services.widget_state(widget_slug, at=at, language=submission.language or None)
    submission = replace(submission, language=state.language)  # one of settings.LANGUAGES
    chat, offered = _chat(widget_slug, submission)
    offered = offered or state.form
    form = offered if offered and offered.kind == submission.form else None
    if form is None:
        message = _("This form is not offered right now.")
        raise SubmissionRefused({"form": [message]}, state)
    department = _department(submission.department, form, state)
    if chat is not None and department is None:
        department = chat.department
    values = clean_fields(form, submission.fields)
    with transaction.atomic():
        ticket = _store(widget_slug, form, department, values, submission)
        if chat is not None:
            _attach(ticket, chat, at)
        transaction.on_commit(lambda: announce(ticket.pk))
    ticket.success_message = form.success_message
    return ticket


def _chat(widget_slug: str, submission: Submission):
    """The conversation named by the submission and the form it offers, or ``(None, None)``."""
    if not submission.conversation:
        return None, None
    try:
        return conversations.offered_to(widget_slug, submission.conversation)
    except conversations.Invalid as invalid:
        raise SubmissionRefused(invalid.errors) from None


def _attach(ticket: Ticket, chat, at: datetime) -> None:
    """The chat's transcript goes with the ticket, and the chat ends (both or neither)."""
    ticket.conversation, ticket.transcript = chat, conversations.transcript(chat)
    ticket.save(update_fields=["conversation", "transcript"])
    try:
        conversations.ticket_sent(chat, at=at)
    except conversations.Invalid as invalid:
        raise SubmissionRefused(invalid.errors) from None


def _store(
    widget_slug: str, form: FormDefinition, department, values: dict, submission: Submission
) -> Ticket:
    """The ticket, with each field's label as the visitor saw it."""
    emails = (str(values[f.name]) for f in form.fields if f.type == "email" and values.get(f.name))
    return Ticket.objects.create(
        widget=Widget.objects.get(slug=widget_slug),
        form_id=form.id,
        form_kind=form.kind,
        department=department,
        fields=[
            {"name": f.name, "label": f.label, "value": values[f.name]}
            for f in form.fields
            if f.name in values
        ],
        email=next(emails, ""),
        page_url=submission.page_url,
        language=submission.language[:35],
        visitor_timezone=submission.timezone,
        user_agent=submission.user_agent.replace("\x00", "")[:500],  # a header, not validated
    )


def _department(slug: str | None, form: FormDefinition, state: WidgetState) -> Department | None:
    """The department the visitor chose; ignored when the form offers no choice."""
    if not slug or not form.department_choice:
        return None
    if state.department(slug) is None:
        raise SubmissionRefused(
            {"department": [_("Unknown department “%(slug)s”.") % {"slug": slug}]}
        )
    return Department.objects.get(slug=slug)


def clean_fields(form: FormDefinition, data: dict) -> dict:
    """The submitted values checked against the form's definition; SubmissionRefused if not."""
    if not isinstance(data, dict):
        raise SubmissionRefused({"fields": [_("Expected an object of field values.")]})
    known = {f.name: f for f in form.fields}
    errors: dict[str, list[str]] = {
        name: [_("Unknown field.")] for name in data if name not in known
    }
    values = {}
    for field in form.fields:
        try:
            value = clean_value(field, data.get(field.name))
        except ValidationError as error:
            errors[field.name] = list(error.messages)
            continue
        if value not in (None, ""):
            values[field.name] = value
    if errors:
        raise SubmissionRefused({"fields": errors})
    return values


def clean_value(field: FormFieldDefinition, value):
    """One value, normalised to JSON-friendly data; ``ValidationError`` with the reason."""
    if field.type == "checkbox":
        if value not in (None, "", True, False, "true", "false", "on"):
            raise ValidationError(_("Tick the box or leave it empty."))
        checked = value in (True, "true", "on")
        if field.required and not checked:
            raise ValidationError(_("This box must be ticked."))
        return checked
    if isinstance(value, (bool, dict, list)):
        raise ValidationError(_("Enter text, not a list or an object."))
    text = "" if value is None else str(value).strip()
    unstorable = text_error(text)
    if unstorable:
        raise ValidationError(unstorable)
    if not text:
        if field.required:
            raise ValidationError(_("This field is required."))
        return ""
    if field.type != "textarea" and LINE_BREAK.search(text):
        raise ValidationError(LINE_BREAK_MESSAGE)
    limit = field.max_length or DEFAULT_MAX_LENGTH.get(field.type, FALLBACK_MAX_LENGTH)
    if len(text) > limit:
        raise ValidationError(
            _("At most %(limit)d characters (this has %(length)d).")
            % {"limit": limit, "length": len(text)}
        )
    return _typed(field, text)


def _typed(field: FormFieldDefinition, text: str):
    if field.type == "email":
        limit = Ticket._meta.get_field("email").max_length  # the ticket keeps the address
        if len(text) > limit:
            raise ValidationError(
                _("An email address has at most %(limit)d characters.") % {"limit": limit}
            )
        EmailValidator(message=_("Enter a valid email address."))(text)
    elif field.type == "phone" and not PHONE.match(text):
        raise ValidationError(_("Enter a valid phone number, such as +33 1 23 45 67 89."))
    elif field.type == "select" and text not in field.choices:
        raise ValidationError(_("Choose one of the options."))
    elif field.type == "number":
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("Enter a number.")) from None
        if not number.is_finite():
            raise ValidationError(_("Enter a number."))
    elif field.type == "date":
        try:
            date.fromisoformat(text)
        except ValueError:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from None
    return text


def announce(ticket_id: int) -> None:
    """After the ticket's transaction commits: ``ticket_created``, and its email queued."""
    ticket = Ticket.objects.select_related("widget", "department").get(pk=ticket_id)
    ticket_created.send(sender=Ticket, ticket=ticket)
    tasks.enqueue_ticket_notification(ticket_id)


def send_notification(ticket_id: int) -> str:
    """Email the ticket once: ``sent``, ``already_sent``, ``claimed`` (another sender has it) or ``failed``.

    The claim is one conditional UPDATE: of several senders exactly one gets
    it, and no row stays locked while the mail server is slow.
    """
    now = clock.now()
    claimed = (
        Ticket.objects.filter(pk=ticket_id, notified_at__isnull=True)
        .filter(Q(notify_claimed_until__isnull=True) | Q(notify_claimed_until__lte=now))
        .update(notify_claimed_until=now + CLAIM, notify_attempts=F("notify_attempts") + 1)
    )
    if not claimed:
        sent = Ticket.objects.filter(pk=ticket_id, notified_at__isnull=False).exists()
        return ALREADY_SENT if sent else CLAIMED
    ticket = Ticket.objects.select_related("widget", "department").get(pk=ticket_id)
    try:
        _email(ticket).send()
    except Exception as error:  # any transport error: record it, retry later
        logger.warning("chatgate: notification of ticket %s failed: %s", ticket.pk, error)
        Ticket.objects.filter(pk=ticket_id).update(
            notify_error=f"{type(error).__name__}: {error}"[:1000], notify_claimed_until=None
        )
        return FAILED
    Ticket.objects.filter(pk=ticket_id).update(
        notified_at=clock.now(), notify_error="", notify_claimed_until=None
    )
    return SENT


def _email(ticket: Ticket) -> EmailMessage:
    recipients = [ticket.department.email] if ticket.department and ticket.department.email else []
    recipients = recipients or (
        [ticket.widget.email] if ticket.widget and ticket.widget.email else []
    )
    recipients = recipients or [address for _name, address in settings.MANAGERS]
    if not recipients:
        raise ValueError("no address to notify: set one on the department, the widget or MANAGERS")
    with translation.override(languages.default_language()):  # staff read the site's language
        lines = [f"{label}: {value}" for label, value in submission_rows(ticket)]
        lines += [
            "",
            _("Page: %(url)s") % {"url": ticket.page_url},
            _("Language: %(language)s") % {"language": ticket.language},
            _("Time zone: %(zone)s") % {"zone": ticket.visitor_timezone},
        ]
        if ticket.transcript:
            lines += ["", _("Chat:")]
            lines += [
                f"[{m['created_at'][:16]}] {m['name'] or m['author']}: {m['text']}"
                for m in ticket.transcript
            ]
        subject = _subject(ticket)
    return EmailMessage(
        # Names refuse line breaks now; rows saved before must not fail the send forever.
        subject=" ".join(LINE_BREAK.sub(" ", subject).split()),
        body="\n".join(lines),
        from_email=app_settings.FROM_EMAIL or settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        reply_to=[ticket.email] if ticket.email else None,
    )


def _subject(ticket: Ticket) -> str:
    widget = ticket.widget.name if ticket.widget else "-"
    return f"[{widget}] {ticket} ({ticket.get_form_kind_display()})"


def submission_rows(ticket: Ticket) -> list[tuple[str, str]]:
    """``(label, value)`` of each field as staff read it, in the active language.

    The label is the form's own in that language (the one the visitor saw when
    the field is gone); a checkbox reads "yes" or "no", other values as typed.
    """
    language = languages.visitor_language()
    labels = {}
    if ticket.form_id is not None:
        fields = FormField.objects.filter(form_id=ticket.form_id).prefetch_related("translations")
        labels = {f.name: languages.staff_text(f, "label", language) for f in fields}
    return [(labels.get(f["name"]) or f["label"], _shown(f["value"])) for f in ticket.fields]


def _shown(value) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)


def pending_notifications() -> list[int]:
    return list(
        Ticket.objects.filter(notified_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
