"""chatgate.conversations: never talking to nobody, each event once, capacity under races.

The races run in the PostgreSQL leg (``postgres``): threads, each with its own
connection, released together by a barrier.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from rest_framework.test import APIClient

from chatgate import conversations, presence, signals, store
from chatgate.models import Conversation, Department, Message, Widget
from tests.chats import MONDAY_11, agent_in, agent_url, build_shop, client_of, messages_url, start
from tests.test_faults_cache import UNREACHABLE

pytestmark = pytest.mark.django_db(transaction=True)
EXPIRED = MONDAY_11 + timedelta(seconds=61)  # the agent's last heartbeat was at MONDAY_11
NOTHING = {
    "requeued": 0,
    "offered": 0,
    "closing_soon": 0,
    "closed_waiting": 0,
    "auto_reply": 0,
    "emailed": 0,
}


@pytest.fixture
def shop(frozen):
    frozen(MONDAY_11)
    return build_shop()


@pytest.fixture
def sales(shop):
    return Department.objects.get(slug="sales")


def accepted_chat(agent) -> tuple[str, int]:
    token = start().json()["token"]
    pk = Conversation.objects.get(token_hash=conversations.hash_token(token)).pk
    assert client_of(agent).post(agent_url(pk, "accept")).status_code == 200
    return token, pk


def together(count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads released at once; their results, in any order."""
    barrier, results = threading.Barrier(count), []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results.append(work(i))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# Never talking to nobody


def test_an_expired_agents_chat_goes_back_to_the_queue_once(sales, frozen):
    ana = agent_in(sales, display_name="Ana")
    token, pk = accepted_chat(ana)
    frozen(MONDAY_11 + timedelta(seconds=60))  # the heartbeat still counts
    assert APIClient().get(messages_url(token)).json()["status"] == "active"
    frozen(EXPIRED)
    first, second = APIClient().get(messages_url(token)), APIClient().get(messages_url(token))
    assert (first.json()["status"], second.json()["status"]) == ("waiting", "waiting")
    assert first.json()["messages"][-1]["text"] == "Ana left; you are back in the queue."
    assert conversations.tick() == NOTHING
    assert Message.objects.filter(code="requeued").count() == 1
    conversation = Conversation.objects.get(pk=pk)
    assert (conversation.agent, conversation.waiting_since) == (None, EXPIRED)
    bob = agent_in(sales, at=EXPIRED, display_name="Bob")
    assert client_of(bob).post(agent_url(pk, "accept")).status_code == 200


def test_the_tick_requeues_when_nobody_polls(sales, frozen):
    ana = agent_in(sales, display_name="Ana")
    token, pk = accepted_chat(ana)
    frozen(EXPIRED)
    assert conversations.tick() == {**NOTHING, "requeued": 1}
    body = APIClient().get(messages_url(token)).json()
    assert body["status"] == "waiting"
    assert [m["text"] for m in body["messages"]].count("Ana left; you are back in the queue.") == 1


def test_an_agent_going_offline_requeues_an_invisible_one_keeps_its_chats(sales, frozen):
    ana, bob = agent_in(sales, display_name="Ana"), agent_in(sales, display_name="Bob")
    ana_token, _ = accepted_chat(ana)
    bob_token, _ = accepted_chat(bob)
    presence.set_status(ana, "offline", at=MONDAY_11 + timedelta(seconds=5))
    presence.set_status(bob, "invisible", at=MONDAY_11 + timedelta(seconds=5))
    frozen(MONDAY_11 + timedelta(minutes=10))
    assert APIClient().get(messages_url(ana_token)).json()["status"] == "waiting"
    assert APIClient().get(messages_url(bob_token)).json()["status"] == "active"


def test_chats_stay_with_their_agents_while_the_cache_of_heartbeats_is_down(sales, frozen):
    ana = agent_in(sales, display_name="Ana")
    with override_settings(CACHES=UNREACHABLE):
        store.reset()
        token, pk = accepted_chat(ana)
        frozen(EXPIRED)  # no heartbeat could have been recorded: presence alone says gone
        assert conversations.tick() == NOTHING
        assert APIClient().get(messages_url(token)).json()["status"] == "active"
    store.reset()
    assert Conversation.objects.get(pk=pk).agent == ana


def test_the_wait_starts_again_when_the_chat_returns_to_the_queue(sales, frozen):
    ana = agent_in(sales)
    token, _ = accepted_chat(ana)
    frozen(MONDAY_11 + timedelta(minutes=10))  # long after the start
    assert APIClient().get(messages_url(token)).json()["form"] is None  # requeued, not offered
    frozen(MONDAY_11 + timedelta(minutes=15))
    assert APIClient().get(messages_url(token)).json()["form"]["kind"] == "offline"


def test_the_tick_offers_the_form_once_and_a_poll_then_shows_it(shop, frozen):
    agent_in(*shop.departments.all())
    token = start().json()["token"]
    frozen(MONDAY_11 + timedelta(minutes=5))
    assert conversations.tick() == {**NOTHING, "offered": 1}
    assert conversations.tick() == NOTHING
    body = APIClient().get(messages_url(token)).json()
    assert body["form"]["kind"] == "offline"
    assert Message.objects.filter(code="no_answer").count() == 1


def test_an_accepted_chat_withdraws_the_offer(sales, frozen):
    ana = agent_in(sales)
    token = start().json()["token"]
    frozen(MONDAY_11 + timedelta(minutes=5))
    assert APIClient().get(messages_url(token)).json()["form"] is not None
    presence.set_status(ana, "online", at=MONDAY_11 + timedelta(minutes=5))
    pk = Conversation.objects.get().pk
    assert client_of(ana).post(agent_url(pk, "accept")).status_code == 200
    assert APIClient().get(messages_url(token)).json()["form"] is None


def test_messaging_threads_wait_without_an_offer(shop, frozen):
    Widget.objects.update(mode="messaging")
    token = start().json()["token"]
    frozen(MONDAY_11 + timedelta(hours=2))
    assert APIClient().get(messages_url(token)).json()["form"] is None
    assert conversations.tick() == NOTHING


def test_no_form_to_offer_means_no_offer_and_no_repeated_work(
    shop, frozen, django_assert_num_queries
):
    Widget.objects.update(offline_form=None)
    agent_in(*shop.departments.all())
    token = start().json()["token"]
    frozen(MONDAY_11 + timedelta(minutes=6))
    last = APIClient().get(messages_url(token)).json()["messages"][-1]["id"]
    with django_assert_num_queries(0):
        assert APIClient().get(messages_url(token), {"after": last}).json()["form"] is None


def test_chatgate_tick_reports_what_it_did(sales, frozen):
    ana = agent_in(sales)
    accepted_chat(ana)
    start()
    frozen(MONDAY_11 + timedelta(minutes=5))
    out = StringIO()
    call_command("chatgate_tick", stdout=out)
    assert out.getvalue().splitlines()[0] == (
        "1 conversation back in the queue (its agent left), "
        "1 offered the offline form (waited too long), 0 told when chat closes, "
        "0 still waiting at closing (kept or made tickets), 0 unanswered thread(s) given the "
        "automatic reply, 0 visitor(s) emailed a reply they had not seen."
    )
    out = StringIO()
    call_command("chatgate_tick", stdout=out)
    assert out.getvalue().startswith("0 conversations back in the queue")


# Signals


def test_signals_are_sent_after_commit_with_their_arguments(sales):
    seen = []

    def record(signal_name):
        def receiver(sender, **kwargs):
            seen.append((signal_name, sender.__name__, sorted(kwargs.keys() - {"signal"})))

        return receiver

    receivers = {
        name: record(name)
        for name in (
            "conversation_started",
            "conversation_accepted",
            "conversation_closed",
            "message_created",
        )
    }
    for name, receiver in receivers.items():
        getattr(signals, name).connect(receiver)
    try:
        ana = agent_in(sales)
        token, _ = accepted_chat(ana)
        APIClient().post(f"/chatgate/api/conversations/{token}/close/")
    finally:
        for name, receiver in receivers.items():
            getattr(signals, name).disconnect(receiver)
    assert seen == [
        ("message_created", "Message", ["message"]),
        ("conversation_started", "Conversation", ["conversation"]),
        ("message_created", "Message", ["message"]),
        ("conversation_accepted", "Conversation", ["agent", "conversation"]),
        ("message_created", "Message", ["message"]),
        ("conversation_closed", "Conversation", ["by", "conversation"]),
    ]


def test_no_signal_before_the_transaction_commits(sales):
    agent_in(sales)
    seen = []
    signals.conversation_started.connect(receiver := lambda **kw: seen.append(kw))
    try:
        with transaction.atomic():
            conversations.start("shop", message="Hello")
            assert seen == []  # not yet: the chat is not committed
    finally:
        signals.conversation_started.disconnect(receiver)
    assert [kw["conversation"].status for kw in seen] == ["waiting"]


def test_a_refused_start_sends_nothing_and_keeps_nothing(shop):
    seen = []
    signals.conversation_started.connect(receiver := lambda **kw: seen.append(kw))
    try:
        assert start().status_code == 409  # nobody there
    finally:
        signals.conversation_started.disconnect(receiver)
    assert (seen, Conversation.objects.count(), Message.objects.count()) == ([], 0, 0)


# Races (PostgreSQL)


def test_concurrent_starts_never_overfill_a_department(sales, settings, postgres):
    settings.CHATGATE_TICKET_RATE = "1000/hour"
    agent_in(sales, max_chats=2)
    codes = together(6, lambda i: start(department="sales").status_code)
    assert sorted(codes) == [201, 201, 409, 409, 409, 409]
    assert Conversation.objects.filter(status="waiting").count() == 2


def test_concurrent_accepts_of_one_chat_exactly_one_wins(sales, postgres):
    agents = [agent_in(sales, display_name=f"Agent {i}") for i in range(6)]
    token = start().json()["token"]
    pk = Conversation.objects.get(token_hash=conversations.hash_token(token)).pk
    responses = together(6, lambda i: client_of(agents[i]).post(agent_url(pk, "accept")))
    codes = Counter(r.status_code for r in responses)
    assert codes == {200: 1, 409: 5}
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"taken"}
    assert Message.objects.filter(conversation_id=pk, code="joined").count() == 1
    assert Conversation.objects.get(pk=pk).status == "active"


def test_concurrent_accepts_never_exceed_max_chats(sales, settings, postgres):
    settings.CHATGATE_TICKET_RATE = "1000/hour"
    ana = agent_in(sales, max_chats=2)
    agent_in(sales, max_chats=10)  # room for the starts
    for _ in range(5):
        start()
    pks = list(Conversation.objects.order_by("pk").values_list("pk", flat=True))
    responses = together(5, lambda i: client_of(ana).post(agent_url(pks[i], "accept")))
    assert sorted(r.status_code for r in responses) == [200, 200, 409, 409, 409]
    assert Conversation.objects.filter(agent=ana, status="active").count() == 2


def test_racing_pollers_and_ticks_requeue_once(sales, frozen, postgres):
    ana = agent_in(sales, display_name="Ana")
    token, pk = accepted_chat(ana)
    frozen(EXPIRED)

    def poll_or_tick(i: int):
        if i % 2:
            return conversations.tick()["requeued"]
        return APIClient().get(messages_url(token)).status_code

    results = together(8, poll_or_tick)
    assert Message.objects.filter(conversation_id=pk, code="requeued").count() == 1
    assert Conversation.objects.get(pk=pk).status == "waiting"
    assert results.count(200) == 4


def test_racing_pollers_and_ticks_offer_the_form_once(shop, frozen, postgres):
    agent_in(*shop.departments.all())
    token = start().json()["token"]
    frozen(MONDAY_11 + timedelta(minutes=5))
    together(8, lambda i: conversations.tick() if i % 2 else APIClient().get(messages_url(token)))
    assert Message.objects.filter(code="no_answer").count() == 1
