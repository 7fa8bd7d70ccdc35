"""Widgets and their forms: what staff configure for one chat entry point, and the labels of
what a widget's state can be."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields

from .. import languages
from .common import choice_list, single_line
from .schedules import Schedule
from .team import Department


class Form(TranslatableModel):
    class Kind(models.TextChoices):
        OFFLINE = "offline", _("Offline form")
        CONTACT = "contact", _("Contact form")

    name = models.CharField(_("name"), max_length=100, help_text=_("For staff only."))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    translations = TranslatedFields(
        title=models.CharField(
            _("title"), max_length=200, blank=True, help_text=_("Blank: the built-in title.")
        ),
        greeting=models.TextField(_("greeting"), blank=True),
        submit_label=models.CharField(
            _("submit button"), max_length=60, blank=True, help_text=_("Blank: “Send”.")
        ),
        success_message=models.TextField(
            _("success message"), blank=True, help_text=_("Blank: the built-in thanks.")
        ),
    )
    department_choice = models.BooleanField(
        _("offer a department choice"),
        default=False,
        help_text=_("Let visitors pick a department; offline departments are labelled as such."),
    )

    class Meta:
        verbose_name = _("form")
        verbose_name_plural = _("forms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FormField(TranslatableModel):
    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        TEXTAREA = "textarea", _("Long text")
        SELECT = "select", _("Choice")
        CHECKBOX = "checkbox", _("Checkbox")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")

    form = models.ForeignKey(
        Form, on_delete=models.CASCADE, related_name="fields", verbose_name=_("form")
    )
    name = models.CharField(
        _("name"),
        max_length=50,
        validators=[
            RegexValidator(r"^[a-z][a-z0-9_]*$", _("Use lower-case letters, digits and _."))
        ],
        help_text=_("The key the value is stored under, e.g. order_number."),
    )
    type = models.CharField(_("type"), max_length=10, choices=Type.choices, default=Type.TEXT)
    required = models.BooleanField(_("required"), default=False)
    max_length = models.PositiveIntegerField(
        _("maximum length"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    translations = TranslatedFields(
        label=models.CharField(_("label"), max_length=200),
        choices=models.TextField(
            _("choices"), blank=True, help_text=_("For a choice field: one option per line.")
        ),
        help=models.CharField(_("help text"), max_length=300, blank=True),
    )

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["form", "name"], name="chatgate_field_unique_name")
        ]

    def __str__(self) -> str:
        return languages.display_name(self, "label") or self.name

    @property
    def choice_list(self) -> tuple[str, ...]:
        """The options in the language being edited (the admin's tab)."""
        return choice_list(self.safe_translation_getter("choices", default=""))

    def clean(self) -> None:
        if self.type == self.Type.SELECT and not self.choice_list:
            raise ValidationError({"choices": _("A choice field needs at least one option.")})


class Widget(TranslatableModel):
    class Mode(models.TextChoices):
        CHAT = "chat", _("Live chat")
        MESSAGING = "messaging", _("Messaging")

    class WhenOffline(models.TextChoices):
        OFFLINE_FORM = "offline_form", _("Show the offline form")
        CONTACT_FORM = "contact_form", _("Show the contact form")
        HIDE = "hide", _("Hide the widget")

    class Force(models.TextChoices):
        OPEN = "open", _("Force open")
        CLOSED = "closed", _("Force closed")

    class AtClosing(models.TextChoices):
        KEEP = "keep", _("Keep them waiting for the next opening")
        TICKET = "ticket", _("Turn them into tickets")

    class Ask(models.TextChoices):
        OFF = "off", _("Do not ask")
        OPTIONAL = "optional", _("Optional")
        REQUIRED = "required", _("Required")

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100, validators=[single_line])
    active = models.BooleanField(_("active"), default=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.CHAT)
    schedule = models.ForeignKey(
        Schedule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="widgets",
        verbose_name=_("schedule"),
        help_text=_("Leave empty for no restriction by hours."),
    )
    departments = models.ManyToManyField(
        Department,
        blank=True,
        related_name="widgets",
        verbose_name=_("departments"),
        help_text=_("Departments offered; none offers every active department."),
    )
    when_offline = models.CharField(
        _("when nobody can answer"),
        max_length=15,
        choices=WhenOffline.choices,
        default=WhenOffline.OFFLINE_FORM,
    )
    away_accepts_chats = models.BooleanField(
        _("away agents accept chats"),
        default=True,
        help_text=_("Agents set to away still take new chats."),
    )
    closing_soon_minutes = models.PositiveSmallIntegerField(
        _("closing-soon notice (minutes)"), default=15
    )
    force = models.CharField(
        _("manual override"),
        max_length=10,
        choices=Force.choices,
        null=True,
        blank=True,
        help_text=_("Beats the schedules; forcing open does not invent agents."),
    )
    force_until = models.DateTimeField(
        _("override until"),
        null=True,
        blank=True,
        help_text=_("Leave empty to keep the override until removed."),
    )
    offline_form = models.ForeignKey(
        Form,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Form.Kind.OFFLINE},
        verbose_name=_("offline form"),
    )
    contact_form = models.ForeignKey(
        Form,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Form.Kind.CONTACT},
        verbose_name=_("contact form"),
    )
    email = models.EmailField(
        _("email"), blank=True, help_text=_("Tickets go here when their department has none.")
    )
    translations = TranslatedFields(
        greeting=models.CharField(
            _("greeting"), max_length=300, blank=True, help_text=_("Blank: the built-in greeting.")
        ),
        closing_soon_text=models.CharField(
            _("closing-soon notice"),
            max_length=300,
            blank=True,
            help_text=_("{time} is replaced by the closing time. Blank: the built-in notice."),
        ),
        away_reply=models.TextField(
            _("automatic reply when nobody is available"),
            blank=True,
            help_text=_("Messaging mode: sent once per closed period. Blank: the built-in reply."),
        ),
    )
    ask_name = models.CharField(
        _("ask the visitor's name"),
        max_length=10,
        choices=Ask.choices,
        default=Ask.OPTIONAL,
        help_text=_("Before a chat starts."),
    )
    ask_email = models.CharField(
        _("ask the visitor's email"),
        max_length=10,
        choices=Ask.choices,
        default=Ask.OPTIONAL,
        help_text=_("Before a chat starts."),
    )
    max_wait_minutes = models.PositiveSmallIntegerField(
        _("longest wait (minutes)"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A chat no agent has accepted after this long offers the visitor the offline form, "
            "filled in with the conversation."
        ),
    )
    waiting_at_closing = models.CharField(
        _("waiting chats at closing"),
        max_length=10,
        choices=AtClosing.choices,
        default=AtClosing.KEEP,
        help_text=_("Chats no agent accepted before closing time; the visitor is told either way."),
    )
    typical_reply_seconds = models.PositiveIntegerField(
        _("typical reply time (seconds)"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Median wait for an agent's first reply over the last 7 days, in open hours; "
            "refreshed by chatgate_tick."
        ),
    )
    auto_reply = models.BooleanField(
        _("automatic reply"),
        default=True,
        help_text=_(
            "Messaging mode: when nobody can answer, reply once per closed period with when "
            "someone will be back."
        ),
    )

    class Meta:
        verbose_name = _("widget")
        verbose_name_plural = _("widgets")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.force_until and not self.force:
            errors["force_until"] = _("An end time needs a manual override.")
        if self.offline_form_id and self.offline_form.kind != Form.Kind.OFFLINE:
            errors["offline_form"] = _("Choose a form of the kind 'Offline form'.")
        if self.contact_form_id and self.contact_form.kind != Form.Kind.CONTACT:
            errors["contact_form"] = _("Choose a form of the kind 'Contact form'.")
        if errors:
            raise ValidationError(errors)


#: Staff- and visitor-readable names of the engine's statuses, reasons and what visitors see.
SHOW_LABELS = {
    "chat": _("The chat"),
    "messaging": _("Messaging"),
    "offline_form": _("The offline form"),
    "contact_form": _("The contact form"),
    "hidden": _("Nothing (hidden)"),
}
STATUS_LABELS = {"online": _("Online"), "away": _("Away"), "offline": _("Offline")}
REASON_LABELS = {
    "open": _("Open"),
    "closed": _("Outside opening hours"),
    "exception": _("Special day (exception)"),
    "no_agents": _("No agent available"),
    "at_capacity": _("All agents busy"),
    "forced_closed": _("Closed by a manual override"),
    "forced_open": _("Opened by a manual override"),
    "disabled": _("Disabled"),
    "unavailable": _("Temporarily unavailable"),
}
