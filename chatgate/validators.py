"""Text that every database and every response can hold: no null character, no lone surrogate.

PostgreSQL refuses null characters in text and JSON; a lone surrogate (``"\\ud800"``,
which JSON can spell) cannot be encoded as UTF-8, so neither stored nor sent back.
"""

from __future__ import annotations

from django.core.validators import ProhibitNullCharactersValidator
from rest_framework.validators import ProhibitSurrogateCharactersValidator


def text_error(value: str) -> str | None:
    """The translated reason ``value`` cannot be stored, or None; worded as Django and DRF do."""
    if "\x00" in value:
        return str(ProhibitNullCharactersValidator.message)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        code_point = ord(value[error.start])
        return str(ProhibitSurrogateCharactersValidator.message).format(code_point=code_point)
    return None
