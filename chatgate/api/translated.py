"""Staff texts per language in the configuration API.

A translated text appears twice in a body: as a plain field holding the site's
default language (``"name": "Sales"``, the body DESIGN.md shows) and in
``translations``, every language that has a text of its own
(``"translations": {"fr": {"name": "Ventes"}}``). Both can be written; for the
default language, ``translations`` is applied last. Languages are those of
``settings.LANGUAGES``; a blank text falls back as ``chatgate.languages`` says.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import languages


def text_field(model, name: str, **kwargs) -> serializers.Field:
    """The serializer field ModelSerializer would build for a translated model field."""
    model_field = model._parler_meta.get_model_by_field(name)._meta.get_field(name)
    field_class, field_kwargs = serializers.ModelSerializer().build_standard_field(
        name, model_field
    )
    return field_class(**{**field_kwargs, **kwargs})


class TranslationsField(serializers.Field):
    """``{"fr": {"name": "Ventes"}}``: the texts written per language."""

    def __init__(self, *, model, names: tuple[str, ...], **kwargs) -> None:
        kwargs.setdefault("source", "*")
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "Texts per language of the site (LANGUAGES): language code to texts by field.",
        )
        super().__init__(**kwargs)
        self.model, self.names = model, names

    def to_representation(self, instance) -> dict:
        return {
            row.language_code: {name: getattr(row, name) for name in self.names}
            for row in sorted(instance.translations.all(), key=lambda r: r.language_code)
        }

    def to_internal_value(self, data) -> dict:
        if not isinstance(data, dict):
            raise serializers.ValidationError("Expected an object: language code to texts.")
        texts, errors = {}, {}
        for code, values in data.items():
            try:
                texts[code] = self._language(code, values)
            except serializers.ValidationError as error:
                errors[code] = error.detail
        if errors:
            raise serializers.ValidationError(errors)
        return {"translations": texts}

    def _language(self, code: str, values) -> dict:
        if code not in languages.codes():
            raise serializers.ValidationError(
                f"{code!r} is not a language of this site ({', '.join(languages.codes())})."
            )
        if not isinstance(values, dict):
            raise serializers.ValidationError("Expected an object: field name to text.")
        unknown = sorted(set(values) - set(self.names))
        if unknown:
            raise serializers.ValidationError(
                {name: ["Not a translated text of this object."] for name in unknown}
            )
        cleaned, errors = {}, {}
        for name, value in values.items():
            try:
                cleaned[name] = text_field(self.model, name, allow_blank=True).run_validation(value)
            except serializers.ValidationError as error:
                errors[name] = error.detail
        if errors:
            raise serializers.ValidationError(errors)
        return cleaned


def translations_schema(names: tuple[str, ...]) -> dict:
    texts = {"type": "object", "properties": {n: {"type": "string"} for n in names}}
    return {
        "type": "object",
        "additionalProperties": texts,
        "example": {"fr": dict.fromkeys(names, "…")},
    }


def translations_field(model, names: tuple[str, ...]) -> TranslationsField:
    return extend_schema_field(translations_schema(names))(TranslationsField)(
        model=model, names=names
    )


class TranslatedSerializerMixin:
    """For a ModelSerializer of a parler model: plain texts in the default language, ``translations``.

    Declare the plain fields with ``text_field`` and list them in ``translated``.
    """

    translated: tuple[str, ...] = ()

    def to_representation(self, instance) -> dict:
        data = super().to_representation(instance)
        default = languages.default_language()
        rows = {row.language_code: row for row in instance.translations.all()}
        for name in self.translated:
            if name in data:
                data[name] = getattr(rows.get(default), name, "")
        return data

    @classmethod
    def pop_texts(cls, validated: dict) -> dict[str, dict[str, str]]:
        """Texts by language taken out of ``validated`` (plain fields: the default language)."""
        per_language: dict[str, dict[str, str]] = {}
        plain = {name: validated.pop(name) for name in cls.translated if name in validated}
        if plain:
            per_language[languages.default_language()] = plain
        for code, values in validated.pop("translations", {}).items():
            per_language.setdefault(code, {}).update(values)
        return per_language

    @staticmethod
    def save_texts(instance, per_language: dict[str, dict[str, str]]) -> None:
        """Write the texts with parler, one translation row per language."""
        for code, values in per_language.items():
            instance.set_current_language(code)
            for name, value in values.items():
                setattr(instance, name, value)
        instance.save_translations()
        instance.set_current_language(languages.default_language())
        getattr(instance, "_prefetched_objects_cache", {}).pop("translations", None)

    def create(self, validated: dict):
        texts = self.pop_texts(validated)
        instance = super().create(validated)
        self.save_texts(instance, texts)
        return instance

    def update(self, instance, validated: dict):
        texts = self.pop_texts(validated)
        instance = super().update(instance, validated)
        self.save_texts(instance, texts)
        return instance
