"""Records that visitors leave: tickets (form submissions), conversations and their messages."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .team import Agent, Department
from .widgets import Form, Widget


class Ticket(models.Model):
    class Kind(models.TextChoices):
        OFFLINE = "offline", _("Offline form")
        CONTACT = "contact", _("Contact form")
        CHAT = "chat", _("Messages left in a chat")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        SOLVED = "solved", _("Solved")

    widget = models.ForeignKey(
        Widget,
        on_delete=models.SET_NULL,
        null=True,
        related_name="tickets",
        verbose_name=_("widget"),
    )
    form = models.ForeignKey(
        Form, on_delete=models.SET_NULL, null=True, related_name="tickets", verbose_name=_("form")
    )
    form_kind = models.CharField(_("form kind"), max_length=10, choices=Kind.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("department"),
    )
    fields = models.JSONField(
        _("fields"), default=list, help_text=_("What the visitor sent: name, label, value.")
    )
    email = models.EmailField(_("visitor email"), blank=True)
    page_url = models.URLField(_("page"), max_length=2000, blank=True)
    language = models.CharField(_("language"), max_length=35, blank=True)
    visitor_timezone = models.CharField(_("visitor time zone"), max_length=63, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    notify_attempts = models.PositiveSmallIntegerField(_("notification attempts"), default=0)
    notify_error = models.TextField(_("last notification error"), blank=True)
    notify_claimed_until = models.DateTimeField(
        _("notification claimed until"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("A sender is emailing this ticket; another may take over after this time."),
    )
    conversation = models.ForeignKey(
        "Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("conversation"),
        help_text=_("The chat nobody answered, which the visitor turned into this ticket."),
    )
    transcript = models.JSONField(
        _("transcript"),
        default=list,
        blank=True,
        help_text=_("The chat's messages when the ticket was sent: author, name, text, time."),
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return _("Ticket #%(id)s") % {"id": self.pk}


class Conversation(models.Model):
    """A chat: it waits in its department's queue, an agent accepts it, someone closes it.

    Only the SHA-256 of the visitor's token is stored; the token itself is in
    the visitor's browser alone.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    class ClosedBy(models.TextChoices):
        VISITOR = "visitor", _("The visitor")
        AGENT = "agent", _("The agent")
        SYSTEM = "system", _("chatgate")

    widget = models.ForeignKey(
        Widget, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("widget")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    agent = models.ForeignKey(
        Agent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        verbose_name=_("agent"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    token_hash = models.CharField(
        _("token hash"), max_length=64, unique=True, editable=False, help_text=_("SHA-256, hex.")
    )
    visitor_name = models.CharField(_("visitor name"), max_length=100, blank=True)
    visitor_email = models.EmailField(_("visitor email"), blank=True)
    page_url = models.URLField(_("page"), max_length=2000, blank=True)
    language = models.CharField(_("language"), max_length=35, blank=True)
    visitor_timezone = models.CharField(_("visitor time zone"), max_length=63, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    waiting_since = models.DateTimeField(
        _("waiting since"), null=True, blank=True, help_text=_("When it last entered the queue.")
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.CharField(
        _("closed by"), max_length=10, choices=ClosedBy.choices, blank=True
    )
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    form_offered_at = models.DateTimeField(
        _("offline form offered at"),
        null=True,
        blank=True,
        help_text=_(
            "When the visitor, still waiting after the longest wait, was offered the form."
        ),
    )
    # Time-driven events around opening hours, each written once (a conditional UPDATE).
    closing_notice_for = models.DateTimeField(
        _("closing notice given for"),
        null=True,
        blank=True,
        help_text=_("The closing time the chat was told about."),
    )
    closed_waiting_at = models.DateTimeField(
        _("still waiting at closing"),
        null=True,
        blank=True,
        help_text=_("When closing time found the chat still waiting, and the visitor was told."),
    )
    visitor_seen_id = models.PositiveBigIntegerField(
        _("last message the visitor received"), default=0, editable=False
    )
    visitor_emailed_id = models.PositiveBigIntegerField(
        _("last reply the visitor was emailed about"), default=0, editable=False
    )
    visitor_emailed_before = models.PositiveBigIntegerField(
        _("the reply emailed about before it"), default=0, editable=False
    )
    auto_reply_period = models.CharField(
        _("automatic reply given for"),
        max_length=64,
        blank=True,
        help_text=_("The closed period the automatic reply was given in."),
    )

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "department"], name="chatgate_conv_queue")]

    def __str__(self) -> str:
        return _("Conversation #%(id)s") % {"id": self.pk}


class Message(models.Model):
    """One line of a chat. A system message keeps a ``code`` and ``params``, rendered in each
    reader's language; ``text`` holds it in the site's language for the admin."""

    class Author(models.TextChoices):
        VISITOR = "visitor", _("Visitor")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("conversation"),
    )
    author = models.CharField(_("author"), max_length=10, choices=Author.choices)
    agent = models.ForeignKey(
        Agent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    text = models.TextField(_("text"))
    code = models.CharField(_("event"), max_length=30, blank=True)
    params = models.JSONField(_("event parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"], name="chatgate_message_after")]

    def __str__(self) -> str:
        return self.text[:50]
