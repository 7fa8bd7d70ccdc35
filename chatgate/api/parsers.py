"""chatgate's one request parser: JSON, and only JSON that every database and response can hold.

Every chatgate endpoint that reads a body uses it, so whatever a client sends,
the handlers only ever see:

- no null character and no lone surrogate in any string or key (PostgreSQL
  refuses the first, UTF-8 cannot encode the second): a 400 names each string by
  its path, ``{"fields": {"message": ["Null characters are not allowed."]}}``,
  in the nesting DRF uses for field errors (list rows keyed by their index);
- nothing nested deeper than ``MAX_DEPTH`` levels (deeper JSON would exhaust
  the parser's recursion): a 400 ``{"detail": ...}``;
- a body sent as JSON: forms (``application/x-www-form-urlencoded``,
  ``multipart/form-data``, ``text/plain``) get a 415, so another site cannot
  make its visitors' browsers post to chatgate with a plain HTML form.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.settings import api_settings

from ..validators import text_error

#: Levels of arrays and objects a body may nest; chatgate's own bodies need five.
MAX_DEPTH = 20


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what would break a handler, a database or a response."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(too_deep()) from None
        errors = body_errors(data)
        if errors:
            raise ValidationError(errors)
        return data


def too_deep() -> str:
    return _("The JSON body is nested more than %(limit)d levels deep.") % {"limit": MAX_DEPTH}


def body_errors(data) -> dict:
    """Messages by path for every string or key that cannot be stored; ParseError if too deep."""
    errors: dict = {}
    stack = [((), data, 0)]
    while stack:  # iterative: the depth is what is being checked
        path, value, depth = stack.pop()
        if isinstance(value, str):
            message = text_error(value)
            if message:
                _add(errors, path, message)
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth >= MAX_DEPTH:
            raise ParseError(too_deep())
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and text_error(key):
                message = _("Names cannot contain null characters or surrogate characters.")
                _add(errors, (*path, api_settings.NON_FIELD_ERRORS_KEY), message)
                continue  # the name cannot be echoed as a key of the errors
            stack.append(((*path, str(key)), item, depth + 1))
    return errors


def _add(errors: dict, path: tuple[str, ...], message: str) -> None:
    """Put ``message`` at ``path`` in nested dicts; a message for the body itself has no path."""
    path = path or (api_settings.NON_FIELD_ERRORS_KEY,)
    node = errors
    for name in path[:-1]:
        node = node.setdefault(name, {})
        if isinstance(node, list):  # a body's own key "non_field_errors" met ours
            node.append(message)
            return
    leaf = node.setdefault(path[-1], [])
    if isinstance(leaf, dict):
        _add(leaf, (api_settings.NON_FIELD_ERRORS_KEY,), message)
    else:
        leaf.append(message)
