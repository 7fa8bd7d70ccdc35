"""A widget's configuration in five queries whatever its size.

``load_widget_config`` reads everything the engine needs about a widget in
three queries, and ``load_roster`` every agent with its departments in one:
with the chat load (``services.chat_load``), a state computed after a
configuration change, or for a chat start, costs five queries whether the
widget offers 1 department or 200 and there is 1 agent or 1,000. The three:

1. the widget, its schedule and its two forms;
2. the departments it offers (all active ones when it lists none), with their schedules;
3. one ``UNION ALL`` of what hangs off those: the schedules' weekly ranges and
   exceptions, the forms' fields, and the texts of the widget, forms, fields
   and departments in every language.

The snapshot is the one the models would give (``Schedule.to_hours``,
``chatgate.languages``): the same hours, the same fallbacks between languages.
The third query's rows come back as JSON, typed differently by each database
(booleans as 0/1, times and dates as text, nested JSON as text on SQLite), and
are read back into Python values here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.db.models import Exists, F, Model, Q, QuerySet, Value
from django.db.models.functions import JSONObject
from django.utils import translation

from . import languages, reply_time
from .availability import (
    DepartmentConfig,
    FormDefinition,
    FormFieldDefinition,
    OpeningHours,
    WidgetConfig,
)
from .conf import app_settings
from .models import (
    Agent,
    Department,
    Form,
    FormField,
    Schedule,
    ScheduleException,
    WeeklyRange,
    Widget,
    choice_list,
    opening_hours,
)

#: What staff wrote, per language code, per field: ``{"fr": {"name": "Ventes"}}``.
Texts = dict[str, dict[str, Any]]


def load_widget_config(slug: str, language: str | None = None) -> WidgetConfig:
    """The engine's snapshot of widget ``slug`` with its texts in ``language``: three queries.

    Raises ``Widget.DoesNotExist`` for an unknown slug.
    """
    language = languages.visitor_language(language)
    widget = Widget.objects.select_related("schedule", "offline_form", "contact_form").get(
        slug=slug
    )
    offered = offered_departments(widget)
    departments = list(offered)
    parts = Parts.load(widget, offered)
    shared: dict[int, OpeningHours] = {}  # one object per schedule: the engine asks it once
    texts = parts.texts("widget", widget.pk)
    return WidgetConfig(
        slug=widget.slug,
        mode=widget.mode,
        hours=parts.hours(widget.schedule, shared),
        departments=tuple(_department(d, parts, language, shared) for d in departments),
        when_offline=widget.when_offline,
        away_accepts_chats=widget.away_accepts_chats,
        closing_soon_minutes=widget.closing_soon_minutes,
        force=widget.force or None,
        force_until=widget.force_until,
        offline_form=parts.form(widget.offline_form, language),
        contact_form=parts.form(widget.contact_form, language),
        active=widget.active,
        timezone=_zone_name([widget.schedule] + [d.schedule for d in departments]),
        poll_after=app_settings.POLL_SECONDS,
        texts={
            "greeting": _text(texts, "greeting", language),
            "closing_soon": _text(texts, "closing_soon_text", language),
            "away_reply": _text(texts, "away_reply", language),
            "typical_reply": _in(language, reply_time.words, widget.typical_reply_seconds),
        },
        language=language,
        typical_reply_seconds=widget.typical_reply_seconds,
    )


def offered_departments(widget: Widget) -> QuerySet[Department]:
    """The departments ``widget`` lists, else every active one, in position order."""
    listed = Widget.departments.through.objects.filter(widget_id=widget.pk)
    chosen = Q(pk__in=listed.values("department_id")) | (Q(active=True) & ~Exists(listed))
    return Department.objects.filter(chosen).select_related("schedule").order_by("position", "slug")


def _department(
    department: Department, parts: Parts, language: str, shared: dict[int, OpeningHours]
) -> DepartmentConfig:
    texts = parts.texts("department", department.pk)
    name = languages.chosen(_written(texts, "name"), language) or department.slug
    hours = parts.hours(department.schedule, shared)
    return DepartmentConfig(department.slug, name, hours, department.active)


def _zone_name(schedules: list[Schedule | None]) -> str:
    return next((str(s.timezone) for s in schedules if s is not None), settings.TIME_ZONE)


def _in(language: str, make, *args) -> str:
    with translation.override(language):
        return make(*args)


# The third query: everything that hangs off the widget and its departments


def _union(widget: Widget, offered: QuerySet[Department]) -> QuerySet:
    """The third query: ranges, exceptions, fields and texts, one ``UNION ALL``.

    Rows are chosen by subqueries, not lists of ids: no parameter limit at any size.
    """
    schedules = Q(schedule_id=widget.schedule_id) | Q(schedule_id__in=offered.values("schedule"))
    forms = [pk for pk in (widget.offline_form_id, widget.contact_form_id) if pk]
    fields = FormField.objects.filter(form_id__in=forms)
    parts = [
        _part("range", WeeklyRange.objects.filter(schedules), "schedule_id", *RANGE),
        _part("exception", ScheduleException.objects.filter(schedules), "schedule_id", *EXCEPTION),
        _part("field", fields, "form_id", *FIELD),
        _texts("widget", Widget, Q(master_id=widget.pk)),
        _texts("form", Form, Q(master_id__in=forms)),
        _texts("field", FormField, Q(master__form_id__in=forms)),
        _texts("department", Department, Q(master_id__in=offered.values("pk"))),
    ]
    return parts[0].union(*parts[1:], all=True).order_by()


RANGE = ("weekday", "opens", "closes")
EXCEPTION = ("date", "yearly", "ranges")
FIELD = ("id", "name", "type", "required", "max_length", "position")


def _part(kind: str, rows: QuerySet, owner: str, *fields: str) -> QuerySet:
    """``rows`` as ``(part, owner, data)``: the shape every part of the union shares."""
    data = JSONObject(**{name: name for name in fields})
    return rows.order_by().values(part=Value(kind), owner=F(owner), data=data)


def _texts(kind: str, model: type[Model], rows: Q) -> QuerySet:
    """What staff wrote for ``model``'s rows in every language: its django-parler rows."""
    translations = model._parler_meta.root_model
    fields = [f.name for f in translations._meta.concrete_fields if f.name not in ("id", "master")]
    return _part(f"{kind}:texts", translations.objects.filter(rows), "master_id", *fields)


@dataclass
class Parts:
    """The third query's rows, by part and owner, read back into Python values."""

    rows: dict[tuple[str, int], list[dict[str, Any]]]

    @classmethod
    def load(cls, widget: Widget, offered: QuerySet[Department]) -> Parts:
        rows: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
        for row in _union(widget, offered):
            rows[(row["part"], row["owner"])].append(_json(row["data"]))
        return cls(rows)

    def of(self, part: str, owner: int | None) -> list[dict[str, Any]]:
        return self.rows.get((part, owner), [])

    def texts(self, part: str, owner: int) -> Texts:
        return {row["language_code"]: row for row in self.of(f"{part}:texts", owner)}

    def hours(
        self, schedule: Schedule | None, shared: dict[int, OpeningHours]
    ) -> OpeningHours | None:
        """The schedule's hours, built once per schedule; ``None``: not restricted by hours."""
        if schedule is None:
            return None
        if schedule.pk not in shared:
            weekly = sorted(
                (row["weekday"], _time(row["opens"]), _time(row["closes"]))
                for row in self.of("range", schedule.pk)
            )
            exceptions = sorted(
                (_date(row["date"]), bool(row["yearly"]), _json(row["ranges"]))
                for row in self.of("exception", schedule.pk)
            )
            shared[schedule.pk] = opening_hours(str(schedule.timezone), weekly, exceptions)
        return shared[schedule.pk]

    def form(self, form: Form | None, language: str) -> FormDefinition | None:
        if form is None:
            return None
        fields = sorted(self.of("field", form.pk), key=lambda f: (f["position"], f["id"]))
        written = [(field, self.texts("field", field["id"])) for field in fields]
        return build_form(form, self.texts("form", form.pk), written, language)


def _json(value):
    """Nested JSON arrives as text on SQLite and typed on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def _time(value: str | time) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def _date(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value[:10])


# Forms and texts


def form_definition(form: Form | None, language: str | None = None) -> FormDefinition | None:
    """A form as the widget renders it, in ``language``; ``None`` when missing or disabled.

    Reads the form's fields and texts from ``form`` (prefetch them to read many forms).
    """
    if form is None:
        return None
    fields = [(_values(f), texts_of(f)) for f in form.fields.all()]
    return build_form(form, texts_of(form), fields, languages.visitor_language(language))


def build_form(
    form: Form, texts: Texts, fields: list[tuple[dict[str, Any], Texts]], language: str
) -> FormDefinition | None:
    """The definition of ``form`` from its texts and its fields (in order) with theirs."""
    if not form.enabled:
        return None
    return FormDefinition(
        kind=form.kind,
        title=_text(texts, "title", language, built_in=f"title:{form.kind}"),
        greeting=languages.chosen(_written(texts, "greeting"), language, any_language=False),
        fields=tuple(_field(field, written, language) for field, written in fields),
        submit_label=_text(texts, "submit_label", language),
        success_message=_text(texts, "success_message", language),
        id=form.pk,
        department_choice=form.department_choice,
    )


def _field(field: dict[str, Any], texts: Texts, language: str) -> FormFieldDefinition:
    return FormFieldDefinition(
        field["name"],
        languages.chosen(_written(texts, "label"), language) or field["name"],
        field["type"],
        bool(field["required"]),
        choice_list(languages.chosen(_written(texts, "choices"), language)),
        languages.chosen(_written(texts, "help"), language),
        field["max_length"],
    )


def _values(field: FormField) -> dict[str, Any]:
    return {name: getattr(field, name) for name in ("id", "name", "type", "required", "max_length")}


def texts_of(obj: Model) -> Texts:
    """What staff wrote for ``obj``, per language (reads ``obj.translations.all()``)."""
    return {
        row.language_code: {f.attname: f.value_from_object(row) for f in row._meta.concrete_fields}
        for row in obj.translations.all()
    }


def _written(texts: Texts, field: str) -> dict[str, str]:
    return {code: row.get(field) or "" for code, row in texts.items()}


def _text(texts: Texts, field: str, language: str, *, built_in: str | None = None) -> str:
    return languages.text_in(_written(texts, field), field, language, built_in=built_in)


# The roster


@dataclass(frozen=True)
class RosterEntry:
    """What rarely changes about an agent; its saved status is the fallback when presence is lost."""

    pk: int
    max_chats: int
    departments: frozenset[str]
    status: str
    status_changed_at: datetime | None


def load_roster() -> tuple[RosterEntry, ...]:
    """Every agent with the slugs of its departments (none included): one query."""
    rows = Agent.objects.order_by("display_name", "pk").values_list(
        "pk", "max_chats", "status", "status_changed_at", "departments__slug"
    )
    agents: dict[int, tuple] = {}
    slugs: dict[int, set[str]] = defaultdict(set)
    for pk, max_chats, status, changed_at, slug in rows:
        agents.setdefault(pk, (max_chats, status, changed_at))
        if slug is not None:
            slugs[pk].add(slug)
    return tuple(
        RosterEntry(pk, max_chats, frozenset(slugs[pk]), status, changed_at)
        for pk, (max_chats, status, changed_at) in agents.items()
    )
