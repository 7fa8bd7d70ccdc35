"""Serializers of the chat API: bodies of DESIGN.md section 3, for visitors and agents."""

from __future__ import annotations

import re

from rest_framework import serializers

from .. import conversations
from ..models import Conversation, Message
from .serializers import (
    FormDefinitionSerializer,
    UTCDateTimeField,
    WidgetStateSerializer,
    visitor_zone,
)

STATUSES = list(Conversation.Status.values)
AUTHORS = list(Message.Author.values)
REFUSALS = ["closed", "taken", "at_capacity", "not_available", "not_active"]
UNAVAILABLE = ["unavailable"]


def _one_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise serializers.ValidationError("Use a single line.")
    return value


LANGUAGE = re.compile(r"^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$")


def _language(value: str) -> str:
    if value and not LANGUAGE.match(value):
        raise serializers.ValidationError("A language code such as fr or pt-BR.")
    return value


class StartSerializer(serializers.Serializer):
    """A visitor starts a chat. ``name`` and ``email`` as the widget's ``ask_name``/``ask_email`` say."""

    department = serializers.SlugField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="A department of the state; none: the first available one.",
    )
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=100, validators=[_one_line]
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    message = serializers.CharField(
        max_length=conversations.MESSAGE_MAX_LENGTH,
        help_text="The visitor's first message.",
    )
    page_url = serializers.URLField(required=False, allow_blank=True, max_length=2000)
    language = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=35,
        validators=[_language],
        help_text="The page's language; system messages are shown in it. Default: the request's.",
    )
    timezone = serializers.CharField(
        required=False, allow_blank=True, max_length=63, validators=[visitor_zone]
    )


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=conversations.MESSAGE_MAX_LENGTH)


class MessageSerializer(serializers.Serializer):
    """One message; a system message's text is in the reader's language."""

    id = serializers.IntegerField()
    author = serializers.ChoiceField(choices=AUTHORS)
    name = serializers.CharField(help_text="The agent's or visitor's name; empty for system.")
    text = serializers.SerializerMethodField()
    created_at = UTCDateTimeField()

    def get_text(self, message: Message) -> str:
        reader = self.context.get("reader", "agent")
        return conversations.render(message, self.context.get("language"), reader=reader)


class StartedSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="The conversation's secret: keep it (localStorage); it is never shown again."
    )
    status = serializers.ChoiceField(choices=STATUSES)
    department = serializers.CharField(allow_null=True)
    messages = MessageSerializer(many=True)
    poll_after = serializers.IntegerField()


class UnavailableSerializer(serializers.Serializer):
    """409 on a start: nobody can take the chat now; ``state`` is the current state."""

    code = serializers.ChoiceField(choices=UNAVAILABLE)
    detail = serializers.CharField()
    state = WidgetStateSerializer()


class RefusedSerializer(serializers.Serializer):
    """409: the conversation is not in a state that allows this; ``code`` says why."""

    code = serializers.ChoiceField(choices=REFUSALS)
    detail = serializers.CharField()


class PollSerializer(serializers.Serializer):
    """A poll's answer. ``form`` is set while a visitor who waited too long may leave a message
    instead: the offline (or contact) form, to fill in with the transcript and send with
    ``"conversation": <token>``."""

    status = serializers.ChoiceField(choices=STATUSES)
    messages = MessageSerializer(many=True)
    poll_after = serializers.IntegerField(help_text="Seconds until the next poll.")
    form = FormDefinitionSerializer(allow_null=True)


class ConversationStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUSES)


class ConversationSummarySerializer(serializers.Serializer):
    """A conversation in the agent's queue or among its chats."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=STATUSES)
    widget = serializers.CharField(source="widget.slug")
    department = serializers.CharField(source="department.slug", allow_null=True, default=None)
    department_name = serializers.SerializerMethodField(
        help_text="The department's name in the agent's language; null without a department."
    )
    visitor_name = serializers.CharField()
    visitor_email = serializers.CharField()
    first_message = serializers.CharField(allow_null=True)
    page_url = serializers.CharField()
    language = serializers.CharField()
    timezone = serializers.CharField(source="visitor_timezone")
    local_time = serializers.SerializerMethodField(
        help_text="The visitor's wall-clock time now, with its offset; null if unknown."
    )
    started_at = UTCDateTimeField()
    waiting_since = UTCDateTimeField(allow_null=True)
    accepted_at = UTCDateTimeField(allow_null=True)
    form_offered = serializers.SerializerMethodField()
    last_message_id = serializers.IntegerField(allow_null=True)

    def get_department_name(self, conversation: Conversation) -> str | None:
        return str(conversation.department) if conversation.department else None

    def get_local_time(self, conversation: Conversation) -> str | None:
        local = conversations.local_time(conversation, self.context["at"])
        return local.isoformat(timespec="seconds") if local else None

    def get_form_offered(self, conversation: Conversation) -> bool:
        return conversation.form_offered_at is not None


class AgentLoadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField(help_text="The status the agent set.")
    effective_status = serializers.CharField(help_text="What counts now (offline once expired).")
    active = serializers.IntegerField(help_text="Its active chats.")
    max_chats = serializers.IntegerField()


class QueueSerializer(serializers.Serializer):
    agent = AgentLoadSerializer()
    waiting = ConversationSummarySerializer(many=True)
    active = ConversationSummarySerializer(many=True)
    poll_after = serializers.IntegerField()
