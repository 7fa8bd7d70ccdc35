"""`pip install .` gives a working app: the wheel carries everything the app reads at run time."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.wheel import build_wheel

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    wheel = build_wheel(tmp_path_factory.mktemp("wheel"))
    return set(zipfile.ZipFile(wheel).namelist())


@pytest.mark.parametrize(
    "path",
    [
        "chatgate/py.typed",
        "chatgate/migrations/0001_initial.py",
        "chatgate/templates/chatgate/widget.html",
        "chatgate/templates/admin/chatgate/status_board.html",
        "chatgate/static/chatgate/chatgate.js",
        "chatgate/static/chatgate/chatgate.css",
        "chatgate/static/chatgate/admin.css",
        "chatgate/static/chatgate/api-docs.js",
        "chatgate/static/chatgate/console.js",
        "chatgate/templates/admin/chatgate/console.html",
        "chatgate/migrations/0007_console_permission.py",
        "chatgate/templates/chatgate/api_docs.html",
        "chatgate/locale/fr/LC_MESSAGES/django.mo",
        "chatgate/availability/hours.py",
        "chatgate/management/commands/chatgate_demo.py",
    ],
)
def test_wheel_carries(wheel_names, path):
    assert path in wheel_names


def test_wheel_leaves_out_the_demo_and_tests(wheel_names):
    assert not [
        n for n in wheel_names if n.startswith(("project/", "tests/", "templates/", "static/"))
    ]
