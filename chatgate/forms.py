"""Django forms of the admin: hours typed as text, day-level checks across inline rows."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from .availability import Range
from .models import ScheduleException, day_error, exceptions_error, parse_ranges, weekly_errors

_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def hours_from_text(text: str) -> list[dict[str, str]]:
    """``"09:00-12:00, 13:00-17:00"`` as ranges; blank means closed all day."""
    ranges = []
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        match = _RANGE.match(part)
        if not match:
            raise ValidationError(
                _("'%(part)s' is not a range like 09:00-12:00."), params={"part": part}
            )
        opens, closes = (value.zfill(5) for value in match.groups())
        ranges.append({"opens": opens, "closes": closes})
    parse_ranges(ranges)  # checks the times themselves
    return ranges


def hours_to_text(ranges: list[dict[str, str]]) -> str:
    return ", ".join(f"{r['opens']}-{r['closes']}" for r in ranges or [])


class ScheduleExceptionForm(forms.ModelForm):
    hours = forms.CharField(
        label=_("Opening hours"),
        required=False,
        help_text=_("For example 09:00-12:00, 14:00-16:00. Leave empty to close all day."),
        widget=forms.TextInput(attrs={"placeholder": _("Closed all day")}),
    )

    class Meta:
        model = ScheduleException
        fields = ["date", "label", "yearly", "hours"]
        # A local date of the schedule: no "Today" shortcut, no server-zone note.
        widgets = {"date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hours"].initial = hours_to_text(self.instance.ranges)

    def clean_hours(self) -> list[dict[str, str]]:
        return hours_from_text(self.cleaned_data.get("hours") or "")

    def clean(self):
        cleaned = super().clean()
        ranges = cleaned.get("hours")
        if ranges is not None and cleaned.get("date"):
            error = day_error(parse_ranges(ranges), cleaned["date"])
            if error:
                self.add_error("hours", error)
        return cleaned

    def save(self, commit: bool = True):
        self.instance.ranges = self.cleaned_data["hours"]
        return super().save(commit=commit)


class WeeklyRangeFormSet(BaseInlineFormSet):
    """Refuses ranges that overlap on one weekday, naming the day and both ranges."""

    def clean(self) -> None:
        super().clean()
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or data.get("opens") is None or data.get("closes") is None:
                continue
            try:
                rows.append((data["weekday"], Range(data["opens"], data["closes"])))
            except ValueError:
                continue  # the row's own error is shown on the row
        errors = weekly_errors(rows)
        if errors:
            raise ValidationError(errors)


class ScheduleExceptionFormSet(BaseInlineFormSet):
    """The schedule's upcoming exceptions, at most ``shown``; the rest are listed elsewhere.

    Twenty years of holidays as rows would exceed Django's
    ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` and the page could not be saved (400).
    The total, rows not shown included, stays within ``MAX_EXCEPTIONS``.
    """

    shown = 60

    def get_queryset(self):
        if not hasattr(self, "_shown"):
            self._shown = super().get_queryset()[: self.shown]
            len(self._shown)  # evaluated once: the formset indexes and counts it
        return self._shown

    def not_shown(self) -> int:
        if self.instance.pk is None:
            return 0
        return self.instance.exceptions.count() - len(self.get_queryset())

    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]
        self._refuse_dates_not_shown(kept)
        error = exceptions_error(self.not_shown() + len(kept))
        if error:
            raise ValidationError(error)

    def _refuse_dates_not_shown(self, forms: list) -> None:
        """A row on the date of an exception not shown: an error, not an IntegrityError (Django
        5.2 does not check the schedule-and-date constraint of an inline row)."""
        if self.instance.pk is None:
            return
        shown = [exception.pk for exception in self.get_queryset()]
        taken = set(self.instance.exceptions.exclude(pk__in=shown).values_list("date", flat=True))
        for form in forms:
            day = form.cleaned_data.get("date")
            if day in taken and not form.errors:
                form.add_error(
                    "date",
                    _("This schedule already has an exception on %(date)s.")
                    % {"date": day.isoformat()},
                )


class FormFieldFormSet(BaseInlineFormSet):
    """Refuses two fields with the same name in one form."""

    def clean(self) -> None:
        seen: set[str] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("name"):
                continue
            if data["name"] in seen:
                raise ValidationError(
                    _("The field name '%(name)s' is used twice; each field needs its own name."),
                    params={"name": data["name"]},
                )
            seen.add(data["name"])
        super().clean()  # after ours, whose message says more than "duplicate data"


class HolidayImportForm(forms.Form):
    """What ``chatgate_import_holidays`` asks: a country, an optional subdivision, years."""

    country = forms.CharField(
        label=_("Country code"), max_length=3, help_text=_("ISO code, e.g. FR, US, DE.")
    )
    subdivision = forms.CharField(
        label=_("Subdivision"), required=False, help_text=_("e.g. CA for California.")
    )
    years = forms.CharField(label=_("Years"), help_text=_("Separated by commas, e.g. 2026, 2027."))

    def clean_years(self) -> list[int]:
        try:
            years = sorted(
                {int(y) for y in re.split(r"[\s,]+", self.cleaned_data["years"].strip()) if y}
            )
        except ValueError:
            raise ValidationError(_("Years must be numbers such as 2026.")) from None
        if not years or any(not 1900 <= y <= date.today().year + 50 for y in years):
            raise ValidationError(_("Give one or more years between 1900 and 50 years from now."))
        return years
