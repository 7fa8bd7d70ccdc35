"""Serializers of the staff configuration API: bodies exactly as DESIGN.md section 3 shows them."""

from __future__ import annotations

from datetime import UTC

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from timezone_field.rest_framework import TimeZoneSerializerField

from .. import presence
from ..models import (
    Agent,
    Department,
    Form,
    Schedule,
    ScheduleException,
    WeeklyRange,
    Widget,
    day_error,
    weekly_errors,
)
from ..services import MAX_EXCEPTIONS, MAX_RANGES_PER_DAY, Range, load_zone
from .serializers import UTCDateTimeField
from .translated import TranslatedSerializerMixin, text_field, translations_field

TIME_FORMAT = "%H:%M"
#: What MinuteField reads and writes: ``09:00`` (``09:00:00`` is read too).
MINUTE_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$"


class ZoneField(TimeZoneSerializerField):
    """An IANA zone name. Unlike the library's field, paths such as ``status/`` or ``../x``
    (which ``zoneinfo`` refuses with ValueError, not "not found") get a 400 too."""

    def to_internal_value(self, data):
        try:
            return load_zone(str(data))
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None


class InstantField(serializers.DateTimeField):
    """An instant, written in UTC with a ``Z`` as the schema's ``date-time`` says (the site's
    zone could give an offset with seconds, such as Paris's +00:09:21 before 1911); one sent
    without an offset is read in the site's zone, as the admin reads it."""

    def enforce_timezone(self, value):
        try:
            if timezone.is_naive(value):
                value = super().enforce_timezone(value)  # made aware in the site's zone, checked
            return value.astimezone(UTC)
        except OverflowError:  # DRF's own check of a naive value can overflow too
            self.fail("overflow")


@extend_schema_field({"type": "string", "pattern": MINUTE_PATTERN, "example": "09:00"})
class MinuteField(serializers.TimeField):
    """``"09:00"``: a local wall-clock time to the minute."""

    def __init__(self, **kwargs):
        super().__init__(format=TIME_FORMAT, input_formats=[TIME_FORMAT, "%H:%M:%S"], **kwargs)

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if parsed.second or parsed.microsecond:
            raise serializers.ValidationError("Use whole minutes, such as 09:00.")
        return parsed


class WholeRowSerializer(serializers.Serializer):
    """A nested row is always whole: a PATCH of its parent replaces rows, never edits them."""

    defaults: dict = {}

    def validate(self, attrs: dict) -> dict:
        # DRF makes nested rows partial under PATCH; check what a full row needs ourselves.
        missing = [
            name for name, field in self.fields.items() if field.required and name not in attrs
        ]
        if missing:
            raise serializers.ValidationError(
                {name: ["This field is required."] for name in missing}
            )
        return {**self.defaults, **attrs}


class RangeSerializer(WholeRowSerializer):
    opens = MinuteField()
    closes = MinuteField()


class WeeklyRangeSerializer(RangeSerializer):
    weekday = serializers.IntegerField(
        min_value=0, max_value=6, help_text="0 = Monday ... 6 = Sunday"
    )


class ExceptionSerializer(WholeRowSerializer):
    defaults = {"label": "", "yearly": False, "ranges": []}

    date = serializers.DateField()
    label = serializers.CharField(max_length=100, allow_blank=True, default="")
    yearly = serializers.BooleanField(default=False)
    ranges = RangeSerializer(many=True, default=list, max_length=MAX_RANGES_PER_DAY)


class ScheduleSerializer(serializers.ModelSerializer):
    timezone = ZoneField()
    # The list bounds refuse a huge body before its rows are read; the per-day bound is in validate.
    weekly = WeeklyRangeSerializer(
        many=True, source="weekly_ranges", required=False, max_length=7 * MAX_RANGES_PER_DAY
    )
    exceptions = ExceptionSerializer(many=True, required=False, max_length=MAX_EXCEPTIONS)

    class Meta:
        model = Schedule
        fields = ["id", "name", "timezone", "weekly", "exceptions"]

    def validate(self, attrs: dict) -> dict:
        """Overlaps and too many ranges per weekday and per exception date, worded as in the admin."""
        rows = [
            (row["weekday"], Range(row["opens"], row["closes"]))
            for row in attrs.get("weekly_ranges", [])
        ]
        overlaps = weekly_errors(rows)
        if overlaps:
            raise serializers.ValidationError({"weekly": [m for e in overlaps for m in e.messages]})
        seen, errors = set(), {}
        for index, row in enumerate(attrs.get("exceptions", [])):
            if row["date"] in seen:
                errors[index] = [f"{row['date']} is listed twice."]
            seen.add(row["date"])
            overlap = day_error(
                [Range(r["opens"], r["closes"]) for r in row["ranges"]], row["date"]
            )
            if overlap:
                errors[index] = overlap.messages
        if errors:
            raise serializers.ValidationError({"exceptions": errors})
        return attrs

    @transaction.atomic
    def create(self, validated: dict) -> Schedule:
        weekly, exceptions = validated.pop("weekly_ranges", []), validated.pop("exceptions", [])
        schedule = Schedule.objects.create(**validated)
        self._replace_rows(schedule, weekly, exceptions)
        return schedule

    @transaction.atomic
    def update(self, schedule: Schedule, validated: dict) -> Schedule:
        weekly, exceptions = validated.pop("weekly_ranges", None), validated.pop("exceptions", None)
        for name, value in validated.items():
            setattr(schedule, name, value)
        schedule.save()
        self._replace_rows(schedule, weekly, exceptions)
        return schedule

    def _replace_rows(self, schedule: Schedule, weekly, exceptions) -> None:
        """Nested lists replace the stored ones; a list left out of a PATCH keeps them."""
        if weekly is not None:
            schedule.weekly_ranges.all().delete()
            WeeklyRange.objects.bulk_create(WeeklyRange(schedule=schedule, **row) for row in weekly)
        if exceptions is not None:
            schedule.exceptions.all().delete()
            ScheduleException.objects.bulk_create(
                ScheduleException(
                    schedule=schedule,
                    date=row["date"],
                    label=row["label"],
                    yearly=row["yearly"],
                    ranges=[
                        {"opens": f"{r['opens']:%H:%M}", "closes": f"{r['closes']:%H:%M}"}
                        for r in row["ranges"]
                    ],
                )
                for row in exceptions
            )
        schedule.save()  # one more signal after bulk writes: cached snapshots are rebuilt


class DepartmentSerializer(TranslatedSerializerMixin, serializers.ModelSerializer):
    translated = ("name",)
    name = text_field(Department, "name")
    translations = translations_field(Department, translated)

    class Meta:
        model = Department
        fields = ["id", "slug", "name", "schedule", "email", "active", "translations"]


class AgentSerializer(serializers.ModelSerializer):
    departments = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), many=True, required=False
    )
    status = serializers.ChoiceField(choices=Agent.Status.choices, required=False)

    class Meta:
        model = Agent
        fields = ["id", "user", "display_name", "departments", "max_chats", "status"]

    def save(self, **kwargs) -> Agent:
        status = self.validated_data.pop("status", None)
        agent = super().save(**kwargs)
        if status is not None:
            presence.set_status(agent, status)  # also a heartbeat, in the shared cache
        return agent


class WidgetSerializer(TranslatedSerializerMixin, serializers.ModelSerializer):
    translated = ("greeting", "closing_soon_text", "away_reply")
    greeting = text_field(Widget, "greeting", required=False)
    closing_soon_text = text_field(Widget, "closing_soon_text", required=False)
    away_reply = text_field(Widget, "away_reply", required=False)
    translations = translations_field(Widget, translated)
    departments = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), many=True, required=False
    )
    offline_form = serializers.PrimaryKeyRelatedField(
        queryset=Form.objects.all(), allow_null=True, required=False
    )
    contact_form = serializers.PrimaryKeyRelatedField(
        queryset=Form.objects.all(), allow_null=True, required=False
    )
    force_until = InstantField(
        allow_null=True,
        required=False,
        label=Widget._meta.get_field("force_until").verbose_name,
        help_text=Widget._meta.get_field("force_until").help_text,
    )

    class Meta:
        model = Widget
        fields = [
            "id",
            "slug",
            "name",
            "active",
            "mode",
            "schedule",
            "departments",
            "when_offline",
            "away_accepts_chats",
            "closing_soon_minutes",
            "force",
            "force_until",
            "offline_form",
            "contact_form",
            "email",
            "greeting",
            "closing_soon_text",
            "away_reply",
            "ask_name",
            "ask_email",
            "max_wait_minutes",
            "waiting_at_closing",
            "auto_reply",
            "translations",
        ]

    def validate(self, attrs: dict) -> dict:
        """The model's own ``clean()`` rules (form kinds, an end time without override)."""
        skip = {"departments", "translations", *self.translated}
        values = {k: v for k, v in attrs.items() if k not in skip}
        instance = Widget(**{**self._current(), **values})
        try:
            instance.clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return attrs

    def _current(self) -> dict:
        if self.instance is None:
            return {}
        names = ["force", "force_until", "offline_form", "contact_form"]
        return {name: getattr(self.instance, name) for name in names}


class PeriodSerializer(serializers.Serializer):
    opens_at = UTCDateTimeField()
    closes_at = UTCDateTimeField()
