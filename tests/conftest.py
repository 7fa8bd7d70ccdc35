from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.core.cache import caches
from django.utils import translation

from tests import clock

# Playwright's sync API runs an event loop; live_server's database access is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _fresh_cache_clock_and_language():
    caches["default"].clear()
    yield
    clock.set_now(None)
    caches["default"].clear()
    translation.activate(settings.LANGUAGE_CODE)  # a request may have activated another


@pytest.fixture
def frozen(settings):
    """Freeze the clock the views and services read: ``frozen(at)``."""
    settings.CHATGATE_CLOCK = "tests.clock.now"
    return clock.set_now


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's Chromium: required in CI, skipped with a reason elsewhere."""
    if shutil.which("chromium") or os.path.exists(CHROMIUM) or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason="Chromium not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def at(frozen, page):
    """Browser tests: set the server's and the page's clocks, ``at(instant)``, before loading."""

    def set_both(instant) -> None:
        frozen(instant)
        page.clock.install(time=instant)

    return set_both
