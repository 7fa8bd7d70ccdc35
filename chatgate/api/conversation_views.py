"""Chat API views: thin handlers over ``chatgate.conversations``.

Visitors (no authentication, JSON only) hold their conversation's token;
agents (session or token, ``IsAgent``) see their departments' queue and their
own chats. Each view states its own policies, like those of ``views``.
"""

from __future__ import annotations

import math

from django.db import DatabaseError
from django.http import HttpResponse
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from .. import clock, conversations, presence, store
from ..conf import app_settings, cache
from ..models import Conversation, Widget
from .conversation_serializers import (
    ConversationStatusSerializer,
    MessageSerializer,
    PollSerializer,
    QueueSerializer,
    RefusedSerializer,
    StartedSerializer,
    StartSerializer,
    TextSerializer,
    UnavailableSerializer,
)
from .parsers import JSONParser
from .schema import SpectacularSchema, extend_schema
from .serializers import FormDefinitionSerializer, WidgetStateSerializer
from .throttles import RefundsQuota, VisitorRateThrottle
from .views import SLUG_PARAMETER, AgentViewMixin, DatabaseFaultMixin

#: 400, 403, 404, 415 and 429 are added to every operation by ``schema.add_error_responses``.
UNAVAILABLE_503 = OpenApiResponse(description="The database is unreachable; see Retry-After")
AFTER = OpenApiParameter(
    "after", int, required=False, description="Only messages with a greater id (the last seen)."
)


def refused(error: conversations.Refused) -> Response:
    return Response({"code": error.code, "detail": error.message}, status=status.HTTP_409_CONFLICT)


def invalid(error: conversations.Invalid) -> Response:
    return Response(error.errors, status=status.HTTP_400_BAD_REQUEST)


def form_body(form) -> dict | None:
    return FormDefinitionSerializer(form).data if form is not None else None


def after_parameter(request) -> int | None:
    value = getattr(request, "query_params", request.GET).get("after")
    if value in (None, ""):
        return None
    if not value.isdigit() or len(value) > 18:
        raise ValidationError({"after": ["A message id: a whole number, 0 or more."]})
    return int(value)


class MessageRateThrottle(BaseThrottle):
    """``CHATGATE_MESSAGE_RATE`` messages per conversation and fixed window, counted atomically
    (``add`` then ``incr``); an unreachable cache lets messages through. Polls are not counted."""

    def allow_request(self, request, view) -> bool:
        rate = app_settings.MESSAGE_RATE
        if rate is None or request.method != "POST":  # reading is not limited
            return True
        number, period = rate.split("/")
        limit, seconds = int(number), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]
        now = clock.now().timestamp()
        window = math.floor(now / seconds)
        self.retry_after = (window + 1) * seconds - now
        token = conversations.hash_token(view.kwargs.get("token", ""))
        key = f"chatgate:throttle:message:{token}:{window}"
        count = store.call(_count, key, seconds + 60, default=0)
        return count <= limit

    def wait(self) -> float:
        return self.retry_after


def _count(key: str, timeout: int) -> int:
    backend = cache()
    backend.add(key, 0, timeout=timeout)
    try:
        return backend.incr(key)
    except ValueError:  # expired between add and incr
        return 1


class VisitorView(DatabaseFaultMixin, APIView):
    """Public: no authentication (the token is the credential), JSON only, no host defaults."""

    schema = SpectacularSchema()
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]
    throttle_classes: list = []


class ConversationStartView(RefundsQuota, VisitorView):
    """A visitor starts a chat; the server decides now whether anyone can take it. Starts share
    the visitor's quota with tickets; a refused start (400, 409, 503) gives its unit back."""

    throttle_classes = [VisitorRateThrottle]
    refund_statuses = frozenset({400, 409, 503})

    @extend_schema(
        parameters=[SLUG_PARAMETER],
        request=StartSerializer,
        responses={201: StartedSerializer, 409: UnavailableSerializer, 503: UNAVAILABLE_503},
    )
    def post(self, request, slug: str) -> Response:
        body = StartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        visitor = conversations.Visitor(
            name=data.get("name", ""),
            email=data.get("email", ""),
            page_url=data.get("page_url", ""),
            language=data.get("language") or get_language() or "",
            timezone=data.get("timezone", ""),
            user_agent=request.headers.get("User-Agent", ""),
        )
        try:
            started = conversations.start(
                slug,
                message=data["message"],
                department=data.get("department") or None,
                visitor=visitor,
                at=clock.now(),
            )
        except Widget.DoesNotExist:
            raise NotFound(f"No widget {slug!r}.") from None
        except conversations.Invalid as error:
            return invalid(error)
        except conversations.Refused as error:
            state = WidgetStateSerializer(error.state).data
            body = {"code": error.code, "detail": error.message, "state": state}
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(self.started(started), status=status.HTTP_201_CREATED)

    def started(self, started: conversations.Started) -> dict:
        conversation = started.conversation
        context = {"language": conversation.language, "reader": "visitor"}
        return {
            "token": started.token,
            "status": conversation.status,
            "department": conversation.department.slug if conversation.department else None,
            "messages": MessageSerializer(started.messages, many=True, context=context).data,
            "poll_after": conversations.poll_after(conversation.status),
        }


class VisitorMessagesView(VisitorView):
    """The visitor's conversation: read (a poll with nothing new reads no table), or write."""

    throttle_classes = [MessageRateThrottle]

    def dispatch(self, request, *args, **kwargs):
        """A poll is answered without DRF's machinery (every waiting or active chat polls every
        2 s); a bad ``after``, an unknown token or an unreachable database go through DRF."""
        if request.method == "GET":
            try:
                body = poll_body(request, kwargs["token"])
            except (ValidationError, Conversation.DoesNotExist, DatabaseError):
                pass  # answered by DRF below: 400, 404, or 503 with Retry-After
            else:
                return HttpResponse(JSONRenderer().render(body), content_type="application/json")
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(parameters=[AFTER], responses={200: PollSerializer, 503: UNAVAILABLE_503})
    def get(self, request, token: str) -> Response:
        try:
            return Response(poll_body(request, token))
        except Conversation.DoesNotExist:
            raise NotFound("No such conversation.") from None

    @extend_schema(
        request=TextSerializer,
        responses={201: MessageSerializer, 409: RefusedSerializer, 503: UNAVAILABLE_503},
    )
    def post(self, request, token: str) -> Response:
        body = TextSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            message = conversations.send(token, body.validated_data["text"], at=clock.now())
        except Conversation.DoesNotExist:
            raise NotFound("No such conversation.") from None
        except conversations.Invalid as error:
            return invalid(error)
        except conversations.Refused as error:
            return refused(error)
        context = {"reader": "visitor"}
        return Response(
            MessageSerializer(message, context=context).data, status=status.HTTP_201_CREATED
        )


def poll_body(request, token: str) -> dict:
    result = conversations.poll(token, after=after_parameter(request), at=clock.now())
    context = {"language": result.language, "reader": "visitor"}
    messages = result.messages  # most polls: none, and no serializer to build
    return {
        "status": result.status,
        "messages": MessageSerializer(messages, many=True, context=context).data
        if messages
        else [],
        "poll_after": result.poll_after,
        "form": form_body(result.form),
    }


class VisitorCloseView(VisitorView):
    """The visitor ends the chat (again: nothing happens)."""

    @extend_schema(
        request=None, responses={200: ConversationStatusSerializer, 503: UNAVAILABLE_503}
    )
    def post(self, request, token: str) -> Response:
        try:
            conversation = conversations.find(token)
        except Conversation.DoesNotExist:
            raise NotFound("No such conversation.") from None
        conversations.close(conversation, by=Conversation.ClosedBy.VISITOR, at=clock.now())
        return Response({"status": conversation.status})


# Agents


class AgentChatView(AgentViewMixin, APIView):
    parser_classes = [JSONParser]

    def conversation(self, request, pk: int) -> Conversation:
        try:
            return conversations.for_agent(request.user.chatgate_agent, pk)
        except Conversation.DoesNotExist:
            raise NotFound("No such conversation in your queue or your chats.") from None


class AgentQueueView(AgentChatView):
    """The signed-in agent's queue (its departments' waiting chats) and its own active chats."""

    @extend_schema(
        responses={200: QueueSerializer, 403: OpenApiResponse(description="Not an agent")}
    )
    def get(self, request) -> Response:
        agent, at = request.user.chatgate_agent, clock.now()
        queue = conversations.queue(agent)
        me = presence.describe(agent, at=at, timeout_seconds=app_settings.PRESENCE_TIMEOUT)
        context = {"at": at}
        return Response(
            QueueSerializer(
                {
                    "agent": {
                        "id": agent.pk,
                        "name": agent.display_name,
                        "status": me["status"],
                        "effective_status": me["effective_status"],
                        "active": len(queue.active),
                        "max_chats": agent.max_chats,
                    },
                    "waiting": queue.waiting,
                    "active": queue.active,
                    "poll_after": app_settings.CHAT_POLL_SECONDS,
                },
                context=context,
            ).data
        )


AGENT_RESPONSES = {409: RefusedSerializer, 503: UNAVAILABLE_503}


class AgentAcceptView(AgentChatView):
    """Take a waiting chat: exactly one of several agents wins; the others get 409 ``taken``."""

    @extend_schema(request=None, responses={200: ConversationStatusSerializer, **AGENT_RESPONSES})
    def post(self, request, pk: int) -> Response:
        try:
            conversation = conversations.accept(request.user.chatgate_agent, pk, at=clock.now())
        except Conversation.DoesNotExist:
            raise NotFound("No such conversation in your queue or your chats.") from None
        except conversations.Refused as error:
            return refused(error)
        return Response({"status": conversation.status})


class AgentMessagesView(AgentChatView):
    """Read a conversation of the agent's queue or its own (``?after=``), or reply in its chat."""

    @extend_schema(parameters=[AFTER], responses={200: PollSerializer, 503: UNAVAILABLE_503})
    def get(self, request, pk: int) -> Response:
        after = after_parameter(request)
        at = clock.now()
        conversation = self.conversation(request, pk)
        if conversations.sweep(conversation.pk, at=at):
            conversation = self.conversation(request, pk)
        messages = conversation.messages.filter(id__gt=after or 0)
        return Response(
            {
                "status": conversation.status,
                "messages": MessageSerializer(messages, many=True).data,
                "poll_after": conversations.poll_after(conversation.status),
                "form": form_body(conversations.offered_form(conversation)),
            }
        )

    @extend_schema(request=TextSerializer, responses={201: MessageSerializer, **AGENT_RESPONSES})
    def post(self, request, pk: int) -> Response:
        body = TextSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        agent = request.user.chatgate_agent
        try:
            message = conversations.reply(agent, pk, body.validated_data["text"], at=clock.now())
        except Conversation.DoesNotExist:
            raise NotFound("No such conversation in your queue or your chats.") from None
        except conversations.Invalid as error:
            return invalid(error)
        except conversations.Refused as error:
            return refused(error)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class AgentCloseView(AgentChatView):
    """End the agent's active chat, or a waiting one of its departments."""

    @extend_schema(request=None, responses={200: ConversationStatusSerializer, **AGENT_RESPONSES})
    def post(self, request, pk: int) -> Response:
        agent = request.user.chatgate_agent
        try:
            conversation = conversations.agent_close(agent, pk, at=clock.now())
        except Conversation.DoesNotExist:
            raise NotFound("No such conversation in your queue or your chats.") from None
        except conversations.Refused as error:
            return refused(error)
        return Response({"status": conversation.status})
