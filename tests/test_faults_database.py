"""The database unreachable: pages that carry the widget render, the API says 503 with Retry-After.

Run in a separate process whose database is a PostgreSQL address where nothing
listens, so every query fails as it would in an outage.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import django
django.setup()
from django.template import Context, Template
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
page = client.get("/page/shop/")
assert page.status_code == 200, page.status_code
assert b'data-chatgate-widget="shop"' in page.content, page.content
assert b'"show": "hidden"' in page.content and b'"reason": "unavailable"' in page.content
state = client.get("/chatgate/api/widgets/shop/state/")
assert state.status_code == 503, state.status_code
assert state["Retry-After"] == "30", state.headers
ticket = client.post(
    "/chatgate/api/widgets/shop/tickets/",
    {"form": "offline", "fields": {"email": "zoe@example.com"}},
    content_type="application/json",
)
assert ticket.status_code == 503, ticket.status_code
client.cookies["sessionid"] = "x" * 32  # an agent's console: its session is in the database
beat = client.post("/chatgate/api/agent/heartbeat/")
assert beat.status_code == 503, beat.status_code
tags = Template('{% load chatgate %}{% chatgate_opening_hours_jsonld "shop" %}'
                '{% chatgate_state "shop" as s %}[{{ s.show }}]')
assert tags.render(Context()) == "[hidden]"
print("pages ok")
"""


def test_pages_render_and_the_api_answers_503_when_the_database_is_down():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5499/unreachable",
        "CACHE_URL": "locmemcache://db-down",
    }
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("pages ok")
    assert "chatgate: the state of widget 'shop' failed; rendered hidden" in out.stderr
    assert "chatgate: the database is unreachable" in out.stderr
