from __future__ import annotations

import gettext
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

from chatgate.models import REASON_LABELS
from chatgate.widget_texts import widget_texts

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "chatgate" / "locale" / "fr" / "LC_MESSAGES"


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
        assert widget_texts()["backWeekday"] == "Nous serons de retour {day} à {time}."
        assert str(REASON_LABELS["no_agents"]) == "Aucun agent disponible"
    assert widget_texts()["chat"] == "Chat with us"


def test_every_message_in_the_sources_has_a_french_translation(tmp_path):
    """makemessages over a copy of the app: a message added or changed in Python or a
    template (the widget's texts are Python) without a French translation fails here,
    and so does a fuzzy one."""
    copy = tmp_path / "chatgate"
    shutil.copytree(ROOT / "chatgate", copy, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "django", "makemessages", "-l", "fr", "--no-location"]
    subprocess.run(command, cwd=copy, env=env, check=True, capture_output=True)
    catalogue = copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"

    def msgids(*flags: str) -> list[str]:
        out = subprocess.run(
            ["msgattrib", *flags, "--no-wrap", str(catalogue)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [json.loads(f'"{m}"') for m in re.findall(r'^msgid "(.+)"$', out, re.M)]

    assert msgids("--untranslated") == []
    assert msgids("--only-fuzzy") == []
