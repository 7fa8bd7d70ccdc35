"""chatgate.conversations.edges: closing soon, closing time and automatic replies, each once.

The shop is open weekdays 09:00-17:00 in Paris; Monday 2026-11-23 closes at 16:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from chatgate import conversations, presence, store, tickets
from chatgate.models import Conversation, Department, Ticket, Widget
from tests.chats import agent_in, agent_url, build_shop, client_of, messages_url, start
from tests.test_conversations import together
from tests.test_faults_cache import UNREACHABLE

pytestmark = pytest.mark.django_db(transaction=True)

PARIS = 1  # hours ahead of UTC in November
MONDAY_1640 = datetime(2026, 11, 23, 15, 40, tzinfo=UTC)
CLOSING = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 17:00 in Paris


def paris(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An instant given as Paris wall-clock time in November 2026."""
    return datetime(2026, 11, day, hour - PARIS, minute, second, tzinfo=UTC)


def codes(token: str) -> list[str]:
    conversation = Conversation.objects.get(token_hash=conversations.hash_token(token))
    return list(conversation.messages.values_list("code", flat=True))


def system_texts(token: str, code: str) -> list[str]:
    conversation = Conversation.objects.get(token_hash=conversations.hash_token(token))
    return list(conversation.messages.filter(code=code).values_list("text", flat=True))


def poll(token: str) -> dict:
    return APIClient().get(messages_url(token)).json()


@pytest.fixture
def agent(frozen):
    frozen(MONDAY_1640)
    build_shop(max_wait_minutes=60)
    return agent_in(Department.objects.get(slug="sales"), display_name="Ana", at=MONDAY_1640)


def accepted(agent, **body) -> str:
    token = start(**body).json()["token"]
    pk = Conversation.objects.get(token_hash=conversations.hash_token(token)).pk
    assert client_of(agent).post(agent_url(pk, "accept")).status_code == 200
    return token


def keep_alive(agent, at: datetime, frozen) -> None:
    frozen(at)
    presence.heartbeat(agent, at=at)


# Closing soon


def test_an_active_chat_is_told_once_when_chat_closes_in_the_visitors_zone(agent, frozen):
    token = accepted(agent, timezone="America/New_York")
    keep_alive(agent, CLOSING - timedelta(minutes=16), frozen)
    poll(token), conversations.tick()
    assert "closing_soon" not in codes(token)  # 16 minutes before: not yet
    keep_alive(agent, CLOSING - timedelta(minutes=14), frozen)
    poll(token), poll(token), conversations.tick(), conversations.tick(), poll(token)
    assert system_texts(token, "closing_soon") == ["Chat closes at 11:00 AM."]  # New York
    assert [m["text"] for m in poll(token)["messages"]][-1] == "Chat closes at 11:00 AM."


def test_the_closing_notice_is_written_in_the_visitors_language(agent, frozen):
    Widget.objects.filter(slug="shop").update(closing_soon_minutes=30)
    token = accepted(agent, timezone="Europe/Paris", language="fr")
    keep_alive(agent, CLOSING - timedelta(minutes=10), frozen)
    poll(token)
    assert system_texts(token, "closing_soon") == ["Le chat ferme à 17:00."]


def test_a_poll_alone_writes_the_closing_notice(agent, frozen):
    token = accepted(agent, timezone="Europe/Paris")
    keep_alive(agent, CLOSING - timedelta(minutes=20), frozen)
    poll(token)  # caches the entry, with when the notice falls due
    keep_alive(agent, CLOSING - timedelta(minutes=5), frozen)
    assert poll(token)["messages"][-1]["text"] == "Chat closes at 5:00 PM."


def test_closing_soon_once_under_racing_ticks_and_polls(postgres, agent, frozen):
    token = accepted(agent, timezone="Europe/Paris")
    keep_alive(agent, CLOSING - timedelta(minutes=5), frozen)
    together(6, lambda i: conversations.tick() if i % 2 else poll(token))
    assert codes(token).count("closing_soon") == 1


# At closing


def test_a_waiting_chat_is_kept_at_closing_and_told_when_we_are_back(agent, frozen):
    keep_alive(agent, CLOSING - timedelta(minutes=5), frozen)
    token = start(timezone="Europe/Paris").json()["token"]
    frozen(CLOSING + timedelta(minutes=1))
    body = poll(token)
    assert body["status"] == "waiting"
    assert body["messages"][-1]["text"] == (
        "We are closed now. Your chat stays in the queue. We'll be back tomorrow at 9:00 AM."
    )
    conversations.tick(), poll(token)
    assert codes(token).count("closed_keep") == 1


def test_a_waiting_chat_becomes_a_ticket_at_closing_when_the_widget_says_so(agent, frozen):
    Widget.objects.filter(slug="shop").update(waiting_at_closing="ticket")
    keep_alive(agent, CLOSING - timedelta(minutes=5), frozen)
    token = start(message="Is my order shipped?", email="eve@example.com").json()["token"]
    frozen(CLOSING + timedelta(minutes=1))
    assert conversations.tick()["closed_waiting"] == 1
    assert conversations.tick()["closed_waiting"] == 0
    (ticket,) = Ticket.objects.all()
    assert ticket.conversation.status == "closed" and ticket.form_kind == "chat"
    assert ticket.transcript[0]["text"] == "Is my order shipped?"
    assert ticket.email == "eve@example.com" and ticket.department.slug == "sales"
    assert poll(token)["messages"][-1]["text"].startswith("We are closed now. Your message was")
    assert len(mail.outbox) == 1 and "Is my order shipped?" in mail.outbox[0].body


def test_active_chats_go_on_at_closing(agent, frozen):
    token = accepted(agent)
    keep_alive(agent, CLOSING + timedelta(minutes=10), frozen)
    conversations.tick()
    assert poll(token)["status"] == "active"
    assert "closed_keep" not in codes(token) and not Ticket.objects.exists()


# Automatic replies in messaging mode


@pytest.fixture
def thread(frozen):
    frozen(paris(23, 18))  # Monday evening: closed until Tuesday 09:00
    build_shop(mode="messaging")
    return start(message="Do you ship to Canada?", timezone="America/Toronto").json()["token"]


def write(token: str, at: datetime, frozen, text: str = "Any news?") -> None:
    frozen(at)
    answer = APIClient().post(messages_url(token), {"text": text}, format="json")
    assert answer.status_code == 201


def test_one_automatic_reply_per_closed_period(thread, frozen):
    assert system_texts(thread, "auto_reply") == [
        "No one is available right now. We'll be back tomorrow at 3:00 AM."  # Toronto
    ]
    write(thread, paris(23, 20), frozen)
    write(thread, paris(24, 7), frozen)
    assert len(system_texts(thread, "auto_reply")) == 1  # the same night
    write(thread, paris(24, 19), frozen)  # Tuesday evening: another closed period
    assert len(system_texts(thread, "auto_reply")) == 2


@pytest.fixture
def answered(frozen):
    """A thread an agent accepted at 16:50 and answered at 16:58 on Monday."""
    frozen(paris(23, 16, 50))
    build_shop(mode="messaging")
    ana = agent_in(Department.objects.get(slug="sales"), at=paris(23, 16, 50))
    token = start(message="Hello").json()["token"]
    pk = Conversation.objects.get(token_hash=conversations.hash_token(token)).pk
    client_of(ana).post(agent_url(pk, "accept"))
    frozen(paris(23, 16, 58))
    client_of(ana).post(agent_url(pk, "messages"), {"text": "Let me check."}, format="json")
    return ana, pk, token


def test_no_automatic_reply_within_five_minutes_of_an_agents_reply(answered, frozen):
    _ana, _pk, token = answered
    write(token, paris(23, 17, 2), frozen)  # closed, but Ana wrote 4 minutes ago
    write(token, paris(23, 17, 2, 59), frozen)
    assert "auto_reply" not in codes(token)
    write(token, paris(23, 17, 10), frozen)
    assert codes(token).count("auto_reply") == 1


def test_agents_messages_get_no_automatic_reply(answered, frozen):
    ana, pk, token = answered
    frozen(paris(23, 17, 30))
    answer = client_of(ana).post(agent_url(pk, "messages"), {"text": "Still there?"}, format="json")
    assert answer.status_code == 201
    assert codes(token) == ["", "joined", "", ""]  # visitor, joined, Ana, Ana: no reply


def test_the_auto_reply_switch_and_the_staff_text(frozen):
    frozen(paris(23, 18))
    widget = build_shop(mode="messaging", auto_reply=False)
    token = start(message="Hi").json()["token"]
    assert "auto_reply" not in codes(token)
    Widget.objects.filter(pk=widget.pk).update(auto_reply=True)
    widget = Widget.objects.get(pk=widget.pk)
    widget.set_current_language("en")
    widget.away_reply = "The team is away."
    widget.save()
    write(token, paris(23, 19), frozen)
    assert system_texts(token, "auto_reply") == [
        "The team is away. We'll be back tomorrow at 9:00 AM."
    ]


# Messages left while nobody can answer reach the department by email, none lost


def test_messages_left_at_night_are_emailed_to_the_department(thread, frozen, settings):
    (ticket,) = Ticket.objects.all()
    assert ticket.form_kind == "chat" and ticket.department.slug == "sales"
    assert len(mail.outbox) == 1 and "Do you ship to Canada?" in mail.outbox[0].body
    write(thread, paris(23, 20), frozen, text="And to Mexico?")  # the first email went
    assert Ticket.objects.count() == 2
    assert "And to Mexico?" in mail.outbox[1].body


def test_messages_join_the_ticket_not_yet_sent(frozen, settings):
    """With the email still queued, later messages join it: one email carries them all."""
    settings.CHATGATE_TASK_BACKEND = "background"  # queued, not sent in the request
    frozen(paris(23, 18))
    build_shop(mode="messaging")
    token = start(message="Do you ship to Canada?").json()["token"]
    write(token, paris(23, 18, 5), frozen, text="And to Mexico?")
    (ticket,) = Ticket.objects.all()
    assert [m["text"] for m in ticket.transcript if m["author"] == "visitor"] == [
        "Do you ship to Canada?",
        "And to Mexico?",
    ]
    assert not mail.outbox


def test_no_email_while_someone_can_answer(frozen):
    frozen(paris(23, 11))
    build_shop(mode="messaging")
    agent_in(Department.objects.get(slug="sales"), at=paris(23, 11))
    start(message="Hello")
    assert not Ticket.objects.exists() and not mail.outbox


def test_a_message_racing_the_sender_is_never_lost(postgres, frozen, settings):
    settings.CHATGATE_TASK_BACKEND = "background"
    frozen(paris(23, 18))
    build_shop(mode="messaging")
    token = start(message="Do you ship to Canada?").json()["token"]
    (ticket,) = Ticket.objects.all()
    together(
        2,
        lambda i: (
            tickets.send_notification(ticket.pk)
            if i
            else write(token, paris(23, 18), frozen, text="And to Mexico?")
        ),
    )
    call_command("chatgate_send_notifications", stdout=StringIO())
    assert sum("And to Mexico?" in email.body for email in mail.outbox) == 1
    assert not Ticket.objects.filter(notified_at=None).exists()


# A visitor who left an email hears of a reply they have not seen


@pytest.fixture
def replied(frozen):
    """Ana answers Zoé's chat at 11:00; Zoé left her email."""
    frozen(paris(23, 10, 58))
    build_shop(mode="messaging")
    ana = agent_in(Department.objects.get(slug="sales"), at=paris(23, 10, 58))
    token = start(message="Hello", email="zoe@example.com", language="fr").json()["token"]
    pk = Conversation.objects.get(token_hash=conversations.hash_token(token)).pk
    client_of(ana).post(agent_url(pk, "accept"))
    frozen(paris(23, 11))
    client_of(ana).post(agent_url(pk, "messages"), {"text": "Bonjour Zoé !"}, format="json")
    mail.outbox.clear()
    return token


def test_an_unseen_reply_is_emailed_once_in_the_visitors_language(replied, frozen):
    frozen(paris(23, 11, 2))
    assert conversations.tick()["emailed"] == 0  # two minutes: not yet
    frozen(paris(23, 11, 4))
    assert conversations.tick()["emailed"] == 1
    assert conversations.tick()["emailed"] == 0
    (email,) = mail.outbox
    assert email.to == ["zoe@example.com"] and "Bonjour Zoé !" in email.body
    assert email.subject.startswith("Nouvelle réponse")


def test_a_reply_the_widget_received_is_not_emailed(replied, frozen):
    frozen(paris(23, 11, 1))
    assert "Bonjour Zoé !" in [m["text"] for m in poll(replied)["messages"]]
    frozen(paris(23, 11, 10))
    assert conversations.tick()["emailed"] == 0 and not mail.outbox


# The admin previews the texts as visitors elsewhere read them


def test_the_widget_page_previews_the_texts_in_other_zones_and_languages(admin_client, frozen):
    frozen(paris(23, 11))  # Monday: closes at 17:00, opens again Tuesday 09:00
    widget = build_shop(mode="messaging")
    widget.set_current_language("en")
    widget.away_reply = "Away <b>now</b>."
    widget.save()
    url = f"/admin/chatgate/widget/{widget.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "America/New_York" in page and "Asia/Tokyo" in page
    assert "Chat closes at 11:00 AM." in page  # 17:00 in Paris, read in New York
    assert "Away &lt;b&gt;now&lt;/b&gt;. We&#x27;ll be back tomorrow at 3:00 AM." in page
    assert "We&#x27;ll be back today at 5:00 PM." in page  # Tokyo: closing is at 01:00 there
    french = admin_client.get(url + "?language=fr").content.decode()
    assert "Le chat ferme à 01:00." in french  # Tokyo's 1 a.m. on Tuesday


# Found by review: a full team, a thread's own agent, many chats, an offered form


def test_a_full_team_does_not_hide_the_closing_time(frozen):
    frozen(MONDAY_1640)
    build_shop(max_wait_minutes=60)
    ana = agent_in(Department.objects.get(slug="sales"), at=MONDAY_1640, max_chats=1)
    token = accepted(ana)  # Ana is at capacity: the state says so, and has no closes_at
    keep_alive(ana, CLOSING - timedelta(minutes=5), frozen)
    conversations.tick()
    assert codes(token).count("closing_soon") == 1


def test_a_busy_team_or_the_threads_own_agent_means_no_automatic_reply(frozen):
    frozen(paris(23, 11))
    build_shop(mode="messaging")
    ana = agent_in(Department.objects.get(slug="sales"), at=paris(23, 11), max_chats=1)
    token = start(message="Hello").json()["token"]  # fills Ana's one place
    assert "auto_reply" not in codes(token) and not Ticket.objects.exists()
    pk = Conversation.objects.get(token_hash=conversations.hash_token(token)).pk
    client_of(ana).post(agent_url(pk, "accept"))
    client_of(ana).post(agent_url(pk, "messages"), {"text": "Hi!"}, format="json")
    keep_alive(ana, paris(23, 11, 10), frozen)
    write(token, paris(23, 11, 10), frozen)
    assert "auto_reply" not in codes(token) and not Ticket.objects.exists()


def test_a_thread_left_unanswered_at_closing_gets_the_reply_and_the_email_once(frozen):
    frozen(paris(23, 16, 58))
    build_shop(mode="messaging")
    agent_in(Department.objects.get(slug="sales"), at=paris(23, 16, 58))
    token = start(message="Are you there?").json()["token"]
    assert "auto_reply" not in codes(token)  # someone could answer then
    frozen(paris(23, 17, 1))
    assert conversations.tick()["auto_reply"] == 1
    assert conversations.tick()["auto_reply"] == 0
    assert poll(token)["messages"][-1]["text"].startswith("No one is available right now.")
    assert Ticket.objects.get().form_kind == "chat"


def test_the_tick_reads_no_more_for_more_chats(agent, frozen):
    start(), start()
    conversations.tick()
    with CaptureQueriesContext(connection) as two:
        conversations.tick()
    for _ in range(4):
        start()
    with CaptureQueriesContext(connection) as six:
        conversations.tick()
    assert len(six) == len(two)


def test_a_visitor_offered_the_form_is_not_made_a_ticket_at_closing(agent, frozen):
    Widget.objects.filter(slug="shop").update(waiting_at_closing="ticket", max_wait_minutes=5)
    keep_alive(agent, CLOSING - timedelta(minutes=10), frozen)
    token = start().json()["token"]
    keep_alive(agent, CLOSING - timedelta(minutes=4), frozen)
    assert poll(token)["form"] is not None  # offered, perhaps being filled in
    frozen(CLOSING + timedelta(minutes=1))
    conversations.tick()
    assert not Ticket.objects.exists() and poll(token)["status"] == "waiting"
    assert "closed_keep" in codes(token)


def test_an_unseen_reply_whose_email_failed_is_sent_by_the_next_tick(replied, frozen, settings):
    settings.EMAIL_BACKEND = "tests.failing_mail.Backend"
    frozen(paris(23, 11, 4))
    assert conversations.tick()["emailed"] == 1  # claimed, then the send failed
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    frozen(paris(23, 11, 5))
    assert conversations.tick()["emailed"] == 1
    assert conversations.tick()["emailed"] == 0
    (email,) = mail.outbox
    assert "Bonjour Zoé !" in email.body


# A visitor who left holds no place for ever (found by trying the demo)


def sales_status() -> str:
    state = APIClient().get("/chatgate/api/widgets/shop/state/").json()
    return next(d["reason"] for d in state["departments"] if d["slug"] == "sales")


def test_a_chat_offered_the_form_frees_its_place_in_the_queue(frozen):
    frozen(MONDAY_1640)
    build_shop(max_wait_minutes=5)
    ana = agent_in(Department.objects.get(slug="sales"), at=MONDAY_1640, max_chats=1)
    start(department="sales")  # then the visitor goes away
    assert sales_status() == "at_capacity"
    keep_alive(ana, MONDAY_1640 + timedelta(minutes=6), frozen)
    assert conversations.tick()["offered"] == 1
    assert sales_status() == "open"  # Ana can take the next visitor


def test_messaging_threads_waiting_hold_no_place(frozen):
    frozen(paris(23, 11))
    build_shop(mode="messaging")
    agent_in(Department.objects.get(slug="sales"), at=paris(23, 11), max_chats=1)
    start(message="One"), start(message="Two")
    assert sales_status() == "open"


def test_the_tick_reads_no_more_for_more_messaging_threads(frozen):
    """At night every waiting thread is looked at; none may cost a query of its own."""
    frozen(paris(23, 16, 50))
    build_shop(mode="messaging")
    ana = agent_in(Department.objects.get(slug="sales"), at=paris(23, 16, 50))

    def answered_thread() -> None:  # the agent had the last word: no reply due at night
        token = start(message="Hello").json()["token"]
        pk = Conversation.objects.get(token_hash=conversations.hash_token(token)).pk
        conversations.accept(ana, pk, at=paris(23, 16, 50))
        conversations.reply(ana, pk, "Hi!", at=paris(23, 16, 50))
        Conversation.objects.filter(pk=pk).update(status="waiting", agent=None)

    answered_thread(), answered_thread()
    frozen(paris(23, 22))
    conversations.tick()
    with CaptureQueriesContext(connection) as two:
        conversations.tick()
    frozen(paris(23, 16, 50))
    for _ in range(4):
        answered_thread()
    frozen(paris(23, 22))
    conversations.tick()
    with CaptureQueriesContext(connection) as six:
        conversations.tick()
    assert len(six) == len(two)


# Faults: the cache unreachable (each event still once), the mail server hanging


def test_edges_happen_once_with_the_cache_unreachable(frozen):
    frozen(paris(23, 18))
    build_shop(mode="messaging")
    with override_settings(CACHES=UNREACHABLE):
        store.reset()
        token = start(message="Anyone?").json()["token"]
        write(token, paris(23, 18, 30), frozen)
        conversations.tick(), conversations.tick()
        assert codes(token).count("auto_reply") == 1
        assert poll(token)["messages"][-1]["text"] == "Any news?"  # polls read the database
    store.reset()
    # Each message reached the department (the first email had gone when the second came).
    assert Ticket.objects.filter(form_kind="chat", notified_at__isnull=False).count() == 2
    assert ["Any news?" in email.body for email in mail.outbox] == [False, True]


def test_a_hanging_mail_server_does_not_hold_the_visitors_message(frozen, settings):
    """The message is committed and answered at once; the email waits for the worker."""
    settings.CHATGATE_TASK_BACKEND = "background"
    settings.EMAIL_BACKEND = "tests.failing_mail.Backend"  # would fail if sent in the request
    frozen(paris(23, 18))
    build_shop(mode="messaging")
    answer = start(message="Anyone?")
    assert answer.status_code == 201
    (ticket,) = Ticket.objects.all()
    assert ticket.notified_at is None and not mail.outbox
    assert tickets.send_notification(ticket.pk) == tickets.FAILED  # kept for a retry
    assert Ticket.objects.get().notify_error.startswith("ConnectionRefusedError")
