"""Template tags: thin adapters over chatgate.services. ``{% load chatgate %}``."""

from __future__ import annotations

import json
import logging

from django import template
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe

from .. import clock, conversations, csp, services
from ..api.serializers import WidgetStateSerializer
from ..models import REASON_LABELS, SHOW_LABELS, STATUS_LABELS, Widget
from ..services import WidgetState
from ..widget_texts import widget_texts

register = template.Library()
logger = logging.getLogger(__name__)
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
_TOKEN = "chatgate-token-placeholder"  # matches the URL's token pattern; the script puts the token


@register.filter
def chatgate_label(code: str) -> str:
    """The readable, translated name of a status, reason or ``show`` code."""
    return str(STATUS_LABELS.get(code) or REASON_LABELS.get(code) or SHOW_LABELS.get(code) or code)


def _state(slug: str) -> WidgetState | None:
    """The state, ``None`` for an unknown widget, the hidden fallback when it cannot be computed.

    A chat widget must never break its host's page: any failure (the database
    down, a bug) is logged with its traceback and the widget is hidden.
    """
    try:
        return services.widget_state(slug, at=clock.now())
    except Widget.DoesNotExist:
        logger.warning("chatgate: no widget %r; the tag renders nothing", slug)
        return None
    except Exception:
        logger.exception("chatgate: the state of widget %r failed; rendered hidden", slug)
        return services.unavailable_state(slug)


@register.simple_tag
def chatgate_state(slug: str) -> WidgetState | None:
    """``{% chatgate_state "default" as state %}``: the state for server-side decisions.

    When it cannot be computed, ``state.show`` is ``hidden`` and ``state.reason``
    is ``unavailable``.
    """
    return _state(slug)


def _state_data(slug: str) -> dict | None:
    """The state as the endpoint serves it (computed once per change, ``services.cached_state``),
    ``None`` for an unknown widget, the hidden fallback when it cannot be computed."""
    try:
        return json.loads(services.cached_state(slug, at=clock.now()).body)
    except Widget.DoesNotExist:
        logger.warning("chatgate: no widget %r; the tag renders nothing", slug)
        return None
    except Exception:
        logger.exception("chatgate: the state of widget %r failed; rendered hidden", slug)
        return WidgetStateSerializer(services.unavailable_state(slug)).data


@register.simple_tag(takes_context=True)
def chatgate_widget(context, slug: str, headless: bool = False) -> str:
    """The widget: its state inline as JSON data, one deferred script, one stylesheet.

    ``headless=True`` draws nothing (no launcher, no panel, no stylesheet) but loads the
    state and the JavaScript API, for a site that builds its own interface on it.
    """
    state = _state_data(slug)
    if state is None:
        return ""
    request = context.get("request")
    rendered = context.render_context.setdefault("chatgate_assets", set())
    html = render_to_string(
        "chatgate/widget.html",
        {
            "slug": slug,
            "state_id": f"chatgate-state-{slug}",
            "config_id": f"chatgate-config-{slug}",
            "state": state,
            "config": _config(slug, state["language"], headless=headless),
            "nonce": csp.nonce(request, context),
            "script": "script" not in rendered,
            "stylesheet": not headless and "stylesheet" not in rendered,
            "headless": headless,
        },
    )
    rendered.add("script")
    if not headless:
        rendered.add("stylesheet")
    return mark_safe(html)  # noqa: S308 -- rendered by a template with autoescape on


def _config(slug: str, language: str, *, headless: bool) -> dict:
    """What the scripts need besides the state: URLs, built-in texts, the pre-chat questions."""
    messages = reverse("chatgate:conversation-messages", kwargs={"token": _TOKEN})
    close = reverse("chatgate:conversation-close", kwargs={"token": _TOKEN})
    return {
        "slug": slug,
        "language": language,  # the page's: Django activated it for this request
        "headless": headless,
        "stateUrl": reverse("chatgate:widget-state", kwargs={"slug": slug}) + f"?lang={language}",
        "ticketsUrl": reverse("chatgate:widget-tickets", kwargs={"slug": slug}),
        "conversationsUrl": reverse("chatgate:widget-conversations", kwargs={"slug": slug}),
        "messagesUrl": messages.replace(_TOKEN, "{token}"),
        "closeUrl": close.replace(_TOKEN, "{token}"),
        "chatScript": static("chatgate/chat.js"),
        "ask": _prechat(slug),
        "texts": widget_texts(),
    }


def _prechat(slug: str) -> dict[str, str]:
    """The widget's ``ask_name``/``ask_email``; both optional when they cannot be read."""
    try:
        return conversations.prechat(slug)
    except Exception:
        logger.exception("chatgate: the pre-chat questions of widget %r failed", slug)
        return {"name": "optional", "email": "optional"}


@register.simple_tag
def chatgate_opening_hours_jsonld(slug: str) -> str:
    """schema.org ``OpeningHoursSpecification`` of the widget's hours, exceptions included."""
    try:
        data = services.opening_hours_jsonld(slug, at=clock.now())
    except Widget.DoesNotExist:
        logger.warning("chatgate: no widget %r; the tag renders nothing", slug)
        return ""
    except Exception:
        logger.exception("chatgate: the opening hours of widget %r failed; rendered nothing", slug)
        return ""
    if data is None:
        return ""
    text = json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 -- escaped above
