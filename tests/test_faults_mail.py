"""A slow or hanging mail server: the visitor is answered at once, each ticket is sent once.

The mail server here is a socket that accepts and never answers; ``EMAIL_TIMEOUT``
makes a send give up.
"""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from rest_framework.test import APIClient

from chatgate import tickets
from chatgate.models import Form, Ticket
from tests.factories import FormFactory, FormFieldFactory, ScheduleFactory, WidgetFactory

pytestmark = pytest.mark.django_db
MONDAY_19 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # closed: the offline form is offered
TICKETS = "/chatgate/api/widgets/shop/tickets/"


@pytest.fixture
def shop():
    form = FormFactory(kind=Form.Kind.OFFLINE)
    FormFieldFactory(form=form, name="email", label="Email", type="email", required=True)
    schedule = ScheduleFactory(weekly={0: [("09:00", "17:00")]})
    return WidgetFactory(slug="shop", schedule=schedule, offline_form=form, email="shop@x.org")


@pytest.fixture
def hanging_smtp(settings):
    """An SMTP server that accepts connections and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept():
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", listener.getsockname()[1]
    settings.EMAIL_TIMEOUT = 0.5
    yield accepted
    listener.close()
    for conn in accepted:
        conn.close()


def ticket(widget) -> Ticket:
    return Ticket.objects.create(widget=widget, form_kind="offline", fields=[], email="z@x.org")


def test_the_visitor_gets_201_before_any_mail_is_attempted(
    transactional_db, shop, hanging_smtp, frozen, settings
):
    settings.CHATGATE_TASK_BACKEND = "background"  # a database queue, run by a worker
    frozen(MONDAY_19)
    response = APIClient().post(
        TICKETS, {"form": "offline", "fields": {"email": "z@x.org"}}, format="json"
    )
    assert response.status_code == 201
    assert hanging_smtp == []  # no connection to the mail server during the request
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.get().task_path == "chatgate.tasks.notify_ticket"
    call_command("db_worker", "--batch", "--no-startup-delay", "--backend", "background")
    saved = Ticket.objects.get()
    assert len(hanging_smtp) == 1  # the worker tried, and gave up after EMAIL_TIMEOUT
    assert saved.notified_at is None and "timed out" in saved.notify_error
    assert saved.notify_claimed_until is None  # free for the next attempt


def test_no_row_lock_is_held_while_the_mail_server_hangs(
    transactional_db, shop, hanging_smtp, postgres
):
    """While a sender waits on SMTP, staff can still update the ticket (NOWAIT does not fail)."""
    pk = ticket(shop).pk
    talking = threading.Event()
    original = tickets._email

    def email(record):
        talking.set()
        return original(record)

    outcome = []

    def send():
        tickets._email = email
        outcome.append(tickets.send_notification(pk))
        connection.close()

    sender = threading.Thread(target=send)
    try:
        sender.start()
        talking.wait(5)
        with transaction.atomic():
            Ticket.objects.select_for_update(nowait=True).get(pk=pk)  # raises if locked
            Ticket.objects.filter(pk=pk).update(status=Ticket.Status.SOLVED)
    finally:
        sender.join()
        tickets._email = original
    assert outcome == [tickets.FAILED]
    assert Ticket.objects.get(pk=pk).status == Ticket.Status.SOLVED


class SecondSenderBackend(EmailBackend):
    """While the first sender talks to the mail server, another sender tries the same ticket."""

    seen: list[str] = []

    def send_messages(self, messages):
        ticket_id = int(messages[0].subject.split("#")[1].split(" ")[0])
        SecondSenderBackend.seen.append(tickets.send_notification(ticket_id))
        return super().send_messages(messages)


def test_a_second_sender_skips_a_ticket_being_sent(shop, settings):
    settings.EMAIL_BACKEND = "tests.test_faults_mail.SecondSenderBackend"
    SecondSenderBackend.seen = []
    pk = ticket(shop).pk
    assert tickets.send_notification(pk) == tickets.SENT
    assert SecondSenderBackend.seen == [tickets.CLAIMED]
    assert len(mail.outbox) == 1
    assert tickets.send_notification(pk) == tickets.ALREADY_SENT


def test_concurrent_senders_send_each_ticket_once(transactional_db, shop, settings, postgres):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    pk = ticket(shop).pk
    start = threading.Barrier(8)
    outcomes = []

    def send():
        start.wait()
        outcomes.append(tickets.send_notification(pk))
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(mail.outbox) == 1
    assert outcomes.count(tickets.SENT) == 1
    assert Ticket.objects.get(pk=pk).notify_attempts == 1


def test_the_command_reports_tickets_being_sent_elsewhere_as_skipped(shop, frozen):
    frozen(MONDAY_19)
    busy = ticket(shop)
    Ticket.objects.filter(pk=busy.pk).update(notify_claimed_until=MONDAY_19 + timedelta(minutes=5))
    ticket(shop)
    out, err = StringIO(), StringIO()
    call_command("chatgate_send_notifications", stdout=out, stderr=err)
    assert out.getvalue().strip() == (
        "2 pending: 1 sent, 1 skipped (being sent by another sender, or sent meanwhile), 0 failed."
    )
    assert err.getvalue() == ""
    assert len(mail.outbox) == 1


def test_a_claim_left_by_a_sender_that_died_is_taken_over(shop, frozen):
    frozen(MONDAY_19)
    pk = ticket(shop).pk
    Ticket.objects.filter(pk=pk).update(notify_claimed_until=MONDAY_19 - timedelta(seconds=1))
    assert tickets.send_notification(pk) == tickets.SENT
