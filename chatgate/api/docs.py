"""The API documentation page for people: Swagger UI over chatgate's own schema.

Swagger UI's files come from drf-spectacular-sidecar through the site's static
files (the host adds ``drf_spectacular_sidecar`` to ``INSTALLED_APPS``; check
``chatgate.W004`` says so): no CDN, nothing fetched from another origin. The page
has no inline script or style, and its scripts carry the CSP nonce, so it works
under the same strict policy as the widget.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from .. import csp


@require_safe
def api_docs(request):
    """Swagger UI for ``api/schema/``; "Try it out" uses the staff member's session."""
    namespace = request.resolver_match.namespace if request.resolver_match else None
    context = {
        "schema_url": reverse("chatgate:schema", current_app=namespace),
        "csrf_header": settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-"),
        "csrf_token": get_token(request),
        "nonce": csp.nonce(request),
    }
    return render(request, "chatgate/api_docs.html", context)
