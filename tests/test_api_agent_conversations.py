"""The agent's side of chats: its queue, accept, reply, close; only its departments and its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chatgate import presence
from chatgate.models import Conversation, Department, Message, Widget
from tests.chats import MONDAY_11, agent_in, agent_url, build_shop, client_of, messages_url, start
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
QUEUE = "/chatgate/api/agent/conversations/"


@pytest.fixture
def shop(frozen):
    frozen(MONDAY_11)
    return build_shop()


@pytest.fixture
def sales(shop):
    return Department.objects.get(slug="sales")


@pytest.fixture
def support(shop):
    return Department.objects.get(slug="support")


def waiting_chat(department: str, **body) -> tuple[str, int]:
    token = start(department=department, **body).json()["token"]
    return token, Conversation.objects.order_by("-pk").values_list("pk", flat=True).first()


def test_the_queue_lists_its_departments_waiting_chats_and_its_own_active_ones(sales, support):
    ana = agent_in(sales, display_name="Ana", max_chats=2)
    agent_in(support)
    _, first = waiting_chat(
        "sales",
        message="Do you ship to Lyon?",
        name="Zoé",
        page_url="https://shop.example/p/1",
        timezone="America/New_York",
        language="fr",
    )
    _, other = waiting_chat("support", message="Not for Ana")
    _, second = waiting_chat("sales", message="Second")
    client_of(ana).post(agent_url(second, "accept"))
    body = client_of(ana).get(QUEUE).json()
    assert body["agent"] == {
        "id": ana.pk,
        "name": "Ana",
        "status": "online",
        "effective_status": "online",
        "active": 1,
        "max_chats": 2,
    }
    assert [c["id"] for c in body["waiting"]] == [first]  # not Support's
    assert [c["id"] for c in body["active"]] == [second]
    queued = body["waiting"][0]
    assert {k: queued[k] for k in ("visitor_name", "first_message", "page_url", "language")} == {
        "visitor_name": "Zoé",
        "first_message": "Do you ship to Lyon?",
        "page_url": "https://shop.example/p/1",
        "language": "fr",
    }
    assert (queued["timezone"], queued["local_time"]) == (
        "America/New_York",
        "2026-11-23T05:00:00-05:00",
    )
    assert (queued["department"], queued["widget"], queued["status"]) == (
        "sales",
        "shop",
        "waiting",
    )
    last = Message.objects.filter(conversation_id=second).order_by("-id").first()
    assert body["active"][0]["last_message_id"] == last.pk
    assert body["poll_after"] == 2  # fmt: skip


def test_accept_reply_and_close(sales):
    ana = agent_in(sales, display_name="Ana")
    token, pk = waiting_chat("sales")
    console = client_of(ana)
    assert (
        console.post(agent_url(pk, "messages"), {"text": "Hi"}, format="json").json()["code"]
        == "not_active"
    )
    assert console.post(agent_url(pk, "accept")).json() == {"status": "active"}
    reply = console.post(agent_url(pk, "messages"), {"text": "Hi, Ana here"}, format="json")
    assert reply.status_code == 201
    assert (reply.json()["author"], reply.json()["name"]) == ("agent", "Ana")
    read = console.get(agent_url(pk, "messages"), {"after": reply.json()["id"] - 1}).json()
    assert [m["text"] for m in read["messages"]] == ["Hi, Ana here"]
    assert console.post(agent_url(pk, "close")).json() == {"status": "closed"}
    visitor = APIClient().get(messages_url(token)).json()
    assert visitor["status"] == "closed"
    assert visitor["messages"][-1]["text"] == "Ana closed the chat."
    late = console.post(agent_url(pk, "messages"), {"text": "Bye"}, format="json")
    assert (late.status_code, late.json()["code"]) == (409, "not_active")
    assert console.get(agent_url(pk, "messages")).status_code == 200  # its own transcript  # fmt: skip


def test_a_lost_accept_race_is_409_and_the_chat_stays_with_the_winner(sales):
    ana, bob = agent_in(sales, display_name="Ana"), agent_in(sales, display_name="Bob")
    _, pk = waiting_chat("sales")
    assert client_of(ana).post(agent_url(pk, "accept")).status_code == 200
    lost = client_of(bob).post(agent_url(pk, "accept"))
    assert (lost.status_code, lost.json()["code"]) == (409, "taken")
    assert Conversation.objects.get(pk=pk).agent == ana
    assert client_of(bob).get(agent_url(pk, "messages")).status_code == 404  # Ana's now
    assert client_of(bob).post(agent_url(pk, "close")).status_code == 404


def test_only_its_departments_and_its_own(sales, support):
    ana = agent_in(sales)
    agent_in(support)
    _, theirs = waiting_chat("support")
    console = client_of(ana)
    for action in ("accept", "close"):
        assert console.post(agent_url(theirs, action)).status_code == 404
    assert console.get(agent_url(theirs, "messages")).status_code == 404
    assert (
        console.post(agent_url(theirs, "messages"), {"text": "x"}, format="json").status_code == 404
    )
    assert console.post(agent_url(10**9, "accept")).status_code == 404
    assert Conversation.objects.get(pk=theirs).status == "waiting"  # fmt: skip


def test_only_agents(sales):
    agent_in(sales)
    _, pk = waiting_chat("sales")
    staff = APIClient()
    staff.force_authenticate(UserFactory(is_staff=True, is_superuser=True))  # not an agent
    for client in (APIClient(), staff):
        assert client.get(QUEUE).status_code == 403
        assert client.post(agent_url(pk, "accept")).status_code == 403
        assert client.get(agent_url(pk, "messages")).status_code == 403
    assert Conversation.objects.get(pk=pk).status == "waiting"


def test_token_authentication(sales):
    ana = agent_in(sales)
    _, pk = waiting_chat("sales")
    client = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=ana.user).key}")
    assert client.post(agent_url(pk, "accept")).status_code == 200


@pytest.mark.parametrize(
    ("status", "widget", "seconds", "code"),
    [
        ("offline", {}, 0, "not_available"),
        ("invisible", {}, 0, "not_available"),
        ("online", {}, 61, "not_available"),  # its presence expired
        ("away", {"away_accepts_chats": False}, 0, "not_available"),
    ],
)
def test_accepting_needs_an_agent_who_can_take_a_chat_now(
    sales, frozen, status, widget, seconds, code
):
    agent_in(sales)  # keeps Sales available for the start
    _, pk = waiting_chat("sales")
    Widget.objects.update(**widget)
    ana = agent_in(sales, status=status)
    frozen(MONDAY_11 + timedelta(seconds=seconds))
    refused = client_of(ana).post(agent_url(pk, "accept"))
    assert (refused.status_code, refused.json()["code"]) == (409, code)
    assert Conversation.objects.get(pk=pk).status == "waiting"


def test_an_away_agent_accepts_when_the_widget_lets_it(sales):
    agent_in(sales)
    _, pk = waiting_chat("sales")
    ana = agent_in(sales, status="away")
    assert client_of(ana).post(agent_url(pk, "accept")).status_code == 200


def test_an_agent_at_capacity_cannot_accept(sales):
    ana = agent_in(sales, max_chats=1)
    agent_in(sales, max_chats=3)
    _, first = waiting_chat("sales")
    _, second = waiting_chat("sales")
    assert client_of(ana).post(agent_url(first, "accept")).status_code == 200
    refused = client_of(ana).post(agent_url(second, "accept"))
    assert (refused.status_code, refused.json()["code"]) == (409, "at_capacity")
    client_of(ana).post(agent_url(first, "close"))
    assert client_of(ana).post(agent_url(second, "accept")).status_code == 200


def test_an_agent_closes_a_waiting_chat_of_its_department(sales):
    ana = agent_in(sales, display_name="Ana")
    token, pk = waiting_chat("sales", message="buy cheap watches")
    assert client_of(ana).post(agent_url(pk, "close")).json() == {"status": "closed"}
    assert APIClient().get(messages_url(token)).json()["status"] == "closed"


def test_the_agent_api_answers_in_the_schema_shapes(sales):
    ana = agent_in(sales)
    _, pk = waiting_chat("sales")
    console = client_of(ana)
    assert console.get(agent_url(pk, "messages"), {"after": "x"}).status_code == 400
    assert console.post(agent_url(pk, "accept")).status_code == 200
    assert console.post(agent_url(pk, "messages"), {"text": " "}, format="json").status_code == 400
    presence.set_status(ana, "offline", at=MONDAY_11)
    body = console.get(QUEUE).json()
    assert (body["agent"]["status"], body["agent"]["effective_status"]) == ("offline", "offline")


def test_the_queue_names_each_department_in_a_fixed_number_of_queries(sales, support):
    """The console shows the department's name, not its slug, without a query per chat."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ana = agent_in(sales, support, display_name="Ana", max_chats=5)
    console = client_of(ana)
    waiting_chat("sales")
    with CaptureQueriesContext(connection) as one:
        body = console.get(QUEUE).json()
    assert [c["department_name"] for c in body["waiting"]] == ["Sales"]
    waiting_chat("support")
    waiting_chat("sales")
    with CaptureQueriesContext(connection) as three:
        body = console.get(QUEUE).json()
    assert [c["department_name"] for c in body["waiting"]] == ["Sales", "Support", "Sales"]
    assert len(three) == len(one)
