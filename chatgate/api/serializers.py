"""Serializers: read-only ones over the services' dataclasses, model ones for configuration."""

from __future__ import annotations

from datetime import UTC

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from ..models import REASON_LABELS, SHOW_LABELS, STATUS_LABELS, Agent, Widget
from ..services import WidgetState, load_zone


class UTCDateTimeField(serializers.DateTimeField):
    """An instant rendered in UTC with a ``Z``, whatever the site's TIME_ZONE."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=UTC, **kwargs)


class FormFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()
    required = serializers.BooleanField()
    choices = serializers.ListField(child=serializers.CharField())
    help = serializers.CharField()
    max_length = serializers.IntegerField(allow_null=True)


FORM_KINDS = ["offline", "contact"]


class FormDefinitionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FORM_KINDS)
    title = serializers.CharField()
    greeting = serializers.CharField()
    fields = FormFieldSerializer(many=True)
    submit_label = serializers.CharField()
    success_message = serializers.CharField()
    department_choice = serializers.BooleanField()


STATUSES = list(STATUS_LABELS)  # the widget and department statuses
REASONS = list(REASON_LABELS)
SHOWS = list(SHOW_LABELS)


class DepartmentStateSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUSES)
    reason = serializers.ChoiceField(choices=REASONS)
    opens_at = UTCDateTimeField(allow_null=True)
    closes_at = UTCDateTimeField(allow_null=True)


class WidgetStateSerializer(serializers.Serializer):
    """The state body of DESIGN.md section 3; times in ISO 8601 UTC."""

    widget = serializers.CharField()
    mode = serializers.ChoiceField(choices=Widget.Mode.choices)
    status = serializers.ChoiceField(choices=STATUSES)
    reason = serializers.ChoiceField(choices=REASONS)
    show = serializers.ChoiceField(choices=SHOWS)
    can_start_chat = serializers.BooleanField()
    opens_at = UTCDateTimeField(allow_null=True)
    closes_at = UTCDateTimeField(allow_null=True)
    closing_soon = serializers.BooleanField()
    valid_until = UTCDateTimeField(allow_null=True)
    poll_after = serializers.IntegerField()
    timezone = serializers.CharField()
    departments = DepartmentStateSerializer(many=True)
    form = FormDefinitionSerializer(allow_null=True)
    texts = serializers.DictField(child=serializers.CharField(allow_blank=True))
    language = serializers.CharField(
        help_text="The language of the texts: the one asked for (?lang=), else the request's."
    )
    typical_reply_seconds = serializers.IntegerField(
        allow_null=True,
        help_text="Median wait for an agent's first reply over the last 7 days, in open hours; "
        "null with fewer than 5 replied chats.",
    )


def render_state(state: WidgetState) -> bytes:
    """The state endpoint's body, written once per change (``services.cached_state``)."""
    return JSONRenderer().render(WidgetStateSerializer(state).data)


class TicketSubmissionSerializer(serializers.Serializer):
    """A visitor's form submission. ``website`` is a honeypot that people leave empty."""

    form = serializers.ChoiceField(choices=FORM_KINDS)
    department = serializers.SlugField(required=False, allow_null=True, allow_blank=True)
    fields = serializers.DictField(
        help_text="Field name to value, as the form definition lists them."
    )
    page_url = serializers.URLField(required=False, allow_blank=True, max_length=2000)
    language = serializers.CharField(required=False, allow_blank=True, max_length=35)
    timezone = serializers.CharField(required=False, allow_blank=True, max_length=63)
    website = serializers.CharField(required=False, allow_blank=True, help_text="Leave empty.")
    conversation = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="The token of the chat that offered this form: the ticket carries its transcript.",
    )

    def validate_website(self, value: str) -> str:
        if value:
            raise serializers.ValidationError(_("Leave this field empty."))
        return value

    def validate_timezone(self, value: str) -> str:
        return visitor_zone(value)


MESSAGES = {"type": "array", "items": {"type": "string"}}


def visitor_zone(value: str) -> str:
    """A visitor's time zone as the browser sent it: blank, or one the engine knows."""
    if value:
        try:
            load_zone(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None
    return value


@extend_schema_field(
    {
        "anyOf": [
            {"type": "object", "additionalProperties": {"anyOf": [MESSAGES, {"type": "object"}]}},
            MESSAGES,
        ]
    }
)
class FieldMessagesField(serializers.JSONField):
    """Messages per form field (an object of them when the value was one), or messages about
    ``fields`` itself."""


@extend_schema_field({"anyOf": [MESSAGES, {"type": "object"}]})
class MessagesField(serializers.JSONField):
    """Messages about one key: a list of strings, or, when the value sent was an object or a
    list with a bad name somewhere inside, an object of messages keyed like that value."""


class TicketCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    message = serializers.CharField()


class TicketRefusedSerializer(serializers.Serializer):
    """400: messages per key; ``fields`` nests messages per form field (or is a list of
    messages when it is not an object); ``state`` when the form is not offered; ``detail``
    alone when the body could not be read."""

    form = MessagesField(required=False)
    department = MessagesField(required=False)
    conversation = MessagesField(required=False)
    fields = FieldMessagesField(required=False)
    state = WidgetStateSerializer(required=False)
    detail = serializers.CharField(required=False)


_INSTANT = UTCDateTimeField()


def agent_status_body(described: dict) -> dict:
    """What ``AgentStatusSerializer`` renders of ``presence.describe``, without building a
    serializer (a heartbeat's answer: building one costs more than the rest of it)."""
    seen = described["last_seen"]
    return {
        "status": described["status"],
        "effective_status": described["effective_status"],
        "last_seen": _INSTANT.to_representation(seen) if seen is not None else None,
        "timeout": described["timeout"],
    }


class AgentStatusSerializer(serializers.Serializer):
    """An agent's own presence: the status it set, and the one that counts now."""

    status = serializers.ChoiceField(choices=Agent.Status.choices)
    effective_status = serializers.CharField(read_only=True)
    last_seen = UTCDateTimeField(read_only=True, allow_null=True)
    timeout = serializers.IntegerField(
        read_only=True, help_text="Seconds a heartbeat keeps online/away alive."
    )
