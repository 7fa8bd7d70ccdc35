"""Departments and the agents who answer for them (and the console, a view of agents)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields

from .. import languages
from .common import single_line
from .schedules import Schedule


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
