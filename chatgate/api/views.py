"""API views: thin handlers over chatgate.services. Each states its own policies,
so a host project's ``REST_FRAMEWORK`` defaults cannot break the public widget."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime

from django.apps import apps
from django.db import DatabaseError
from django.db.models import ProtectedError
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from drf_spectacular.views import SpectacularAPIView
from rest_framework import status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import (
    AllowAny,
    DjangoModelPermissions,
    IsAdminUser,
    IsAuthenticated,
)
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import __version__, agent_sessions, clock, languages, presence, services, store, tickets
from ..conf import app_settings
from ..models import Agent, Department, Form, Schedule, Ticket, Widget
from ..validators import text_error
from . import conversation_serializers as chat
from .parsers import JSONParser
from .schema import SpectacularSchema, extend_schema
from .serializers import (
    FORM_KINDS,
    REASONS,
    SHOWS,
    STATUSES,
    AgentStatusSerializer,
    TicketCreatedSerializer,
    TicketRefusedSerializer,
    TicketSubmissionSerializer,
    WidgetStateSerializer,
    agent_status_body,
)
from .staff_forms import FormSerializer, TicketSerializer
from .staff_serializers import (
    AgentSerializer,
    DepartmentSerializer,
    PeriodSerializer,
    ScheduleSerializer,
    WidgetSerializer,
)
from .throttles import RefundsQuota, VisitorRateThrottle

MAX_PERIOD_DAYS = 400
#: What a slug can be (Django's ``validate_slug``): anything else in the URL is a 404.
SLUG_PATTERN = "[-a-zA-Z0-9_]+"
SLUG_PARAMETER = OpenApiParameter("slug", str, OpenApiParameter.PATH, pattern=f"^{SLUG_PATTERN}$")
logger = logging.getLogger("chatgate")


def unavailable(message: str, *, retry_after: int) -> Response:
    """503 with ``Retry-After``: a store chatgate needs is down; the client tries again later."""
    return Response(
        {"detail": message},
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(retry_after)},
    )


class DatabaseFaultMixin:
    """An unreachable database answers 503 with ``Retry-After`` (logged), never a 500."""

    def handle_exception(self, exc):
        if isinstance(exc, DatabaseError):
            logger.warning("chatgate: the database is unreachable (%s); answered 503", exc)
            return unavailable(
                "The chat service is unavailable right now; try again shortly.",
                retry_after=app_settings.POLL_SECONDS,
            )
        return super().handle_exception(exc)


def state_or_404(slug: str, at, language: str | None = None):
    try:
        return services.widget_state(slug, at=at, language=language)
    except Widget.DoesNotExist:
        raise NotFound(f"No widget {slug!r}.") from None


class WidgetStateView(DatabaseFaultMixin, APIView):
    """Whether the widget is shown and a chat may start, and until when that holds.

    The body is computed once per change (``services.cached_state``) and answered
    without DRF's machinery; a bad ``lang``, an unknown widget or an unreachable
    database go through DRF (400, 404, 503).
    """

    schema = SpectacularSchema()
    authentication_classes: list = []
    parser_classes = [JSONParser]
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET":
            language = request.GET.get("lang")
            if language is None or languages.supported(language) is not None:
                try:
                    return state_response(request, kwargs["slug"], language)
                except (Widget.DoesNotExist, DatabaseError):
                    pass  # answered by DRF below: 404, or 503 with Retry-After
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            SLUG_PARAMETER,
            OpenApiParameter(
                "lang",
                str,
                description="A language of the site (its LANGUAGES), e.g. fr. Without it, the "
                "request's language, and the answer varies on Accept-Language and Cookie.",
            ),
        ],
        responses={
            200: WidgetStateSerializer,
            304: OpenApiResponse(description="Not modified"),
            503: OpenApiResponse(description="The database is unreachable; see Retry-After"),
        },
    )
    def get(self, request, slug: str) -> HttpResponse:
        language = request.query_params.get("lang")
        if language is not None and languages.supported(language) is None:
            raise ValidationError({"lang": [f"{language!r} is not a language of this site."]})
        try:
            return state_response(request, slug, language)
        except Widget.DoesNotExist:
            raise NotFound(f"No widget {slug!r}.") from None


def state_response(request, slug: str, language: str | None) -> HttpResponse:
    """The cached body with its ETag, or 304 when ``If-None-Match`` names it."""
    now = clock.now()
    entry = services.cached_state(slug, at=now, language=language)
    max_age = app_settings.STATE_MAX_AGE
    if entry.valid_until:
        left = (entry.valid_until - now).total_seconds()
        max_age = max(0, min(max_age, math.floor(left)))
    meta = request.META  # not request.headers: building it costs more than this whole answer
    zipped = entry.gzipped is not None and "gzip" in meta.get("HTTP_ACCEPT_ENCODING", "")
    etag = entry.gzip_etag if zipped else entry.etag
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    vary = ["Accept-Encoding"] if entry.gzipped is not None else []
    if language is None:  # the language came from the request's headers and cookie
        vary += ["Accept-Language", "Cookie"]
    if vary:
        headers["Vary"] = ", ".join(vary)
    if _etags(meta.get("HTTP_IF_NONE_MATCH", "")) & {entry.etag, entry.gzip_etag}:
        return HttpResponseNotModified(headers=headers)
    if zipped:
        headers["Content-Encoding"] = "gzip"
        return HttpResponse(entry.gzipped, content_type="application/json", headers=headers)
    return HttpResponse(entry.body, content_type="application/json", headers=headers)


def _etags(header: str) -> set[str]:
    if not header:
        return set()
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


class TicketCreateView(RefundsQuota, DatabaseFaultMixin, APIView):
    """A visitor sends the offline or contact form the widget offers now; it becomes a ticket.
    JSON only: a plain HTML form on another site cannot post one (415). Only accepted
    submissions use the visitor's quota: a 400 or a 503 gives its unit back."""

    schema = SpectacularSchema()
    authentication_classes: list = []
    parser_classes = [JSONParser]
    permission_classes = [AllowAny]
    throttle_classes = [VisitorRateThrottle]

    @extend_schema(
        parameters=[SLUG_PARAMETER],
        request=TicketSubmissionSerializer,
        responses={
            201: TicketCreatedSerializer,
            400: TicketRefusedSerializer,
            503: OpenApiResponse(description="The database is unreachable; see Retry-After"),
        },
    )
    def post(self, request, slug: str) -> Response:
        body = TicketSubmissionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {k: v for k, v in body.validated_data.items() if k != "website"}
        submission = tickets.Submission(**data, user_agent=request.headers.get("User-Agent", ""))
        try:
            ticket = tickets.submit(slug, submission, at=clock.now())
        except Widget.DoesNotExist:
            raise NotFound(f"No widget {slug!r}.") from None
        except tickets.SubmissionRefused as refused:
            errors = dict(refused.errors)
            if refused.state is not None:
                errors["state"] = WidgetStateSerializer(refused.state).data
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"id": ticket.pk, "message": ticket.success_message},
            status=status.HTTP_201_CREATED,
        )


class IsAgent(IsAuthenticated):
    """A signed-in user with an agent profile; it acts on itself only."""

    message = "Only agents have a presence status."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and hasattr(request.user, "chatgate_agent")


class AgentViewMixin(DatabaseFaultMixin):
    schema = SpectacularSchema()
    parser_classes = [JSONParser]
    permission_classes = [IsAgent]
    throttle_classes: list = []

    def get_authenticators(self):
        return staff_authenticators()

    def presence_body(self, request, known: tuple | None = None) -> dict:
        return presence.describe(
            request.user.chatgate_agent,
            at=clock.now(),
            timeout_seconds=app_settings.PRESENCE_TIMEOUT,
            known=known,
        )


class AgentStatusView(AgentViewMixin, APIView):
    """The signed-in agent's own status: read it, or set it (which counts as a heartbeat)."""

    @extend_schema(responses=AgentStatusSerializer)
    def get(self, request) -> Response:
        return Response(AgentStatusSerializer(self.presence_body(request)).data)

    @extend_schema(request=AgentStatusSerializer, responses=AgentStatusSerializer)
    def put(self, request) -> Response:
        body = AgentStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        presence.set_status(
            request.user.chatgate_agent, body.validated_data["status"], at=clock.now()
        )
        return Response(AgentStatusSerializer(self.presence_body(request)).data)


class HeartbeatAuthentication(SessionAuthentication):
    """Django's session authentication, with the user and its agent profile read from chatgate's
    cache rather than two queries (``chatgate.agent_sessions``); CSRF is enforced the same."""

    def authenticate(self, request):
        django_request = request._request
        user = agent_sessions.copy_for(django_request)
        if user is not None:
            self.enforce_csrf(request)
            return user, None
        if not agent_sessions.usable(django_request):
            return super().authenticate(request)  # a middleware decided who the user is
        token = agent_sessions.generation(django_request.session)  # before Django reads the user
        found = super().authenticate(request)
        if found is not None:
            agent_sessions.keep(django_request.session, found[0], token)
        return found

    def copied(self, request: HttpRequest):
        """The agent's user for a Django request, from the copy with CSRF passed; else None."""
        user = agent_sessions.copy_for(request)
        if user is None:
            return None
        try:
            self.enforce_csrf(request)
        except PermissionDenied:
            return None
        return user


class AgentHeartbeatView(AgentViewMixin, APIView):
    """The agent's client is alive: keeps online/away from expiring. Send every ~20 s."""

    def get_authenticators(self):
        return [HeartbeatAuthentication(), *staff_authenticators()[1:]]

    def dispatch(self, request, *args, **kwargs):
        """A heartbeat of an agent whose copy is kept is answered without DRF's machinery;
        anything else (no copy, no CSRF token, the cache down) goes through DRF."""
        try:
            user = HeartbeatAuthentication().copied(request) if request.method == "POST" else None
        except DatabaseError:  # a session in the database: DRF answers 503 below
            user = None
        if user is not None:
            request.user = user
            try:
                seen = presence.heartbeat(user.chatgate_agent, at=clock.now())
            except presence.Unavailable:
                pass  # answered by DRF below: 503 with Retry-After
            else:
                body = agent_status_body(self.presence_body(request, seen))
                return HttpResponse(JSONRenderer().render(body), content_type="application/json")
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        request=None,
        responses={
            200: AgentStatusSerializer,
            503: OpenApiResponse(description="The cache that records heartbeats is unreachable"),
        },
    )
    def post(self, request) -> Response:
        try:
            seen = presence.heartbeat(request.user.chatgate_agent, at=clock.now())
        except presence.Unavailable as error:
            return unavailable(str(error), retry_after=math.ceil(store.RETRY_SECONDS))
        return Response(AgentStatusSerializer(self.presence_body(request, seen)).data)


def staff_authenticators() -> list:
    """Session, and token when ``rest_framework.authtoken`` is installed."""
    authenticators = [SessionAuthentication()]
    if apps.is_installed("rest_framework.authtoken"):
        from rest_framework.authentication import TokenAuthentication

        authenticators.append(TokenAuthentication())
    return authenticators


class StaffPermissions(DjangoModelPermissions):
    """Model permissions, reading included (``view_<model>``)."""

    perms_map = {**DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"]}


class StaffViewSet(viewsets.ModelViewSet):
    """Configuration as code for staff: session or token authentication, model permissions."""

    schema = SpectacularSchema()
    parser_classes = [JSONParser]
    permission_classes = [IsAdminUser, StaffPermissions]
    throttle_classes: list = []
    pagination_class = None  # whatever the host's REST_FRAMEWORK pages
    conflicts_on_delete = True  # perform_destroy: 409 while the object is still in use

    def get_authenticators(self):
        return staff_authenticators()

    def perform_destroy(self, instance) -> None:
        try:
            instance.delete()
        except ProtectedError as error:
            users = ", ".join(sorted({str(obj) for obj in error.protected_objects}))
            raise Conflict(f"{instance} is still used by: {users}. Change those first.") from None


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "in_use"


class ScheduleViewSet(StaffViewSet):
    queryset = Schedule.objects.prefetch_related("weekly_ranges", "exceptions")
    serializer_class = ScheduleSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "start", datetime, required=True, description="ISO 8601 instant with an offset"
            ),
            OpenApiParameter(
                "end", datetime, required=True, description="ISO 8601 instant with an offset"
            ),
        ],
        responses=PeriodSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def periods(self, request, pk=None) -> Response:
        """Open periods between ``start`` and ``end`` (at most 400 days), for previews and calendars."""
        schedule = self.get_object()  # an unknown schedule is a 404 whatever the parameters
        start, end = _instant(request, "start"), _instant(request, "end")
        if end <= start or (end - start).days > MAX_PERIOD_DAYS:
            raise ValidationError(
                {"end": [f"end must be after start and at most {MAX_PERIOD_DAYS} days later."]}
            )
        try:
            periods = services.schedule_periods(schedule, start, end)
        except ValueError as error:  # outside the engine's range; the message names start or end
            raise ValidationError({str(error).split()[0]: [str(error)]}) from None
        return Response(
            PeriodSerializer([{"opens_at": a, "closes_at": b} for a, b in periods], many=True).data
        )


def _instant(request, name: str) -> datetime:
    value = request.query_params.get(name, "")
    unstorable = text_error(value)  # fromisoformat stops reading at a null character
    if unstorable:
        raise ValidationError({name: [unstorable]})
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise ValidationError(
            {name: [f"{name} must be an ISO 8601 instant, e.g. 2026-11-23T00:00:00Z."]}
        ) from None
    if instant.tzinfo is None:
        raise ValidationError({name: [f"{name} must include a time zone offset or Z."]})
    try:  # in UTC: a database may refuse an offset Python accepts (PostgreSQL: beyond ±15:59)
        return instant.astimezone(UTC)
    except OverflowError:
        raise ValidationError({name: [f"{name} is out of range."]}) from None


class DepartmentViewSet(StaffViewSet):
    queryset = Department.objects.prefetch_related("translations")
    serializer_class = DepartmentSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN


class AgentViewSet(StaffViewSet):
    queryset = Agent.objects.prefetch_related("departments")
    serializer_class = AgentSerializer


class WidgetViewSet(StaffViewSet):
    queryset = Widget.objects.prefetch_related("departments", "translations")
    serializer_class = WidgetSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN


class FormViewSet(StaffViewSet):
    queryset = Form.objects.prefetch_related("translations", "fields__translations")
    serializer_class = FormSerializer


class TicketPages(CursorPagination):
    """Newest first, 100 a page; a cursor stays right while new tickets arrive."""

    ordering = "-created_at"
    page_size = 100

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:  # DRF's answer to a cursor it cannot read: bad input, not a missing page
            raise ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None


class TicketViewSet(StaffViewSet):
    """Tickets for a helpdesk to pick up: filter by ``widget``, ``department``, ``status``,
    ``since`` (an instant); mark one ``solved`` with a PATCH of its ``status``."""

    queryset = Ticket.objects.select_related("widget", "department")
    serializer_class = TicketSerializer
    pagination_class = TicketPages
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(
        parameters=[
            OpenApiParameter("widget", str, description="A widget's slug"),
            OpenApiParameter("department", str, description="A department's slug"),
            OpenApiParameter("status", str, enum=Ticket.Status.values),
            OpenApiParameter("since", datetime, description="Created at or after this instant"),
        ]
    )
    def list(self, request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        tickets = super().get_queryset()
        if self.action != "list":
            return tickets
        query = self.request.query_params
        for name in ("widget", "department", "status"):
            unstorable = text_error(query.get(name, ""))
            if unstorable:
                raise ValidationError({name: [unstorable]})
        if query.get("widget"):
            tickets = tickets.filter(widget__slug=query["widget"])
        if query.get("department"):
            tickets = tickets.filter(department__slug=query["department"])
        if query.get("status"):
            if query["status"] not in Ticket.Status.values:
                raise ValidationError(
                    {"status": [f"Choose one of {', '.join(Ticket.Status.values)}."]}
                )
            tickets = tickets.filter(status=query["status"])
        if query.get("since"):
            tickets = tickets.filter(created_at__gte=_instant(self.request, "since"))
        return tickets


@csrf_exempt  # it changes nothing, whatever the method
def not_found(request, path: str = "") -> JsonResponse:
    """Any other path under ``api/`` ending in a slash: a JSON 404 like the API's own, rather
    than the host's HTML page, so a client always reads JSON (paths without the slash still
    get the host's ``APPEND_SLASH`` redirect)."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)


class SchemaView(SpectacularAPIView):
    """OpenAPI 3 of chatgate's API alone; ``servers`` carries the prefix the site mounted it under."""

    schema = SpectacularSchema()
    authentication_classes: list = []
    permission_classes = [AllowAny]
    urlconf = "chatgate.api.schema_urls"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        prefix = request.path.removesuffix("api/schema/").rstrip("/")
        self.custom_settings = {
            "TITLE": "chatgate API",
            "VERSION": __version__,
            "SERVERS": [{"url": prefix or "/"}],
            # Every enum named here, so no name depends on which other enums exist.
            "ENUM_NAME_OVERRIDES": {
                "AgentStatusEnum": "chatgate.models.Agent.Status",
                "StateStatusEnum": STATUSES,
                "ReasonEnum": REASONS,
                "ShowEnum": SHOWS,
                "FormKindEnum": FORM_KINDS,
                "TicketKindEnum": "chatgate.models.Ticket.Kind",
                "WidgetModeEnum": "chatgate.models.Widget.Mode",
                "WhenOfflineEnum": "chatgate.models.Widget.WhenOffline",
                "ForceEnum": "chatgate.models.Widget.Force",
                "AskEnum": "chatgate.models.Widget.Ask",
                "WaitingAtClosingEnum": "chatgate.models.Widget.AtClosing",
                "TicketStatusEnum": "chatgate.models.Ticket.Status",
                "FieldTypeEnum": "chatgate.models.FormField.Type",
                "ConversationStatusEnum": chat.STATUSES,
                "AuthorEnum": chat.AUTHORS,
                "RefusedCodeEnum": chat.REFUSALS,
                "UnavailableCodeEnum": chat.UNAVAILABLE,
            },
            "POSTPROCESSING_HOOKS": [
                "drf_spectacular.hooks.postprocess_schema_enums",
                "chatgate.api.schema.add_error_responses",
            ],
        }
        return super().get(request, *args, **kwargs)
