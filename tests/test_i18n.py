from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

import pytest
from django.utils import translation

from chatgate.models import REASON_LABELS
from chatgate.widget_texts import widget_texts

LOCALE = Path(__file__).resolve().parent.parent / "chatgate" / "locale" / "fr" / "LC_MESSAGES"


def po_entries() -> dict[str, str]:
    """msgid -> msgstr (the first form of plurals), read line by line from django.po."""
    entries: dict[str, str] = {}
    current: dict[str, str] = {}
    field = None
    for line in (LOCALE / "django.po").read_text().splitlines() + [""]:
        match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
        if match:
            field = match.group(1)
            current[field] = json.loads(f'"{match.group(2)}"')
        elif line.startswith('"') and field:
            current[field] += json.loads(line)
        elif not line.strip():
            if current.get("msgid"):
                entries[current["msgid"]] = current.get("msgstr", current.get("msgstr[0]", ""))
            current, field = {}, None
    return entries


def test_every_message_is_translated():
    entries = po_entries()
    assert len(entries) > 150
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []


def test_compiled_catalogue_matches_its_source():
    with (LOCALE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, msgstr in po_entries().items() if compiled.gettext(msgid) != msgstr]
    assert stale == [], "run `make messages` to recompile django.mo"


@pytest.mark.parametrize("language", ["fr", "fr-fr"])
def test_widget_and_reason_texts_in_french(language):
    with translation.override(language):
        assert widget_texts()["backAt"] == "Nous serons de retour {when}."
        assert str(REASON_LABELS["no_agents"]) == "Aucun agent disponible"
    assert widget_texts()["chat"] == "Chat with us"
