"""The visitor's side of a chat: start (the server's re-check), read, send, close, resume.

These tests commit (``transaction=True``): what happens after commit (the poll
cache, signals) is part of what they check.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from chatgate import conversations, store
from chatgate.models import Conversation, Department, Message, Ticket, Widget
from tests.chats import (
    MONDAY_11,
    START,
    agent_in,
    agent_url,
    build_shop,
    client_of,
    close_url,
    messages_url,
    start,
)
from tests.test_faults_cache import UNREACHABLE

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE_FIVE = datetime(2026, 11, 23, 15, 59, 59, tzinfo=UTC)  # 16:59:59 in Paris
FIVE = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 17:00:00: closed


@pytest.fixture
def shop(frozen):
    frozen(MONDAY_11)
    return build_shop()


def test_a_start_at_16_59_59_succeeds_and_at_17_00_00_gets_409_with_the_state(shop, frozen):
    agent_in(*shop.departments.all(), at=BEFORE_FIVE - timedelta(seconds=20))
    frozen(BEFORE_FIVE)
    started = start(name="Zoé", message="Is my order on its way?")
    assert started.status_code == 201
    body = started.json()
    assert set(body) == {"token", "status", "department", "messages", "poll_after"}
    assert (body["status"], body["department"], body["poll_after"]) == ("waiting", "sales", 2)
    assert body["messages"] == [
        {
            "id": body["messages"][0]["id"],
            "author": "visitor",
            "name": "Zoé",
            "text": "Is my order on its way?",
            "created_at": "2026-11-23T15:59:59Z",
        }
    ]
    frozen(FIVE)
    refused = start(message="And now?")
    assert refused.status_code == 409
    assert refused.json()["code"] == "unavailable"
    state = refused.json()["state"]
    assert (state["status"], state["reason"], state["show"]) == (
        "offline",
        "closed",
        "offline_form",
    )
    assert state["form"]["title"] == "Leave us a message"  # the widget shows it with the draft
    assert state["opens_at"] == "2026-11-24T08:00:00Z"
    assert Conversation.objects.count() == 1


def test_routing_skips_an_offline_department(shop):
    support = Department.objects.get(slug="support")
    agent_in(support)  # Sales, first in the widget's order, has nobody
    routed = start()
    assert (routed.status_code, routed.json()["department"]) == (201, "support")
    chosen = start(department="sales")
    assert chosen.status_code == 409
    sales = {d["slug"]: d for d in chosen.json()["state"]["departments"]}["sales"]
    assert (sales["status"], sales["reason"]) == ("offline", "no_agents")
    assert start(department="support").json()["department"] == "support"
    assert list(Conversation.objects.values_list("department__slug", flat=True)) == [
        "support",
        "support",
    ]


def test_a_full_department_refuses_with_at_capacity(shop):
    agent_in(Department.objects.get(slug="sales"), max_chats=1)
    assert start().status_code == 201  # waits: it uses the only place
    refused = start()
    assert refused.status_code == 409
    assert refused.json()["state"]["reason"] == "at_capacity"


def test_the_state_counts_waiting_chats_too(shop):
    agent_in(Department.objects.get(slug="sales"), max_chats=1)
    api = APIClient()
    assert api.get("/chatgate/api/widgets/shop/state/").json()["can_start_chat"] is True
    start()
    state = api.get("/chatgate/api/widgets/shop/state/").json()
    assert (state["status"], state["reason"], state["show"]) == (
        "offline",
        "at_capacity",
        "offline_form",
    )


@pytest.mark.parametrize(
    ("ask", "body", "errors"),
    [
        ({"ask_name": "required"}, {}, {"name": ["This field is required."]}),
        ({"ask_email": "required"}, {"email": "  "}, {"email": ["This field is required."]}),
        ({"ask_email": "required"}, {}, {"email": ["This field is required."]}),
        ({}, {"email": "not-an-address"}, {"email": ["Enter a valid email address."]}),
        ({}, {"name": "Zoé\nBcc: x@y.z"}, {"name": ["Use a single line."]}),
        ({}, {"message": "   "}, {"message": ["This field may not be blank."]}),
        ({}, {"message": "x" * 5001}, {"message": ["Ensure this field has no more than 5000 characters."]}),
        ({}, {"timezone": "Mars/Olympus"}, {"timezone": ["unknown time zone 'Mars/Olympus'"]}),
        ({}, {"department": "nope"}, {"department": ["Unknown department “nope”."]}),
        ({}, {"language": "../../etc"}, {"language": ["A language code such as fr or pt-BR."]}),
        ({}, {"message": "a\x00b"}, {"message": ["Null characters are not allowed."]}),
    ],
)  # fmt: skip
def test_a_start_names_the_refused_field(shop, ask, body, errors):
    agent_in(*shop.departments.all())
    Widget.objects.filter(pk=shop.pk).update(**ask)
    response = start(**body)
    assert (response.status_code, response.json()) == (400, errors)
    assert Conversation.objects.count() == 0


def test_name_and_email_are_kept_as_the_widget_asks(shop):
    agent_in(*shop.departments.all())
    Widget.objects.filter(pk=shop.pk).update(ask_name="off", ask_email="required")
    response = start(name="Zoé", email="zoe@example.com", timezone="America/New_York")
    assert response.status_code == 201
    conversation = Conversation.objects.get()
    assert (conversation.visitor_name, conversation.visitor_email) == ("", "zoe@example.com")
    assert conversation.visitor_timezone == "America/New_York"


def test_an_unknown_widget_is_404_and_a_form_post_is_refused(shop):
    assert (
        APIClient()
        .post("/chatgate/api/widgets/nope/conversations/", {"message": "x"}, format="json")
        .status_code
        == 404
    )
    form = APIClient().post(START, {"message": "x"})  # multipart, as a plain HTML form posts
    assert form.status_code == 415
    assert Conversation.objects.count() == 0  # fmt: skip


def test_a_user_agent_with_a_null_character_is_stored_without_it(shop):
    agent_in(*shop.departments.all())
    response = APIClient().post(
        START, {"message": "Hi"}, format="json", HTTP_USER_AGENT="Bot\x00/1"
    )
    assert response.status_code == 201
    assert Conversation.objects.get().user_agent == "Bot/1"


def test_the_token_is_unguessable_and_only_its_hash_is_stored(shop):
    agent_in(*shop.departments.all())
    token = start().json()["token"]
    assert len(token) >= 43
    stored = Conversation.objects.values_list("token_hash", flat=True).get()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(Conversation.objects.values()))


def test_another_token_or_another_visitors_gets_404(shop):
    agent_in(*shop.departments.all())
    mine, theirs = start(message="mine").json()["token"], start(message="theirs").json()["token"]
    api = APIClient()
    texts = [m["text"] for m in api.get(messages_url(mine)).json()["messages"]]
    assert texts == ["mine"]  # never the other visitor's
    guessed = mine[:-1] + ("A" if mine[-1] != "A" else "B")
    for token in (guessed, "x" * 43, "short"):
        assert api.get(messages_url(token)).status_code == 404
        assert api.post(messages_url(token), {"text": "hi"}, format="json").status_code == 404
        assert api.post(close_url(token)).status_code == 404
    assert api.get(f"/chatgate/api/conversations/{mine}%00/messages/").status_code == 404
    assert Conversation.objects.filter(status="waiting").count() == 2  # untouched
    assert [m["text"] for m in api.get(messages_url(theirs)).json()["messages"]] == ["theirs"]


def test_a_resumed_conversation_returns_the_whole_transcript(shop, frozen):
    ana = agent_in(*shop.departments.all(), display_name="Ana")
    token = start(message="Hello").json()["token"]
    pk = Conversation.objects.get().pk
    console = client_of(ana)
    assert console.post(agent_url(pk, "accept")).status_code == 200
    console.post(agent_url(pk, "messages"), {"text": "Hi, how can I help?"}, format="json")
    APIClient().post(messages_url(token), {"text": "My parcel"}, format="json")
    reloaded = APIClient()  # a new page: nothing but the token from localStorage
    body = reloaded.get(messages_url(token)).json()
    assert body["status"] == "active"
    assert [(m["author"], m["name"], m["text"]) for m in body["messages"]] == [
        ("visitor", "", "Hello"),
        ("system", "", "Ana joined the chat."),
        ("agent", "Ana", "Hi, how can I help?"),
        ("visitor", "", "My parcel"),
    ]
    ids = [m["id"] for m in body["messages"]]
    assert ids == sorted(ids)
    after = reloaded.get(messages_url(token), {"after": ids[1]}).json()["messages"]
    assert [m["text"] for m in after] == ["Hi, how can I help?", "My parcel"]


def test_an_idle_poll_reads_no_table(shop):
    ana = agent_in(*shop.departments.all())
    token = start().json()["token"]
    api = APIClient()
    last = api.get(messages_url(token)).json()["messages"][-1]["id"]
    with CaptureQueriesContext(connection) as queries:
        idle = api.get(messages_url(token), {"after": last})
    assert (idle.status_code, len(queries)) == (200, 0)
    assert idle.json() == {"status": "waiting", "messages": [], "poll_after": 2, "form": None}
    pk = Conversation.objects.get().pk
    client_of(ana).post(agent_url(pk, "accept"))
    news = api.get(messages_url(token), {"after": last}).json()  # the change reached the cache
    assert (news["status"], [m["author"] for m in news["messages"]]) == ("active", ["system"])
    last = news["messages"][-1]["id"]
    with CaptureQueriesContext(connection) as queries:  # an active chat, the agent still there
        assert api.get(messages_url(token), {"after": last}).json()["messages"] == []
    assert len(queries) == 0


def test_a_poll_reads_the_database_when_the_cache_is_down(shop):
    agent_in(*shop.departments.all())
    with override_settings(CACHES=UNREACHABLE):
        store.reset()
        token = start(message="Anyone?").json()["token"]
        first = APIClient().get(messages_url(token)).json()
        APIClient().post(messages_url(token), {"text": "Hello?"}, format="json")
        again = APIClient().get(messages_url(token), {"after": first["messages"][0]["id"]})
    store.reset()
    assert [m["text"] for m in first["messages"]] == ["Anyone?"]
    assert [m["text"] for m in again.json()["messages"]] == ["Hello?"]


def test_bad_after_is_400(shop):
    agent_in(*shop.departments.all())
    token = start().json()["token"]
    for value in ("-1", "x", "1.5", "9" * 30):
        response = APIClient().get(messages_url(token), {"after": value})
        assert (response.status_code, list(response.json())) == (400, ["after"])


def test_the_visitor_writes_until_the_chat_is_closed(shop):
    agent_in(*shop.departments.all())
    token = start().json()["token"]
    api = APIClient()
    sent = api.post(messages_url(token), {"text": "  Still there?  "}, format="json")
    assert sent.status_code == 201
    assert (sent.json()["author"], sent.json()["text"]) == ("visitor", "Still there?")
    assert api.post(messages_url(token), {"text": ""}, format="json").status_code == 400
    assert api.post(close_url(token)).json() == {"status": "closed"}
    assert api.post(close_url(token)).json() == {"status": "closed"}  # again: nothing happens
    refused = api.post(messages_url(token), {"text": "Hello?"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "closed")
    body = api.get(messages_url(token)).json()
    assert (body["status"], body["poll_after"]) == ("closed", 30)
    assert [m["text"] for m in body["messages"]][
        -1
    ] == "You closed the chat."  # the visitor's words
    assert Message.objects.filter(code="closed_by_visitor").count() == 1
    closed = Message.objects.get(code="closed_by_visitor")
    assert conversations.render(closed) == "The visitor closed the chat."  # what agents read


def test_messaging_mode_always_starts_and_a_closed_thread_reopens(shop, frozen):
    Widget.objects.filter(pk=shop.pk).update(mode="messaging")
    frozen(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # closed, and nobody there
    started = start(message="Are you there tomorrow?")
    assert (started.status_code, started.json()["status"]) == (201, "waiting")
    assert started.json()["department"] == "sales"
    token = started.json()["token"]
    APIClient().post(close_url(token))
    again = APIClient().post(messages_url(token), {"text": "One more thing"}, format="json")
    assert again.status_code == 201
    assert Conversation.objects.get().status == "waiting"


def test_messages_are_limited_per_conversation(shop, settings):
    settings.CHATGATE_MESSAGE_RATE = "3/minute"
    agent_in(*shop.departments.all())
    token, other = start().json()["token"], start().json()["token"]
    api = APIClient()
    codes = [
        api.post(messages_url(token), {"text": "x"}, format="json").status_code for _ in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    assert api.post(messages_url(other), {"text": "x"}, format="json").status_code == 201  # fmt: skip


def test_starts_are_throttled_like_tickets(shop, settings):
    settings.CHATGATE_TICKET_RATE = "2/hour"
    agent_in(*shop.departments.all())
    assert [start().status_code for _ in range(3)] == [201, 201, 429]


def test_system_messages_speak_the_visitors_language(shop):
    ana = agent_in(*shop.departments.all(), display_name="Ana")
    token = start(language="fr").json()["token"]
    client_of(ana).post(agent_url(Conversation.objects.get().pk, "accept"))
    visitor = APIClient().get(messages_url(token)).json()["messages"]
    assert visitor[-1]["text"] == "Ana a rejoint la conversation."
    agent = client_of(ana).get(agent_url(Conversation.objects.get().pk, "messages")).json()
    assert agent["messages"][-1]["text"] == "Ana joined the chat."  # the agent's own language


def test_after_the_longest_wait_the_visitor_may_leave_a_ticket_with_the_transcript(shop, frozen):
    agent_in(*shop.departments.all())
    token = start(message="Where is order 1234?", name="Zoé").json()["token"]
    api = APIClient()
    api.post(messages_url(token), {"text": "Hello?"}, format="json")
    frozen(MONDAY_11 + timedelta(minutes=4, seconds=59))
    assert api.get(messages_url(token)).json()["form"] is None
    frozen(MONDAY_11 + timedelta(minutes=5))
    body = api.get(messages_url(token)).json()
    assert body["status"] == "waiting"  # an agent may still accept it
    assert (body["form"]["kind"], body["form"]["title"]) == ("offline", "Leave us a message")
    assert body["messages"][-1]["author"] == "system"
    api.get(messages_url(token))
    assert Message.objects.filter(code="no_answer").count() == 1
    transcript = "\n".join(m["text"] for m in body["messages"])
    sent = api.post(
        "/chatgate/api/widgets/shop/tickets/",
        {
            "form": "offline",
            "fields": {"email": "zoe@example.com", "message": transcript},
            "conversation": token,
        },
        format="json",
    )
    assert sent.status_code == 201, sent.json()
    ticket = Ticket.objects.get()
    assert [(m["author"], m["text"]) for m in ticket.transcript] == [
        ("visitor", "Where is order 1234?"),
        ("visitor", "Hello?"),
        ("system", str(conversations.SYSTEM_TEXTS["no_answer"])),
    ]
    assert ticket.conversation.status == "closed" and ticket.department.slug == "sales"
    assert "Zoé: Where is order 1234?" in mail.outbox[0].body
    closed = api.get(messages_url(token)).json()
    assert (closed["status"], closed["form"]) == ("closed", None)
    again = api.post(
        "/chatgate/api/widgets/shop/tickets/",
        {"form": "offline", "fields": {"email": "z@x.org", "message": "x"}, "conversation": token},
        format="json",
    )
    assert (again.status_code, list(again.json())) == (400, ["conversation"])
    assert Ticket.objects.count() == 1


def test_a_ticket_naming_a_chat_that_offers_no_form_is_refused(shop):
    agent_in(*shop.departments.all())
    token = start().json()["token"]
    response = APIClient().post(
        "/chatgate/api/widgets/shop/tickets/",
        {"form": "offline", "fields": {"email": "z@x.org", "message": "x"}, "conversation": token},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"conversation": ["This chat does not offer a form now."]}
    assert (Ticket.objects.count(), Conversation.objects.get().status) == (0, "waiting")
