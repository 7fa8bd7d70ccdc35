"""Template tags: thin adapters over chatgate.services. ``{% load chatgate %}``."""

from __future__ import annotations

from django import template

from ..models import REASON_LABELS, STATUS_LABELS

register = template.Library()


@register.filter
def chatgate_label(code: str) -> str:
    """The readable, translated name of a status or reason code."""
    return str(STATUS_LABELS.get(code) or REASON_LABELS.get(code) or code)
