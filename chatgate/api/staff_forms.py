"""Serializers of the staff API for forms (with their ordered fields) and tickets.

A form's fields are nested in the order visitors see them; a PUT (or a PATCH
that lists ``fields``) replaces them all, a PATCH without ``fields`` keeps them.
Texts are written per language (``chatgate.api.translated``). Tickets are
read-only but for their status, which a helpdesk sets to ``solved``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import serializers

from ..models import Form, FormField, Ticket, choice_list
from .serializers import FORM_KINDS, UTCDateTimeField
from .staff_serializers import WholeRowSerializer
from .translated import TranslatedSerializerMixin, text_field, translations_field

FIELD_TEXTS = ("label", "choices", "help")
FORM_TEXTS = ("title", "greeting", "submit_label", "success_message")


class FormFieldRowSerializer(
    TranslatedSerializerMixin, WholeRowSerializer, serializers.ModelSerializer
):
    translated = FIELD_TEXTS
    label = text_field(FormField, "label")
    choices = text_field(FormField, "choices", required=False)
    help = text_field(FormField, "help", required=False)
    translations = translations_field(FormField, FIELD_TEXTS)

    class Meta:
        model = FormField
        fields = ["name", "type", "required", "max_length", *FIELD_TEXTS, "translations"]

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        if attrs.get("type") == FormField.Type.SELECT and not choice_list(attrs.get("choices", "")):
            raise serializers.ValidationError(
                {"choices": [_("A choice field needs at least one option.")]}
            )
        return attrs


class FormSerializer(TranslatedSerializerMixin, serializers.ModelSerializer):
    translated = FORM_TEXTS
    title = text_field(Form, "title", required=False)
    greeting = text_field(Form, "greeting", required=False)
    submit_label = text_field(Form, "submit_label", required=False)
    success_message = text_field(Form, "success_message", required=False)
    translations = translations_field(Form, FORM_TEXTS)
    kind = serializers.ChoiceField(choices=FORM_KINDS)  # the choice set the state's forms use
    fields = FormFieldRowSerializer(many=True, required=False)

    class Meta:
        model = Form
        fields = [
            "id",
            "name",
            "kind",
            "enabled",
            "department_choice",
            *FORM_TEXTS,
            "translations",
            "fields",
        ]

    def validate_fields(self, rows: list[dict]) -> list[dict]:
        names = [row["name"] for row in rows]
        twice = {name for name in names if names.count(name) > 1}
        if twice:
            raise serializers.ValidationError(
                {
                    index: {"name": [_("This name is used twice in the form.")]}
                    for index, name in enumerate(names)
                    if name in twice
                }
            )
        return rows

    @transaction.atomic
    def create(self, validated: dict) -> Form:
        rows = validated.pop("fields", [])
        form = super().create(validated)
        self._replace_fields(form, rows)
        return form

    @transaction.atomic
    def update(self, form: Form, validated: dict) -> Form:
        rows = validated.pop("fields", None)
        form = super().update(form, validated)
        if rows is not None:
            self._replace_fields(form, rows)
        return form

    def _replace_fields(self, form: Form, rows: list[dict]) -> None:
        """The listed fields, in this order, replace the form's (tickets keep their own copy)."""
        form.fields.all().delete()
        for position, row in enumerate(rows):
            texts = FormFieldRowSerializer.pop_texts(row)
            field = FormField.objects.create(form=form, position=position, **row)
            FormFieldRowSerializer.save_texts(field, texts)
        getattr(form, "_prefetched_objects_cache", {}).pop("fields", None)
        form.save()  # one more signal after the rows: cached snapshots are rebuilt


class TicketSerializer(serializers.ModelSerializer):
    """A visitor's submission; staff change only its status."""

    widget = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    form_kind = serializers.ChoiceField(choices=Ticket.Kind.choices, read_only=True)
    # As the visitor sent them: possibly blank, so not declared as an email or a URL.
    email = serializers.CharField(read_only=True)
    page_url = serializers.CharField(read_only=True)
    fields = serializers.ListField(
        child=serializers.DictField(), read_only=True, help_text="name, label, value"
    )
    transcript = serializers.ListField(child=serializers.DictField(), read_only=True)
    created_at = UTCDateTimeField(read_only=True)
    notified_at = UTCDateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "widget",
            "form",
            "form_kind",
            "department",
            "fields",
            "email",
            "page_url",
            "language",
            "visitor_timezone",
            "status",
            "created_at",
            "notified_at",
            "transcript",
        ]
        read_only_fields = [name for name in fields if name != "status"]
