"""API views: thin handlers over chatgate.services. Each states its own policies."""

from __future__ import annotations

import hashlib
import json
import math

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import clock, services
from ..conf import app_settings
from ..models import Widget
from .serializers import WidgetStateSerializer


def state_or_404(slug: str, at):
    try:
        return services.widget_state(slug, at=at)
    except Widget.DoesNotExist:
        raise NotFound(f"No widget {slug!r}.") from None


class WidgetStateView(APIView):
    """Whether the widget is shown and a chat may start, and until when that holds."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        responses={200: WidgetStateSerializer, 304: OpenApiResponse(description="Not modified")}
    )
    def get(self, request, slug: str) -> Response:
        now = clock.now()
        state = state_or_404(slug, now)
        data = WidgetStateSerializer(state).data
        etag = f'"{hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]}"'
        max_age = app_settings.STATE_MAX_AGE
        if state.valid_until:
            left = (state.valid_until - now).total_seconds()
            max_age = max(0, min(max_age, math.floor(left)))
        headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
        if etag in _etags(request.headers.get("If-None-Match", "")):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(data, headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
