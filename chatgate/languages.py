"""Texts in the visitor's language: what staff wrote for it, else for the site's language, else built in.

Staff write their texts per language of ``settings.LANGUAGES`` (django-parler
keeps one row per language, so a site that adds a language needs no
migration). A text blank in the visitor's language falls back to the site's
default language (``LANGUAGE_CODE``), and a text blank there too means
chatgate's built-in text, translated into the visitor's language. Built-in
texts are never stored, so a better translation reaches every widget that did
not write its own.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

#: The built-in text of each staff text that may be left blank (a form's greeting may be
#: left blank too, and then there is none).
BUILT_IN = {
    "greeting": _("Hello! How can we help?"),
    "closing_soon_text": _("Chat closes at {time}."),
    "away_reply": _("No one is available right now."),
    "submit_label": _("Send"),
    "success_message": _("Thank you, we will get back to you."),
    "title:offline": _("Leave us a message"),
    "title:contact": _("Contact us"),
}


def default_language() -> str:
    """The language whose texts stand in for missing ones: parler's default, ``LANGUAGE_CODE``.

    Read at each call (parler reads it once, at import), so ``override_settings`` works.
    """
    return getattr(settings, "PARLER_DEFAULT_LANGUAGE_CODE", settings.LANGUAGE_CODE)


def supported(code: str | None) -> str | None:
    """``code`` as a language of ``settings.LANGUAGES`` (``fr-ca`` → ``fr``), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def visitor_language(code: str | None = None) -> str:
    """The language to answer in: ``code``, else the active one, else the site's."""
    return supported(code) or supported(translation.get_language()) or default_language()


def codes() -> list[str]:
    """The languages staff can write texts in: those of ``settings.LANGUAGES``."""
    return [code for code, _name in settings.LANGUAGES]


def _fallbacks(language: str) -> list[str]:
    chain = [language, language.split("-")[0], default_language()]
    return list(dict.fromkeys(chain))


def staff_text(obj, field: str, language: str, *, any_language: bool = True) -> str:
    """What staff wrote in ``field`` for ``language``, else the default language's, else
    (with ``any_language``) any language's; "" when there is none.

    Reads ``obj.translations.all()``: prefetch them to read many objects in one query.
    """
    written = {row.language_code: getattr(row, field, "") for row in obj.translations.all()}
    return chosen(written, language, any_language=any_language)


def chosen(written: dict[str, str], language: str, *, any_language: bool = True) -> str:
    """``staff_text`` over one text as written per language (``{"fr": "Ventes", ...}``)."""
    last_resort = sorted(written) if any_language else []  # a name in any language beats none
    for code in [*_fallbacks(language), *last_resort]:
        value = written.get(code)
        if value:
            return value
    return ""


def text(obj, field: str, language: str, *, built_in: str | None = None) -> str:
    """``staff_text``, or the built-in text (``BUILT_IN[built_in or field]``) in ``language``."""
    written = {row.language_code: getattr(row, field, "") for row in obj.translations.all()}
    return text_in(written, field, language, built_in=built_in)


def text_in(
    written: dict[str, str], field: str, language: str, *, built_in: str | None = None
) -> str:
    """``text`` over one text as written per language (see ``chosen``)."""
    default = BUILT_IN.get(built_in or field)
    value = chosen(written, language, any_language=default is None)
    if value:
        return value
    if default is None:
        return ""
    with translation.override(language):
        return str(default)


def display_name(obj, field: str = "name") -> str:
    """A translated name in the active language, for staff pages (``__str__``)."""
    return staff_text(obj, field, visitor_language())
