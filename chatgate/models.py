"""Configuration (schedules, departments, agents, widgets, forms) and records (tickets, chats)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields
from timezone_field import TimeZoneField

from . import languages
from .availability import (
    HOST_ZONES,
    MAX_EXCEPTIONS,
    MAX_RANGES_PER_DAY,
    OpeningHours,
    Range,
    find_overlap,
    known_zones,
)

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


#: What ``str.splitlines`` splits on: any of these starts a new line somewhere.
LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
LINE_BREAK_MESSAGE = _("Line breaks are not allowed in this field.")


def single_line(value: str) -> None:
    """Validator of texts that end up in email headers (widget and department names)."""
    if LINE_BREAK.search(value or ""):
        raise ValidationError(LINE_BREAK_MESSAGE, code="line_break")


def choice_list(text: str) -> tuple[str, ...]:
    """The options of a choice field, written one per line."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def parse_ranges(value) -> list[Range]:
    """``[{"opens": "09:00", "closes": "12:00"}, ...]`` as engine ranges; ValidationError if not."""
    if not isinstance(value, list):
        raise ValidationError(_("Ranges must be a list of opening and closing times."))
    ranges = []
    for item in value:
        try:
            ranges.append(
                Range(time.fromisoformat(item["opens"]), time.fromisoformat(item["closes"]))
            )
        except (TypeError, KeyError, ValueError):
            raise ValidationError(
                _("%(item)s is not a range like {'opens': '09:00', 'closes': '12:00'}."),
                params={"item": item},
            ) from None
    return ranges


def known_zone(value) -> None:
    """Validator: an IANA name of the time zone database, the same on every host."""
    key = getattr(value, "key", None) or str(value)
    if key in HOST_ZONES:
        raise ValidationError(
            _("The time zone “%(zone)s” depends on the server; choose one such as Europe/Paris."),
            params={"zone": key},
            code="host_zone",
        )
    if key not in known_zones():
        raise ValidationError(
            _("Unknown time zone “%(zone)s”."), params={"zone": key}, code="unknown_zone"
        )


def exceptions_error(count: int) -> ValidationError | None:
    """The translated error when a schedule would hold too many exceptions, else None."""
    if count <= MAX_EXCEPTIONS:
        return None
    return ValidationError(
        _("This schedule would have %(count)d exceptions; at most %(max)d are allowed."),
        params={"count": count, "max": MAX_EXCEPTIONS},
    )


def day_error(ranges: list[Range], label) -> ValidationError | None:
    """The staff-readable, translated error when a day has too many ranges or two of them
    overlap, else None."""
    if len(ranges) > MAX_RANGES_PER_DAY:
        return ValidationError(
            _("%(day)s has %(count)d ranges; at most %(max)d per day."),
            params={"day": label, "count": len(ranges), "max": MAX_RANGES_PER_DAY},
        )
    overlap = find_overlap(ranges)
    if overlap is None:
        return None
    first, second = overlap
    return ValidationError(
        _("The ranges %(first)s and %(second)s overlap on %(day)s."),
        params={"first": first, "second": second, "day": label},
    )


def weekly_errors(rows: Iterable[tuple[int, Range]]) -> list[ValidationError]:
    """One translated error per weekday with too many or overlapping ranges; rows are
    ``(weekday, range)``."""
    by_day: dict[int, list[Range]] = {}
    for weekday, rng in rows:
        by_day.setdefault(weekday, []).append(rng)
    names = dict(WEEKDAY_CHOICES)
    errors = (day_error(ranges, names[day]) for day, ranges in sorted(by_day.items()))
    return [error for error in errors if error]


class Schedule(models.Model):
    name = models.CharField(_("name"), max_length=100)
    timezone = TimeZoneField(
        _("time zone"),
        default="UTC",
        validators=[known_zone],
        help_text=_("The IANA time zone the hours are read in, e.g. Europe/Paris."),
    )

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def to_hours(self) -> OpeningHours:
        """The engine's view of this schedule (uses prefetched ranges and exceptions)."""
        weekly = [(row.weekday, row.opens, row.closes) for row in self.weekly_ranges.all()]
        exceptions = [(e.date, e.yearly, e.ranges) for e in self.exceptions.all()]
        return opening_hours(str(self.timezone), weekly, exceptions)


def opening_hours(
    zone: str,
    weekly: Iterable[tuple[int, time, time]],
    exceptions: Iterable[tuple[date, bool, list]],
) -> OpeningHours:
    """The engine's hours from a schedule's rows: ``(weekday, opens, closes)`` and
    ``(date, yearly, ranges)``, in date order (a later yearly one on the same day wins)."""
    by_day: dict[int, list[Range]] = {}
    for weekday, opens, closes in weekly:
        by_day.setdefault(weekday, []).append(Range(opens, closes))
    dated, yearly = {}, {}
    for day, every_year, ranges in exceptions:
        if every_year:
            yearly[(day.month, day.day)] = parse_ranges(ranges)
        else:
            dated[day] = parse_ranges(ranges)
    return OpeningHours(zone, weekly=by_day, exceptions=dated, yearly=yearly)


class WeeklyRange(models.Model):
    schedule = models.ForeignKey(
        Schedule, on_delete=models.CASCADE, related_name="weekly_ranges", verbose_name=_("schedule")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAY_CHOICES)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(
        _("closes"),
        help_text=_(
            "A closing time at or before the opening time ends the next day; 00:00-00:00 is 24 hours."
        ),
    )

    class Meta:
        verbose_name = _("weekly range")
        verbose_name_plural = _("weekly ranges")
        ordering = ["weekday", "opens"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def as_range(self) -> Range:
        return Range(self.opens, self.closes)

    def clean(self) -> None:
        for name in ("opens", "closes"):
            value = getattr(self, name)
            if value and (value.second or value.microsecond):
                raise ValidationError({name: _("Use whole minutes, such as 09:00.")})


class ScheduleException(models.Model):
    schedule = models.ForeignKey(
        Schedule, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("schedule")
    )
    date = models.DateField(_("date"))
    label = models.CharField(_("label"), max_length=100, blank=True)
    yearly = models.BooleanField(
        _("every year"), default=False, help_text=_("Repeat on this day every year.")
    )
    ranges = models.JSONField(
        _("opening hours"),
        default=list,
        blank=True,
        help_text=_("Hours of this date instead of the weekday's; none means closed all day."),
    )

    class Meta:
        verbose_name = _("exception")
        verbose_name_plural = _("exceptions")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "date"], name="chatgate_exception_unique_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.label}".strip()

    def clean(self) -> None:
        error = day_error(parse_ranges(self.ranges), self.date)
        if error:
            raise ValidationError({"ranges": error})
        if self._state.adding and self.schedule_id:
            error = exceptions_error(self.schedule.exceptions.count() + 1)
            if error:
                raise ValidationError(error)


class Department(TranslatableModel):
    slug = models.SlugField(_("slug"), unique=True)
    translations = TranslatedFields(
        name=models.CharField(_("name"), max_length=100, validators=[single_line]),
    )
    schedule = models.ForeignKey(
        Schedule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="departments",
        verbose_name=_("schedule"),
        help_text=_("Leave empty to use the widget's schedule."),
    )
    email = models.EmailField(
        _("email"), blank=True, help_text=_("Where this team's tickets are sent.")
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return languages.display_name(self) or self.slug


class Agent(models.Model):
    class Status(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")
        INVISIBLE = "invisible", _("Invisible")
        OFFLINE = "offline", _("Offline")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chatgate_agent",
        verbose_name=_("user"),
    )
    display_name = models.CharField(_("display name"), max_length=100)
    departments = models.ManyToManyField(
        Department, blank=True, related_name="agents", verbose_name=_("departments")
    )
    max_chats = models.PositiveSmallIntegerField(
        _("maximum chats"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("At this many active chats the agent takes no new one."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OFFLINE
    )
    status_changed_at = models.DateTimeField(
        _("status changed at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["display_name"]
        # Grant it to staff users who answer chats: the console page of the admin.
        permissions = [("use_console", _("Can use the agent console"))]

    def __str__(self) -> str:
        return self.display_name


class Console(Agent):
    """Not data: the admin's entry for the agent console (a proxy, no table of its own).

    It puts the console in the admin's app list and navigation, at
    ``admin/chatgate/console/``, for the users holding ``chatgate.use_console``,
    including agents who may see nothing else of the admin.
    """

    class Meta:
        proxy = True
        default_permissions = ()  # the console's permission is the agent's use_console
        verbose_name = _("agent console")
        verbose_name_plural = _("agent console")


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
