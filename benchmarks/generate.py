"""The benchmark's configuration: 200 departments, 1,000 agents (online), 20 schedules with
exceptions, 500 open conversations; prints what the load generator needs, as JSON.

Run by benchmarks/run.py in a migrated, empty database (DJANGO_SETTINGS_MODULE=benchmarks.settings).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

DEPARTMENTS, AGENTS, SCHEDULES, CONVERSATIONS = 200, 1000, 20, 500


def schedules(now: datetime) -> list:
    """Open every day (so the state is "online" whenever the bench runs), two ranges a day,
    30 dated exceptions from next month on."""
    from chatgate.models import Schedule, ScheduleException, WeeklyRange

    made = Schedule.objects.bulk_create(
        Schedule(name=f"Schedule {n}", timezone="Europe/Paris") for n in range(SCHEDULES)
    )
    WeeklyRange.objects.bulk_create(
        WeeklyRange(schedule=s, weekday=d, opens=opens, closes=closes)
        for s in made
        for d in range(7)
        for opens, closes in ((time(0), time(12)), (time(12), time(0)))
    )
    first = now.date() + timedelta(days=30)
    ScheduleException.objects.bulk_create(
        ScheduleException(
            schedule=s,
            date=first + timedelta(days=3 * n),
            label=f"Closed {n}",
            ranges=[] if n % 2 else [{"opens": "10:00", "closes": "12:00"}],
        )
        for s in made
        for n in range(30)
    )
    return made


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.cached_db import SessionStore

    from chatgate import cached, store
    from chatgate.conversations import hash_token
    from chatgate.models import Agent, Conversation, Department, Form, FormField, Message, Widget

    now = datetime.now(UTC)
    made = schedules(now)
    teams = Department.objects.bulk_create(
        Department(slug=f"team-{n}", name=f"Team {n}", position=n, schedule=made[n % SCHEDULES])
        for n in range(DEPARTMENTS)
    )
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"agent-{n}", is_staff=True) for n in range(AGENTS)
    )
    agents = Agent.objects.bulk_create(
        Agent(user=u, display_name=u.username, status="online", status_changed_at=now, max_chats=5)
        for u in users
    )
    Agent.departments.through.objects.bulk_create(
        Agent.departments.through(agent=a, department=teams[n % DEPARTMENTS])
        for n, a in enumerate(agents)
    )
    stamp = now.timestamp()
    presence = {}
    for a in agents:
        presence[f"chatgate:presence:{a.pk}:status"] = {"status": "online", "at": stamp}
        presence[f"chatgate:presence:{a.pk}:seen"] = stamp
    store.set_many(presence, timeout=None)

    form = Form.objects.create(name="Offline", kind=Form.Kind.OFFLINE, title="Leave us a message")
    FormField.objects.create(form=form, name="email", label="Email", type="email", required=True)
    FormField.objects.create(form=form, name="message", label="Message", type="textarea")
    default = Widget.objects.create(
        slug="default", name="Shop", schedule=made[0], offline_form=form
    )
    default.departments.set(teams)  # the widget offers all 200
    closed = Widget.objects.create(
        slug="closed", name="Closed", schedule=made[0], offline_form=form, force="closed"
    )
    closed.departments.set(teams[:10])

    tokens = [secrets.token_urlsafe(32) for _ in range(CONVERSATIONS)]
    chats = Conversation.objects.bulk_create(
        Conversation(
            widget=default,
            department=teams[n % DEPARTMENTS],
            agent=agents[n % AGENTS],
            status="active",
            token_hash=hash_token(token),
            started_at=now,
            waiting_since=now,
            accepted_at=now,
            last_activity_at=now,
        )
        for n, token in enumerate(tokens)
    )
    messages = Message.objects.bulk_create(
        Message(conversation=c, author="visitor", text="Hello", created_at=now) for c in chats
    )
    cached.bump_version()

    session = SessionStore()
    session["_auth_user_id"] = str(users[0].pk)
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    session["_auth_user_hash"] = users[0].get_session_auth_hash()
    session.create()
    print(
        json.dumps(
            {
                "poll": f"/chatgate/api/conversations/{tokens[0]}/messages/?after={messages[0].pk}",
                "session": session.session_key,
                "csrf": secrets.token_hex(16),
            }
        )
    )


def micro_schedule():
    """14 ranges (two a day) and 30 exceptions: what `make bench` times is_open and
    next_change on."""
    from chatgate.availability import OpeningHours, Range

    weekly = {d: [Range(time(9), time(12)), Range(time(13), time(18))] for d in range(7)}
    first = date(2026, 12, 1)
    exceptions = {
        first + timedelta(days=3 * n): ([] if n % 2 else [Range(time(10), time(12))])
        for n in range(30)
    }
    return OpeningHours("Europe/Paris", weekly=weekly, exceptions=exceptions)


if __name__ == "__main__":
    main()
