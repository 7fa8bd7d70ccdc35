"""Load the demo data: safe to run again, it keeps what staff changed.

Each demo object (schedule, department, user, agent, form, widget) is created
when missing, found by its name, slug or username, and never changed once it
exists: a second run keeps an edited greeting, form, field, weekly range or
password. Ranges, exceptions and fields are made with their schedule or form
only. The demo's agents (ana, ben, chloe) are staff users holding the console
permission; one that lacks it (a demo made before the console) gets it, nothing
else. A login and its password are printed only by the run that creates it.
"""

from __future__ import annotations

import secrets
from datetime import date, time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from chatgate import clock, languages, presence
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
# slug: (name per language, own schedule or None for the widget's, email, position)
DEPARTMENTS = {
    "sales": ({"en": "Sales", "fr": "Ventes"}, None, "sales@example.com", 0),
    "support": (
        {"en": "Support", "fr": "Assistance"},
        "New York support",
        "support@example.com",
        1,
    ),
}
AGENTS = [
    ("Ana", ["sales"], "online"),
    ("Ben", ["support"], "away"),
    ("Chloé", ["sales", "support"], "invisible"),
]
FORMS = {
    # name: (kind, department choice, texts per language, fields (name, type, required,
    # label and choices per language)); blank texts are the built-in ones, translated
    "Offline message": (
        Form.Kind.OFFLINE,
        False,
        {
            "en": {
                "title": "We are away",
                "greeting": "Leave a message and we will answer by email.",
            },
            "fr": {
                "title": "Nous sommes absents",
                "greeting": "Laissez un message, nous vous répondrons par e-mail.",
            },
        },
        [
            ("name", "text", True, {"en": ("Your name", ""), "fr": ("Votre nom", "")}),
            ("email", "email", True, {"en": ("Email", ""), "fr": ("E-mail", "")}),
            ("message", "textarea", True, {"en": ("Message", ""), "fr": ("Message", "")}),
        ],
    ),
    "Contact": (
        Form.Kind.CONTACT,
        True,
        {"en": {"title": ""}, "fr": {"title": ""}},  # the built-in title, in each language
        [
            ("name", "text", True, {"en": ("Your name", ""), "fr": ("Votre nom", "")}),
            ("email", "email", True, {"en": ("Email", ""), "fr": ("E-mail", "")}),
            ("phone", "phone", False, {"en": ("Phone", ""), "fr": ("Téléphone", "")}),
            ("order", "text", False, {"en": ("Order number", ""), "fr": ("N° de commande", "")}),
            (
                "topic",
                "select",
                True,
                {
                    "en": ("Topic", "Delivery\nReturns\nOther"),
                    "fr": ("Sujet", "Livraison\nRetours\nAutre"),
                },
            ),
            ("message", "textarea", True, {"en": ("Message", ""), "fr": ("Message", "")}),
        ],
    ),
}


def write_texts(obj, texts: dict[str, dict[str, str]]) -> None:
    """Texts per language, for the languages the site has (django-parler, one row each)."""
    for code, values in texts.items():
        if code in languages.codes():
            obj.set_current_language(code)
            for name, value in values.items():
                setattr(obj, name, value)
    obj.save_translations()


class Command(BaseCommand):
    help = (
        "Create what is missing of the demo: a widget, two departments in different time "
        "zones, three agents who log in to the console, and a staff login. Never changes what "
        "already exists (except that the demo's agents get console access if they lack it)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password",
            help="Password of the logins this run creates (default: a new random one, printed).",
        )

    @transaction.atomic
    def handle(self, *args, password: str | None = None, **options) -> None:
        self.created: list[str] = []
        schedules = {name: self.schedule(name, *spec) for name, spec in SCHEDULES.items()}
        departments = {
            slug: self.department(slug, name, schedules.get(schedule), email, position)
            for slug, (name, schedule, email, position) in DEPARTMENTS.items()
        }
        password = password or secrets.token_urlsafe(9)
        staff, new_staff = self.user("admin", password, staff=True)
        new_agents = []
        for name, teams, status in AGENTS:
            user, created = self.user(name.lower().replace("é", "e"), password)
            self.console_access(user, new=created)
            self.agent(user, name, [departments[slug] for slug in teams], status)
            new_agents += [user.username] if created else []
        forms = {name: self.form(name, *spec) for name, spec in FORMS.items()}
        self.widgets(
            schedules["Paris office"], forms["Offline message"], forms["Contact"], departments
        )
        made = ", ".join(self.created) if self.created else "nothing, all there"
        self.stdout.write(self.style.SUCCESS(f"Demo data ready (created: {made})."))
        if new_staff:
            self.stdout.write(f"Staff login: {staff.username} / {password}")
        else:
            self.stdout.write(
                f"Staff login: {staff.username}, password unchanged "
                f"(manage.py changepassword {staff.username} sets a new one)"
            )
        if new_agents:
            self.stdout.write(
                f"Agent logins: {', '.join(new_agents)} / {password}  (the console: {console_url()})"
            )

    def found_or_created(self, model, label: str, *, defaults: dict | None = None, **lookup):
        obj, created = model.objects.get_or_create(**lookup, defaults=defaults or {})
        if created:
            self.created.append(label)
        return obj, created

    def schedule(self, name, zone, weekly, exceptions) -> Schedule:
        schedule, created = self.found_or_created(
            Schedule, f"schedule {name!r}", name=name, defaults={"timezone": zone}
        )
        if created:
            WeeklyRange.objects.bulk_create(
                WeeklyRange(
                    schedule=schedule,
                    weekday=weekday,
                    opens=time.fromisoformat(opens),
                    closes=time.fromisoformat(closes),
                )
                for weekday, ranges in weekly.items()
                for opens, closes in ranges
            )
            ScheduleException.objects.bulk_create(
                ScheduleException(schedule=schedule, date=day, label=label, yearly=yearly)
                for day, label, yearly in exceptions
            )
        return schedule

    def department(self, slug, names, schedule, email, position) -> Department:
        department, created = self.found_or_created(
            Department,
            f"department {slug!r}",
            slug=slug,
            defaults={"schedule": schedule, "email": email, "position": position},
        )
        if created:
            write_texts(department, {code: {"name": name} for code, name in names.items()})
        return department

    def user(self, username: str, password: str, *, staff: bool = False):
        user, created = self.found_or_created(
            get_user_model(),
            f"login {username!r}",
            username=username,
            defaults={"is_staff": staff, "is_superuser": staff},
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user, created

    def console_access(self, user, *, new: bool) -> None:
        """A staff user holding ``chatgate.use_console``: granted when missing, never removed."""
        if user.is_staff and user.has_perm("chatgate.use_console"):
            return
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="chatgate", codename="use_console")
        )
        if not new:
            self.created.append(f"console access for {user.username!r}")

    def agent(self, user, name: str, departments: list[Department], status: str) -> None:
        """A new agent gets the demo's status; an existing one keeps its own, re-affirmed
        (a heartbeat), so the demo has its agents back after a restart."""
        agent, created = self.found_or_created(
            Agent, f"agent {name!r}", user=user, defaults={"display_name": name}
        )
        if created:
            agent.departments.set(departments)
        presence.set_status(agent, status if created else agent.status, at=clock.now())

    def form(self, name, kind, department_choice, texts, fields) -> Form:
        form, created = self.found_or_created(
            Form,
            f"form {name!r}",
            name=name,
            defaults={"kind": kind, "department_choice": department_choice},
        )
        if created:
            write_texts(form, texts)
            for position, (field, type_, required, words) in enumerate(fields):
                row = FormField.objects.create(
                    form=form, name=field, type=type_, required=required, position=position
                )
                write_texts(
                    row,
                    {
                        code: {"label": label, "choices": choices}
                        for code, (label, choices) in words.items()
                    },
                )
        return form

    def widgets(self, schedule: Schedule, offline: Form, contact: Form, departments: dict) -> None:
        shop, created = self.found_or_created(
            Widget,
            "widget 'default'",
            slug="default",
            defaults={
                "name": "Shop",
                "schedule": schedule,
                "when_offline": Widget.WhenOffline.OFFLINE_FORM,
                "offline_form": offline,
                "contact_form": contact,
                "email": "shop@example.com",
            },
        )
        if created:
            shop.departments.set(departments.values())
        self.found_or_created(
            Widget,
            "widget 'messaging'",
            slug="messaging",
            defaults={"name": "Messaging", "mode": Widget.Mode.MESSAGING, "schedule": schedule},
        )


def console_url() -> str:
    """The console's address, when the site has Django's admin."""
    try:
        return reverse("admin:chatgate_console_changelist")
    except NoReverseMatch:
        return "chatgate's agent console in the admin"
