"""chatgate's OpenAPI description: its own schema class, and every error answer.

chatgate's views describe themselves with drf-spectacular, whatever the host's
``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]`` says, so ``api/schema/`` works on any
site. Two pieces, both needed: every chatgate view has ``schema =
SpectacularSchema()``, and its handlers are annotated with this module's
``extend_schema`` (drf-spectacular's, built on drf-spectacular's ``AutoSchema``
rather than on the host's default class, which is DRF's own on a site that
never configured it).

drf-spectacular describes what each handler returns; ``add_error_responses``
adds what DRF answers before or around a handler, read from each view's own
policies, so a client generated from the schema knows every status it can get:

- 400 ``FieldErrors`` when the operation reads a body or query parameters;
- 403 ``Error`` when it needs a signed-in user (session-first authentication
  answers 403, never 401, also on a missing CSRF token);
- 404 ``Error`` when its path names an object;
- 409 ``Error`` on a staff DELETE of an object still in use;
- 415 ``Error`` when it reads a body (JSON only);
- 429 ``Error`` with ``Retry-After`` when it is throttled.

An answer an operation already describes (the tickets' 400) is kept.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema as spectacular_extend_schema
from rest_framework.permissions import AllowAny
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


ERROR = {
    "type": "object",
    "description": "Why the request was refused, in the site's language.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": (
        "Messages per field of the body or query parameter: a list of strings, or, for a nested "
        "object or list, an object of the same shape keyed by field name or row index. "
        "``non_field_errors`` holds messages about the object itself; ``detail`` alone means the "
        "body could not be read (not JSON, or nested too deep)."
    ),
    "properties": {
        "detail": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]
    },
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next attempt.",
        "schema": {"type": "integer"},
    }
}


def _ref(name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def add_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook (listed in ``SchemaView``'s settings)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for path, method, view in _views(generator):
        operation = result["paths"].get(path, {}).get(method.lower())
        if operation is not None:
            for status, response in _errors(operation, method, view).items():
                operation["responses"].setdefault(status, response)
    return result


def _views(generator):
    for path, _regex, method, callback in generator.endpoints:
        view = generator.create_view(callback, method)
        yield generator.coerce_path(path, method, view), method, view


def _errors(operation: dict, method: str, view) -> dict[str, dict]:
    body = "requestBody" in operation
    query = any(p["in"] == "query" for p in operation.get("parameters", []))
    in_path = any(p["in"] == "path" for p in operation.get("parameters", []))
    errors = {}
    if body or query:
        errors["400"] = {"description": "Invalid input", "content": _ref("FieldErrors")}
    if any(permission is not AllowAny for permission in view.permission_classes):
        errors["403"] = {"description": "Not signed in, or not allowed", "content": _ref("Error")}
    if in_path:
        errors["404"] = {"description": "No such object", "content": _ref("Error")}
    if method == "DELETE" and getattr(view, "conflicts_on_delete", False):
        errors["409"] = {"description": "Still in use", "content": _ref("Error")}
    if body:
        errors["415"] = {"description": "Not JSON", "content": _ref("Error")}
    if view.throttle_classes:
        errors["429"] = {
            "description": "Too many requests",
            "headers": RETRY_AFTER,
            "content": _ref("Error"),
        }
    return errors
