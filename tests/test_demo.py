"""The demo site that `make run` serves, checked in a separate process with its own settings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
call_command("migrate", verbosity=0)
call_command("check", fail_level="WARNING")
call_command("chatgate_demo", "--password", "pw", verbosity=0)
client = Client()
for url in ["/", "/product/", "/gate/", "/admin/login/", "/chatgate/api/widgets/default/state/"]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
home = client.get("/").content.decode()
assert 'data-chatgate-widget="default"' in home and "application/ld+json" in home
gate = client.get("/gate/").content.decode()
assert "data-chatgate-headless" in gate and "chatgate.css" not in gate  # the site's own interface
assert client.login(username="admin", password="pw")
for url in ["/admin/chatgate/schedule/1/change/", "/admin/chatgate/widget/status/", "/admin/chatgate/ticket/"]:
    assert client.get(url).status_code == 200, url
print("demo ok")
"""


def test_demo_site_serves_its_pages(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "CACHE_URL": "locmemcache://demo",
    }
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("demo ok")


@pytest.mark.parametrize(("args", "port"), [([], "8000"), (["PORT=8001"], "8001")])
def test_make_run_serves_on_the_port_asked(args, port):
    """`make run PORT=8001`: the dry run shows the server's address (nothing is started)."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    out = subprocess.run(
        ["make", "-n", "--no-print-directory", "run", *args],
        cwd=ROOT,
        env=env,  # not the variables of a `make test` this may run under
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.splitlines()[-1].endswith(f"manage.py runserver 127.0.0.1:{port}")
