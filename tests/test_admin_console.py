"""The agent console page and the effective presence staff read in the admin."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chatgate import presence
from tests.factories import AgentFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 11, 23, 9, 42, tzinfo=UTC)  # 10:42 in Paris, the tests' TIME_ZONE
CONSOLE = "admin:chatgate_console_changelist"


def console_user(*, agent: bool = True, **fields):
    user = UserFactory(is_staff=True, **fields)
    user.user_permissions.add(Permission.objects.get(codename="use_console"))
    if agent:
        AgentFactory(user=user, display_name="Ana", departments=[DepartmentFactory()])
    return user


def test_the_console_is_at_admin_chatgate_console():
    assert reverse(CONSOLE) == "/admin/chatgate/console/"


@pytest.mark.parametrize(("granted", "expected"), [(False, 403), (True, 200)])
def test_the_console_needs_the_console_permission(client, granted, expected):
    user = UserFactory(is_staff=True)  # staff, not superuser: only the permissions given
    AgentFactory(user=user)
    if granted:
        user.user_permissions.add(Permission.objects.get(codename="use_console"))
    client.force_login(user)
    assert client.get(reverse(CONSOLE)).status_code == expected


def test_users_who_are_not_staff_are_sent_to_the_login(client):
    user = console_user()
    user.is_staff = False
    user.save()
    client.force_login(user)
    response = client.get(reverse(CONSOLE))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_console_page_gives_its_script_the_agent_api_as_data(client, settings):
    settings.CHATGATE_PRESENCE_TIMEOUT = 45
    client.force_login(console_user())
    response = client.get(reverse(CONSOLE))
    context = response.context
    assert context["agent"].display_name == "Ana"
    config = context["config"]
    assert config["urls"] == {
        "status": "/chatgate/api/agent/status/",
        "heartbeat": "/chatgate/api/agent/heartbeat/",
        "conversations": "/chatgate/api/agent/conversations/",
    }
    assert config["heartbeat_seconds"] == 15  # a third of the timeout
    assert config["poll_seconds"] <= 3  # new messages within 3 s
    assert config["csrf"]["header"] == "X-CSRFTOKEN"
    assert config["csrf"]["token"]
    assert config["status"] == "offline"
    assert config["statuses"]["away"] == "Away"
    page = response.content.decode()
    data = re.search(
        r'<script id="chatgate-console-config" type="application/json">(.*?)</script>', page
    )
    assert json.loads(data.group(1)) == config  # the same, as JSON the script reads
    assert "<title>Console |" in page
    for label in ["Online", "Away", "Invisible", "Offline"]:
        assert f'value="{label.lower()}"' in page and f"> {label}</label>" in page


def test_the_console_has_no_inline_script_or_style_and_carries_the_nonce(client, settings):
    csp = pytest.importorskip("django.utils.csp")  # Django 6.0+
    settings.SECURE_CSP = {"script-src": [csp.CSP.SELF, csp.CSP.NONCE]}
    client.force_login(console_user())
    response = client.get(reverse(CONSOLE))
    page = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'src="/static/chatgate/console.js" nonce="{nonce}"' in page
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\sstyle\s*=|<style|\son[a-z]+\s*=", page)
    assert '/static/chatgate/admin.css"' in page


def test_a_user_without_an_agent_profile_is_told_so(client):
    client.force_login(console_user(agent=False))
    page = client.get(reverse(CONSOLE)).content.decode()
    assert "has no agent profile" in page
    assert "console.js" not in page


def test_the_console_is_in_the_app_list_of_those_allowed(client):
    """An agent who may see nothing else of the admin finds the console on the index."""
    client.force_login(console_user())
    index = client.get(reverse("admin:index")).content.decode()
    assert 'href="/admin/chatgate/console/"' in index and "Agent console" in index
    client.force_login(UserFactory(is_staff=True))
    assert "/admin/chatgate/console/" not in client.get(reverse("admin:index")).content.decode()


def test_the_agent_list_and_the_status_board_link_to_the_console(client):
    user = console_user()
    for codename in ["view_agent", "view_widget"]:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    for page in ["admin:chatgate_agent_changelist", "admin:chatgate_status_board"]:
        assert 'href="/admin/chatgate/console/"' in client.get(reverse(page)).content.decode()
    user.user_permissions.remove(Permission.objects.get(codename="use_console"))
    for page in ["admin:chatgate_agent_changelist", "admin:chatgate_status_board"]:
        assert "/admin/chatgate/console/" not in client.get(reverse(page)).content.decode()


# Effective presence


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def presence_cells(page: str) -> dict[str, str]:
    rows = re.findall(r"<tr.*?</tr>", page, flags=re.S)
    found = {}
    for row in rows:
        name = re.search(r"(Ana|Ben)</(?:a|th)>", row)
        status = re.search(r'class="chatgate-status chatgate-status-(\w+)">([^<]*)<', row)
        if name and status:
            found[name.group(1)] = (status.group(1), status.group(2))
    return found


@pytest.mark.parametrize("url", ["admin:chatgate_agent_changelist", "admin:chatgate_status_board"])
def test_an_online_agent_whose_heartbeat_stopped_reads_offline_last_seen(staff, frozen, url):
    ana, ben = AgentFactory(display_name="Ana"), AgentFactory(display_name="Ben")
    frozen(MONDAY)
    presence.set_status(ana, "online", at=MONDAY)
    presence.set_status(ben, "away", at=MONDAY)
    frozen(MONDAY + timedelta(seconds=50))
    presence.heartbeat(ben, at=MONDAY + timedelta(seconds=50))
    assert presence_cells(staff.get(reverse(url)).content.decode()) == {
        "Ana": ("online", "Online"),
        "Ben": ("away", "Away"),
    }
    frozen(MONDAY + timedelta(seconds=61))  # past CHATGATE_PRESENCE_TIMEOUT (60 s) for Ana only
    assert presence_cells(staff.get(reverse(url)).content.decode()) == {
        "Ana": ("offline", "offline — last seen 10:42"),  # in the admin's zone, Paris
        "Ben": ("away", "Away"),
    }
    frozen(MONDAY + timedelta(days=1))
    assert presence_cells(staff.get(reverse(url)).content.decode()) == {
        "Ana": ("offline", "offline — last seen 23 Nov 10:42"),  # not today: the date too
        "Ben": ("offline", "offline — last seen 23 Nov 10:42"),
    }


@pytest.mark.parametrize("url", ["admin:chatgate_agent_changelist", "admin:chatgate_status_board"])
def test_presence_is_read_in_a_fixed_number_of_queries(staff, frozen, url, monkeypatch):
    """A fixed number of queries, and of cache round trips for presence, whatever the agents."""
    from chatgate import store

    reads, get_many = [], store.get_many
    monkeypatch.setattr(store, "get_many", lambda keys: reads.append(list(keys)) or get_many(keys))

    def presence_reads() -> int:
        count = sum(any(":presence:" in key for key in keys) for keys in reads)
        reads.clear()
        return count

    frozen(MONDAY)
    team = DepartmentFactory()
    presence.set_status(AgentFactory(departments=[team]), "online", at=MONDAY)
    staff.get(reverse(url))  # warm the session and the content types
    reads.clear()
    with CaptureQueriesContext(connection) as one:
        staff.get(reverse(url))
    reads_of_one = presence_reads()
    for _ in range(4):
        presence.set_status(AgentFactory(departments=[team, DepartmentFactory()]), "online")
    staff.get(reverse(url))  # the widgets' snapshot, out of date after the new agents, reloads
    reads.clear()
    with CaptureQueriesContext(connection) as five:
        page = staff.get(reverse(url)).content.decode()
    assert page.count("chatgate-status-online") >= 5
    assert len(five) == len(one), [q["sql"] for q in five]
    assert presence_reads() == reads_of_one <= 2  # the page's agents at once (and the widgets')


def test_the_status_board_shows_each_agents_load(staff, frozen):
    from tests.chats import MONDAY_11, build_shop
    from tests.chats import start as start_chat

    frozen(MONDAY_11)
    shop = build_shop()
    ana = AgentFactory(display_name="Ana", departments=list(shop.departments.all()), max_chats=2)
    presence.set_status(ana, "online", at=MONDAY_11)
    from chatgate import conversations
    from chatgate.models import Conversation

    start_chat(department="sales")
    conversations.accept(ana, Conversation.objects.get().pk, at=MONDAY_11)
    page = staff.get(reverse("admin:chatgate_status_board")).content.decode()
    row = re.search(r"<tr>\s*<th scope=\"row\">Ana</th>.*?</tr>", page, flags=re.S).group(0)
    assert "1 of 2" in row and "Sales, Support" in row
