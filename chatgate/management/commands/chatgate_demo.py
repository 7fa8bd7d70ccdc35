"""Load the demo data: safe to run again (it updates what it created)."""

from __future__ import annotations

import secrets
from datetime import date, time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from chatgate import clock, presence
from chatgate.models import (
    Agent,
    Department,
    Form,
    FormField,
    Schedule,
    ScheduleException,
    WeeklyRange,
    Widget,
)

LUNCH_BREAK = [("09:00", "12:00"), ("13:00", "18:00")]
SCHEDULES = {
    # name: (zone, weekly ranges, exceptions (date, label, yearly))
    "Paris office": (
        "Europe/Paris",
        {
            0: LUNCH_BREAK,
            1: LUNCH_BREAK,
            2: LUNCH_BREAK,
            3: LUNCH_BREAK,
            4: [*LUNCH_BREAK, ("22:00", "02:00")],
        },
        [(date(2026, 12, 25), "Christmas", True), (date(2027, 1, 1), "New Year", True)],
    ),
    "New York support": (
        "America/New_York",
        {**{d: [("08:00", "20:00")] for d in range(5)}, 5: [("10:00", "14:00")]},
        [(date(2026, 11, 26), "Thanksgiving", False)],
    ),
}
# slug: (name, own schedule or None for the widget's, email, position)
DEPARTMENTS = {
    "sales": ("Sales", None, "sales@example.com", 0),
    "support": ("Support", "New York support", "support@example.com", 1),
}
AGENTS = [
    ("Ana", ["sales"], "online"),
    ("Ben", ["support"], "away"),
    ("Chloé", ["sales", "support"], "invisible"),
]
FORMS = {
    # name: (kind, title, greeting, department choice, fields (name, label, type, required, choices))
    "Offline message": (
        Form.Kind.OFFLINE,
        "We are away",
        "Leave a message and we will answer by email.",
        False,
        [
            ("name", "Your name", "text", True, ""),
            ("email", "Email", "email", True, ""),
            ("message", "Message", "textarea", True, ""),
        ],
    ),
    "Contact": (
        Form.Kind.CONTACT,
        "Contact us",
        "",
        True,
        [
            ("name", "Your name", "text", True, ""),
            ("email", "Email", "email", True, ""),
            ("phone", "Phone", "phone", False, ""),
            ("order", "Order number", "text", False, ""),
            ("topic", "Topic", "select", True, "Delivery\nReturns\nOther"),
            ("message", "Message", "textarea", True, ""),
        ],
    ),
}


class Command(BaseCommand):
    help = "Create a demo widget, two departments in different time zones, three agents and a staff login."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password", help="Staff password (default: a new random one, printed)."
        )

    @transaction.atomic
    def handle(self, *args, password: str | None = None, **options) -> None:
        schedules = {name: self.schedule(name, *spec) for name, spec in SCHEDULES.items()}
        departments = {
            slug: self.department(slug, name, schedules.get(schedule), email, position)
            for slug, (name, schedule, email, position) in DEPARTMENTS.items()
        }
        password = password or secrets.token_urlsafe(9)
        staff = self.user("admin", password, staff=True)
        for name, teams, status in AGENTS:
            user = self.user(name.lower().replace("é", "e"), password)
            agent, _ = Agent.objects.update_or_create(user=user, defaults={"display_name": name})
            agent.departments.set([departments[slug] for slug in teams])
            presence.set_status(agent, status, at=clock.now())
        forms = {name: self.form(name, *spec) for name, spec in FORMS.items()}
        self.widgets(
            schedules["Paris office"], forms["Offline message"], forms["Contact"], departments
        )
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            f"Staff login: {staff.username} / {password}  (agents ana, ben, chloe share it)"
        )

    def schedule(self, name, zone, weekly, exceptions) -> Schedule:
        schedule, _ = Schedule.objects.update_or_create(name=name, defaults={"timezone": zone})
        schedule.weekly_ranges.all().delete()
        for weekday, ranges in weekly.items():
            for opens, closes in ranges:
                WeeklyRange.objects.create(
                    schedule=schedule,
                    weekday=weekday,
                    opens=time.fromisoformat(opens),
                    closes=time.fromisoformat(closes),
                )
        for day, label, yearly in exceptions:
            ScheduleException.objects.update_or_create(
                schedule=schedule,
                date=day,
                defaults={"label": label, "yearly": yearly, "ranges": []},
            )
        return schedule

    def department(self, slug, name, schedule, email, position) -> Department:
        department, _ = Department.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "schedule": schedule, "email": email, "position": position},
        )
        return department

    def user(self, username: str, password: str, *, staff: bool = False):
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.is_staff = user.is_superuser = staff
        user.set_password(password)
        user.save()
        return user

    def form(self, name, kind, title, greeting, department_choice, fields) -> Form:
        form, _ = Form.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "title": title,
                "greeting": greeting,
                "department_choice": department_choice,
            },
        )
        for position, (field, label, type_, required, choices) in enumerate(fields):
            FormField.objects.update_or_create(
                form=form,
                name=field,
                defaults={
                    "label": label,
                    "type": type_,
                    "required": required,
                    "choices": choices,
                    "position": position,
                },
            )
        return form

    def widgets(self, schedule: Schedule, offline: Form, contact: Form, departments: dict) -> None:
        shop, _ = Widget.objects.update_or_create(
            slug="default",
            defaults={
                "name": "Shop",
                "schedule": schedule,
                "when_offline": Widget.WhenOffline.OFFLINE_FORM,
                "offline_form": offline,
                "contact_form": contact,
                "greeting": "Hello! How can we help?",
                "email": "shop@example.com",
            },
        )
        shop.departments.set(departments.values())
        Widget.objects.update_or_create(
            slug="messaging",
            defaults={"name": "Messaging", "mode": Widget.Mode.MESSAGING, "schedule": schedule},
        )
