"""chatgate.reply_time: the median wait for a first reply, in open hours, off the hot path."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from chatgate import reply_time
from chatgate.models import Conversation, Message, Widget
from tests.factories import DepartmentFactory, ScheduleFactory, WidgetFactory

pytestmark = pytest.mark.django_db
WEDNESDAY_NOON = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)  # 12:00 in Paris


def paris(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour - 1, minute, second, tzinfo=UTC)


@pytest.fixture
def widget():
    """Weekdays 09:00-18:00 in Paris."""
    return WidgetFactory(
        slug="shop", schedule=ScheduleFactory(weekly={d: [("09:00", "18:00")] for d in range(5)})
    )


def chat(widget: Widget, started: datetime, replied: datetime | None) -> None:
    conversation = Conversation.objects.create(
        widget=widget, token_hash=uuid.uuid4().hex, started_at=started
    )
    Message.objects.create(
        conversation=conversation, author="visitor", text="Hello", created_at=started
    )
    if replied:
        Message.objects.create(
            conversation=conversation, author="agent", text="Hi", created_at=replied
        )
        Message.objects.create(  # a later reply does not count
            conversation=conversation, author="agent", text="More", created_at=WEDNESDAY_NOON
        )


# Waits in open hours: 600, 120, 240, 30, 60 seconds; the median is 120.
HAND_COMPUTED = [
    (paris(20, 17, 55), paris(23, 9, 5)),  # Friday 17:55 → Monday 09:05: 5 + 5 minutes
    (paris(24, 10), paris(24, 10, 2)),
    (paris(24, 11), paris(24, 11, 4)),
    (paris(24, 12), paris(24, 12, 0, 30)),
    (paris(24, 17, 59), paris(25, 9)),  # Tuesday 17:59 → Wednesday 09:00: 1 minute
]


def test_the_open_hours_wait_of_a_weekend():
    hours = ScheduleFactory(weekly={d: [("09:00", "18:00")] for d in range(5)}).to_hours()
    assert reply_time.open_seconds(hours, paris(20, 17, 55), paris(23, 9, 5)) == 600
    assert (
        reply_time.open_seconds(None, paris(20, 17, 55), paris(23, 9, 5))
        == 2 * 86400 + 15 * 3600 + 10 * 60
    )
    assert reply_time.open_seconds(hours, paris(23, 9, 5), paris(20, 17, 55)) == 0


def test_the_median_of_a_hand_computed_week(widget):
    for started, replied in HAND_COMPUTED:
        chat(widget, started, replied)
    chat(widget, paris(24, 15), None)  # never answered: not counted
    chat(widget, paris(17, 10), paris(17, 11))  # 8 days ago: out of the window
    assert reply_time.typical_reply_seconds(widget, at=WEDNESDAY_NOON) == 120


def test_fewer_than_five_replied_chats_give_no_figure(widget):
    for started, replied in HAND_COMPUTED[:4]:
        chat(widget, started, replied)
    chat(widget, paris(24, 15), None)
    assert reply_time.typical_reply_seconds(widget, at=WEDNESDAY_NOON) is None


def test_the_tick_stores_it_and_the_state_carries_it(widget, frozen):
    frozen(WEDNESDAY_NOON)
    state = APIClient().get("/chatgate/api/widgets/shop/state/").json()
    assert state["typical_reply_seconds"] is None
    for started, replied in HAND_COMPUTED:
        chat(widget, started, replied)
    call_command("chatgate_tick", stdout=StringIO())
    state = APIClient().get("/chatgate/api/widgets/shop/state/").json()
    assert state["typical_reply_seconds"] == 120
    assert state["texts"]["typical_reply"] == "Typically replies in a few minutes"
    french = APIClient().get("/chatgate/api/widgets/shop/state/?lang=fr").json()
    assert french["texts"]["typical_reply"] != state["texts"]["typical_reply"]
    assert reply_time.refresh(at=WEDNESDAY_NOON) == 0  # unchanged: snapshots kept


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (None, ""),
        (120, "Typically replies in a few minutes"),
        (181, "Typically replies within 15 minutes"),
        (3600, "Typically replies within an hour"),
        (3 * 3600, "Typically replies within a few hours"),
        (2 * 86400, "Typically replies within a day"),
    ],
)
def test_the_wait_in_words(seconds, said):
    assert reply_time.words(seconds) == said


def test_a_departments_own_hours_win_over_the_widgets(widget):
    """Support is open around the clock: its weekend wait counts every minute."""
    always = ScheduleFactory(weekly={d: [("00:00", "00:00")] for d in range(7)})
    support = DepartmentFactory(slug="support", schedule=always)
    for _ in range(5):
        chat(widget, paris(20, 17, 55), paris(23, 9, 5))
    Conversation.objects.update(department=support)
    expected = 2 * 86400 + 15 * 3600 + 10 * 60
    assert reply_time.typical_reply_seconds(widget, at=WEDNESDAY_NOON) == expected
