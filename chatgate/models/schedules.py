"""Schedules: a time zone, weekly ranges and dated exceptions (the engine's ``OpeningHours``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField

from ..availability import OpeningHours, Range
from .common import (
    WEEKDAY_CHOICES,
    day_error,
    exceptions_error,
    known_zone,
    opening_hours,
    parse_ranges,
)


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
