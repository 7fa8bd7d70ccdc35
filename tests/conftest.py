from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.core.cache import caches
from django.utils import translation

from chatgate import store
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
    store.reset()
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


@pytest.fixture
def postgres():
    """Races need PostgreSQL (SQLite serialises writers): these run in the PostgreSQL leg."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: runs in the PostgreSQL + Redis leg")


class RedisServer:
    """A redis-server of the test's own, on its own port: stopped, frozen and restarted at will."""

    def __init__(self, port: int) -> None:
        self.port, self.process = port, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import socket
        import subprocess
        import time

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(200):  # waits for the child to listen, not for the clock under test
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def signal(self, number: int) -> None:
        self.process.send_signal(number)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            import signal

            self.process.send_signal(signal.SIGCONT)  # a frozen server must wake up to die
            self.process.kill()
            self.process.wait()


@pytest.fixture
def redis_server():
    """A child redis-server on port 6380, or $CHATGATE_TEST_REDIS_PORT (never the shared 6379),
    plus the pytest-xdist worker's number."""
    if not shutil.which("redis-server"):
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server not installed")
    port = int(os.environ.get("CHATGATE_TEST_REDIS_PORT", "6380")) + settings.XDIST_WORKER
    server = RedisServer(port)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, started once the test database exists.

    It hands the server's threads the main thread's connection when the database is in
    memory, judged when it starts: started before the test database is set up (a worker
    whose first test is a browser test), it would share the connection to what then became
    a file, and each request's end would close it under the test (segfaults at teardown).
    """
    return live_server
