"""The demo site that `make run` serves, checked in a separate process with its own settings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

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
messages = client.get("/messages/").content.decode()
assert 'data-chatgate-widget="messaging"' in messages  # the widget in messaging mode
gate = client.get("/gate/").content.decode()
assert "data-chatgate-headless" in gate and "chatgate.css" not in gate  # the site's own interface
assert client.login(username="admin", password="pw")
for url in ["/admin/chatgate/schedule/1/change/", "/admin/chatgate/widget/status/", "/admin/chatgate/ticket/"]:
    assert client.get(url).status_code == 200, url
assert client.login(username="ana", password="pw")
console = client.get("/admin/chatgate/console/")
assert console.status_code == 200 and b"console.js" in console.content
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


def demo(*args) -> str:
    out = StringIO()
    call_command("chatgate_demo", *args, stdout=out)
    return out.getvalue()


AGENT_LOGINS = ["ana", "ben", "chloe"]


@pytest.mark.django_db
def test_the_demo_agents_log_in_to_the_console_with_the_printed_password(client):
    out = demo("--password", "pw")
    assert "Agent logins: ana, ben, chloe / pw  (the console: /admin/chatgate/console/)" in out
    for username in AGENT_LOGINS:
        user = get_user_model().objects.get(username=username)
        assert (user.is_staff, user.is_superuser) == (True, False)  # the console, not the rest
        assert client.login(username=username, password="pw")
        assert client.get(reverse("admin:chatgate_console_changelist")).status_code == 200
        assert (
            'href="/admin/chatgate/console/"' in client.get(reverse("admin:index")).content.decode()
        )
        assert client.get(reverse("admin:chatgate_widget_changelist")).status_code == 403


@pytest.mark.django_db
def test_run_again_the_demo_keeps_agent_passwords_and_prints_no_login():
    demo("--password", "pw")
    ana = get_user_model().objects.get(username="ana")
    ana.set_password("ana's own")
    ana.save()
    again = demo()
    assert "Agent logins" not in again and " / " not in again  # no password printed
    assert "created: nothing, all there" in again
    assert get_user_model().objects.get(username="ana").check_password("ana's own")


@pytest.mark.django_db
def test_the_demo_creates_a_missing_agent_login_and_prints_only_that_one():
    demo("--password", "pw")
    get_user_model().objects.get(username="chloe").delete()  # her agent profile goes with it
    again = demo("--password", "new")
    assert "Agent logins: chloe / new" in again
    assert get_user_model().objects.get(username="ana").check_password("pw")
    assert get_user_model().objects.get(username="chloe").has_perm("chatgate.use_console")


@pytest.mark.django_db
def test_agents_of_a_demo_made_before_the_console_get_console_access(client):
    demo("--password", "pw")
    ben = get_user_model().objects.get(username="ben")
    ben.is_staff = False
    ben.save()
    ben.user_permissions.clear()  # as a demo made before the console left him
    again = demo()
    assert "created: console access for 'ben'" in again
    assert "Agent logins" not in again
    assert client.login(username="ben", password="pw")  # his password, unchanged
    assert client.get(reverse("admin:chatgate_console_changelist")).status_code == 200
