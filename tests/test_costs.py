"""Costs that do not grow with the configuration: queries per state, ticket, poll and admin page,
whether there is 1 department or 200, 1 agent or 1,000."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from chatgate import cached, conversations
from chatgate.conversations import Visitor
from chatgate.models import Agent, Conversation, Department, Form, Ticket, Widget
from tests.factories import FormFactory, FormFieldFactory, ScheduleFactory, UserFactory

pytestmark = pytest.mark.django_db

MONDAY_11 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
MONDAY_19 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
STATE = "/chatgate/api/widgets/shop/state/?lang=en"
#: A state computed again after a presence or conversation change (the snapshots are cached).
COLD_STATE_QUERIES = 5
#: A state computed after a configuration change: widget, departments, what hangs off them
#: (one UNION ALL), the roster, the chat load (``chatgate.snapshots``).
COLD_CONFIGURATION_QUERIES = 5
TICKET_QUERIES = 4


def configuration(departments: int, agents: int, tag: str = "") -> Widget:
    """A widget offering ``departments`` departments (each its own schedule) and ``agents``
    agents spread over them, all online; made in bulk."""
    weekly = {d: [("09:00", "12:00"), ("13:00", "17:00")] for d in range(5)}
    teams = Department.objects.bulk_create(
        Department(
            slug=f"team{tag}-{n}",
            name=f"Team {n}",
            position=n,
            schedule=ScheduleFactory(weekly=weekly),
        )
        for n in range(departments)
    )
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"agent{tag}-{n}") for n in range(agents)
    )
    rows = Agent.objects.bulk_create(
        Agent(user=u, display_name=u.username, status="online", status_changed_at=MONDAY_11)
        for u in users
    )
    Agent.departments.through.objects.bulk_create(
        Agent.departments.through(agent=a, department=teams[n % departments])
        for n, a in enumerate(rows)
    )
    form = FormFactory(kind=Form.Kind.OFFLINE)
    FormFieldFactory(form=form, name="email", label="Email", type="email", required=True)
    widget = Widget.objects.create(
        slug="shop", name="Shop", schedule=ScheduleFactory(weekly=weekly), offline_form=form
    )
    widget.departments.set(teams)
    cached.bump_version()
    return widget


SIZES = [(1, 1), (200, 1000)]


@pytest.mark.parametrize(("departments", "agents"), SIZES)
def test_a_state_after_a_presence_or_chat_change_costs_a_fixed_few_queries(
    departments, agents, frozen
):
    configuration(departments, agents)
    frozen(MONDAY_11)
    api = APIClient()
    assert api.get(STATE).json()["status"] == "online"
    cached.bump_state()  # what a status change, a heartbeat back, a chat started do
    with CaptureQueriesContext(connection) as queries:
        body = api.get(STATE).json()
    assert len(body["departments"]) == departments
    assert len(queries) <= COLD_STATE_QUERIES


@pytest.mark.parametrize(("departments", "agents"), SIZES)
def test_a_state_after_a_configuration_change_costs_at_most_five_queries(
    departments, agents, frozen
):
    widget = configuration(departments, agents)
    form = widget.offline_form
    form.fields.filter(name="email").update(position=1)
    FormFieldFactory(form=form, name="topic", label="Topic", position=0)  # made after, shown first
    last = Department.objects.get(slug=f"team-{departments - 1}")
    last.set_current_language("fr")
    last.name = "Équipe"  # only in French: read in English all the same
    last.save()
    frozen(MONDAY_11)
    cached.bump_version()  # what any configuration change does
    with CaptureQueriesContext(connection) as queries:
        body = APIClient().get(STATE).json()
    assert len(queries) <= COLD_CONFIGURATION_QUERIES, [q["sql"][:80] for q in queries]
    assert [d["slug"] for d in body["departments"]] == [f"team-{n}" for n in range(departments)]
    assert body["departments"][-1]["name"] == "Équipe"
    frozen(MONDAY_19)  # closed: the offline form, its fields in order
    cached.bump_version()
    body = APIClient().get(STATE).json()
    assert [f["name"] for f in body["form"]["fields"]] == ["topic", "email"]


@pytest.mark.parametrize(("departments", "agents"), SIZES)
def test_a_ticket_costs_a_fixed_few_queries(departments, agents, frozen):
    configuration(departments, agents)
    frozen(MONDAY_19)
    api = APIClient()
    api.get(STATE)  # snapshots cached, as on any live site
    body = {"form": "offline", "fields": {"email": "zoe@example.com"}}
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/chatgate/api/widgets/shop/tickets/", body, format="json")
    assert response.status_code == 201
    writes = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]  # the test's transaction
    assert len(writes) <= TICKET_QUERIES, writes
    assert Ticket.objects.count() == 1


def test_an_idle_conversation_poll_makes_no_query(frozen):
    configuration(200, 1000)
    frozen(MONDAY_11)
    started = conversations.start("shop", message="Hello", visitor=Visitor(), at=MONDAY_11)
    url = f"/chatgate/api/conversations/{started.token}/messages/?after={started.messages[0].pk}"
    api = APIClient()
    api.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).json()["messages"] == []
    assert len(queries) == 0


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


ADMIN_PAGES = [
    "admin:chatgate_schedule_changelist",
    "admin:chatgate_department_changelist",
    "admin:chatgate_agent_changelist",
    "admin:chatgate_widget_changelist",
    "admin:chatgate_form_changelist",
    "admin:chatgate_ticket_changelist",
    "admin:chatgate_conversation_changelist",
    "admin:chatgate_status_board",
]


def many_records(count: int) -> None:
    widget = Widget.objects.get()
    teams = list(Department.objects.all())
    agents = list(Agent.objects.all())
    Ticket.objects.bulk_create(
        Ticket(widget=widget, department=teams[n % len(teams)], form_kind="offline", fields=[])
        for n in range(count)
    )
    Conversation.objects.bulk_create(
        Conversation(
            widget=widget,
            department=teams[n % len(teams)],
            agent=agents[n % len(agents)],
            status="active",
            token_hash=f"hash-{n}",
        )
        for n in range(count)
    )


@pytest.mark.parametrize("url_name", ADMIN_PAGES)
def test_admin_pages_make_no_query_per_row(url_name, staff, frozen):
    frozen(MONDAY_11)
    counts = []
    for departments, agents, records in [(2, 2, 2), (30, 60, 40)]:
        Widget.objects.all().delete()
        Department.objects.all().delete()
        Agent.objects.all().delete()
        configuration(departments, agents, tag=str(departments))
        many_records(records)
        staff.get(reverse(url_name))  # snapshots cached, sessions warmed
        with CaptureQueriesContext(connection) as queries:
            assert staff.get(reverse(url_name)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_an_idle_poll_of_an_active_chat_makes_one_cache_round_trip(frozen, monkeypatch):
    from chatgate import presence, store

    configuration(1, 1)
    agent = Agent.objects.get()
    presence.set_status(agent, "online", at=MONDAY_11)
    frozen(MONDAY_11)
    started = conversations.start("shop", message="Hello", visitor=Visitor(), at=MONDAY_11)
    conversations.accept(agent, started.conversation.pk, at=MONDAY_11)
    url = f"/chatgate/api/conversations/{started.token}/messages/"
    api = APIClient()
    after = api.get(url).json()["messages"][-1]["id"]
    calls = []
    attempt = store._attempt
    monkeypatch.setattr(
        store, "_attempt", lambda op, *a, **k: calls.append(op) or attempt(op, *a, **k)
    )
    frozen(MONDAY_11 + timedelta(seconds=50))  # within the agent's last heartbeat's timeout
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"{url}?after={after}").json()["messages"] == []
    assert (len(queries), len(calls)) == (0, 1)
    frozen(MONDAY_11 + timedelta(seconds=61))  # no heartbeat since: read, and the chat requeued
    api.get(f"{url}?after={after}")
    assert Conversation.objects.get().status == "waiting"
