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

WEEKDAYS = range(5)


class Command(BaseCommand):
    help = "Create a demo widget, two departments in different time zones, three agents and a staff login."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password", help="Staff password (default: a new random one, printed)."
        )

    @transaction.atomic
    def handle(self, *args, password: str | None = None, **options) -> None:
        paris = self.schedule(
            "Paris office",
            "Europe/Paris",
            {
                **{d: [("09:00", "12:00"), ("13:00", "18:00")] for d in WEEKDAYS},
                4: [("09:00", "12:00"), ("13:00", "18:00"), ("22:00", "02:00")],
            },
            [(date(2026, 12, 25), "Christmas", True), (date(2027, 1, 1), "New Year", True)],
        )
        new_york = self.schedule(
            "New York support",
            "America/New_York",
            {**{d: [("08:00", "20:00")] for d in WEEKDAYS}, 5: [("10:00", "14:00")]},
            [(date(2026, 11, 26), "Thanksgiving", False)],
        )
        sales = self.department("sales", "Sales", None, "sales@example.com", 0)
        support = self.department("support", "Support", new_york, "support@example.com", 1)
        password = password or secrets.token_urlsafe(9)
        staff = self.user("admin", password, staff=True)
        for name, teams, status in [
            ("Ana", [sales], "online"),
            ("Ben", [support], "away"),
            ("Chloé", [sales, support], "invisible"),
        ]:
            agent, _ = Agent.objects.update_or_create(
                user=self.user(name.lower().replace("é", "e"), password),
                defaults={"display_name": name},
            )
            agent.departments.set(teams)
            presence.set_status(agent, status, at=clock.now())
        offline, contact = self.forms()
        widget, _ = Widget.objects.update_or_create(
            slug="default",
            defaults={
                "name": "Shop",
                "schedule": paris,
                "when_offline": Widget.WhenOffline.OFFLINE_FORM,
                "offline_form": offline,
                "contact_form": contact,
                "greeting": "Hello! How can we help?",
                "email": "shop@example.com",
            },
        )
        widget.departments.set([sales, support])
        Widget.objects.update_or_create(
            slug="messaging",
            defaults={"name": "Messaging", "mode": Widget.Mode.MESSAGING, "schedule": paris},
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

    def forms(self) -> tuple[Form, Form]:
        offline, _ = Form.objects.update_or_create(
            name="Offline message",
            defaults={
                "kind": Form.Kind.OFFLINE,
                "title": "We are away",
                "greeting": "Leave a message and we will answer by email.",
            },
        )
        contact, _ = Form.objects.update_or_create(
            name="Contact",
            defaults={"kind": Form.Kind.CONTACT, "title": "Contact us", "department_choice": True},
        )
        for form, fields in [
            (
                offline,
                [
                    ("name", "Your name", "text", True, ""),
                    ("email", "Email", "email", True, ""),
                    ("message", "Message", "textarea", True, ""),
                ],
            ),
            (
                contact,
                [
                    ("name", "Your name", "text", True, ""),
                    ("email", "Email", "email", True, ""),
                    ("phone", "Phone", "phone", False, ""),
                    ("order", "Order number", "text", False, ""),
                    ("topic", "Topic", "select", True, "Delivery\nReturns\nOther"),
                    ("message", "Message", "textarea", True, ""),
                ],
            ),
        ]:
            for position, (name, label, kind, required, choices) in enumerate(fields):
                FormField.objects.update_or_create(
                    form=form,
                    name=name,
                    defaults={
                        "label": label,
                        "type": kind,
                        "required": required,
                        "choices": choices,
                        "position": position,
                    },
                )
        return offline, contact
