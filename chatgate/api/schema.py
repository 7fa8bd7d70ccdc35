"""chatgate's views describe themselves with drf-spectacular, whatever the host's
``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]`` says, so ``api/schema/`` works on any site.

Two pieces, both needed: every chatgate view has ``schema = SpectacularSchema()``, and
its handlers are annotated with this module's ``extend_schema`` (drf-spectacular's,
built on drf-spectacular's ``AutoSchema`` rather than on the host's default class, which
is DRF's own on a site that never configured it).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema as spectacular_extend_schema
from rest_framework.schemas import DefaultSchema
from rest_framework.schemas.inspectors import ViewInspector


class SpectacularSchema(DefaultSchema):
    """Like DRF's ``DefaultSchema`` (a fresh inspector per view), always drf-spectacular's."""

    def __get__(self, instance, owner):
        result = ViewInspector.__get__(self, instance, owner)
        if not isinstance(result, SpectacularSchema):
            return result  # set on this view by the schema generator
        inspector = AutoSchema()
        inspector.view = instance
        return inspector


def extend_schema(**kwargs):
    """drf-spectacular's ``extend_schema`` with ``AutoSchema`` as the base of what it builds."""

    def decorator(handler):
        handler.schema = AutoSchema  # the base extend_schema reads first
        try:
            return spectacular_extend_schema(**kwargs)(handler)
        finally:
            del handler.schema

    return decorator
