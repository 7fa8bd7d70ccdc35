"""The README's "Add it to an existing site", verbatim: a fresh `django-admin startproject`
host, the wheel installed by the README's pip line, the README's settings, urls and
template snippets pasted in, migrated, serving the widget, its state, the schema and docs.

The snippets are read from README.md (the blocks after ``<!-- install: NAME -->``), never
copied here. The one change the test makes is the Redis address: the host's cache points
at a redis-server of the test's own instead of the README's example database.
It installs packages into a new virtualenv (about 20 s), so it runs in the main leg only.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wheel import build_wheel

ROOT = Path(__file__).resolve().parent.parent
README_REDIS = "redis://127.0.0.1:6379/1"

pytestmark = pytest.mark.install

HOST_SCRIPT = """
import json
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()
call_command("migrate", verbosity=0)
call_command("check", fail_level="WARNING")
call_command("chatgate_demo", "--password", "pw", verbosity=0)
client = Client()
home = client.get("/")
assert home.status_code == 200, home.status_code
html = home.content.decode()
assert 'data-chatgate-widget="default"' in html and "/static/chatgate/chatgate.js" in html, html
state = client.get("/chatgate/api/widgets/default/state/")
assert state.status_code == 200, state.status_code
assert state.json()["widget"] == "default"
schema = client.get("/chatgate/api/schema/", {"format": "json"})
assert schema.status_code == 200, schema.content[-2000:]
assert "/api/widgets/{slug}/state/" in schema.json()["paths"]
docs = client.get("/chatgate/api/docs/")
assert docs.status_code == 200, docs.status_code
for url in re.findall(r'(?:src|href)="/static/([^"]+)"', docs.content.decode()):
    assert finders.find(url), url
assert client.login(username="admin", password="pw")
for url in ["/admin/chatgate/schedule/1/change/", "/admin/chatgate/widget/status/"]:
    assert client.get(url).status_code == 200, url
from django.core.cache import caches
assert type(caches["default"]).__name__ == "RedisCache"  # the README's cache, in use
assert caches["default"].get_or_set("host", "ok") == "ok"
print("host ok")
"""


def readme_snippets() -> dict[str, str]:
    """``{name: code}`` of the fenced blocks that follow ``<!-- install: name -->``."""
    readme = (ROOT / "README.md").read_text()
    return dict(re.findall(r"<!-- install: (\S+) -->\s*```\w*\n(.*?)```", readme, re.S))


def test_readme_has_the_install_snippets():
    snippets = readme_snippets()
    assert set(snippets) == {"shell", "settings.py", "urls.py", "template"}
    assert re.fullmatch(r'pip install "chatgate\[redis\]"\n', snippets["shell"])
    assert README_REDIS in snippets["settings.py"]


@pytest.fixture
def redis_url(redis_server):
    """A redis-server of the test's own (conftest's): required in CI, skipped elsewhere."""
    return redis_server.url


def run(*args, **kwargs) -> str:
    out = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert out.returncode == 0, (args, out.stdout[-2000:], out.stderr[-3000:])
    return out.stdout


def test_readme_install_works_in_a_fresh_startproject(tmp_path, redis_url):
    snippets = readme_snippets()
    wheel = build_wheel(tmp_path / "wheel")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", str(venv))  # this pip installs into it
    python = venv / "bin" / "python"
    # The README's pip line, with the wheel standing for the name on PyPI.
    (requirement,) = re.findall(r'pip install "(chatgate[^"]*)"', snippets["shell"])
    constraints = tmp_path / "constraints.txt"  # the project's pins, so pip resolves quickly
    constraints.write_text(re.sub(r"\[[^]]*\]", "", (ROOT / "requirements.txt").read_text()))
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "install",
        "-q",
        "--no-compile",
        "--disable-pip-version-check",
        requirement.replace("chatgate", str(wheel), 1),
        "-c",
        str(constraints),
    )
    site = tmp_path / "site"
    site.mkdir()
    run(str(venv / "bin" / "django-admin"), "startproject", "mysite", str(site))
    settings = site / "mysite" / "settings.py"
    settings.write_text(
        settings.read_text()
        + "\n"
        + snippets["settings.py"].replace(README_REDIS, redis_url)
        + '\nTEMPLATES[0]["DIRS"] = [BASE_DIR / "templates"]  # the test page below\n'
    )
    urls = site / "mysite" / "urls.py"
    urls.write_text(
        urls.read_text()
        + "\n"
        + snippets["urls.py"]
        + "\nfrom django.views.generic import TemplateView\n"
        + 'urlpatterns += [path("", TemplateView.as_view(template_name="home.html"))]\n'
    )
    (site / "templates").mkdir()
    (site / "templates" / "home.html").write_text(
        "<!doctype html><html><head><title>Host</title></head><body><h1>Host</h1>\n"
        + snippets["template"]
        + "</body></html>\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mysite.settings"}
    for name in ("DATABASE_URL", "CACHE_URL", "PYTHONPATH"):
        env.pop(name, None)
    out = run(str(python), "-c", "import re\n" + HOST_SCRIPT, cwd=site, env=env)
    assert out.strip().endswith("host ok")
