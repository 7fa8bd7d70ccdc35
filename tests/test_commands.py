from __future__ import annotations

from datetime import UTC, date, datetime, time
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from chatgate import presence, services
from chatgate.models import Agent, Department, FormField, ScheduleException, WeeklyRange, Widget

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_demo_creates_a_complete_site_and_can_run_twice():
    out = run("chatgate_demo", "--password", "pw")
    assert "Staff login: admin / pw" in out
    run("chatgate_demo", "--password", "pw")
    assert Widget.objects.filter(slug="default").count() == 1
    zones = {str(d.schedule.timezone) if d.schedule else None for d in Department.objects.all()}
    assert len(zones) == 2  # Sales uses the widget's Paris hours, Support New York's
    assert Agent.objects.count() == 3
    paris = Widget.objects.get(slug="default").schedule.to_hours()
    assert not paris.is_open(datetime(2026, 11, 23, 11, 30, tzinfo=UTC))  # lunch break
    assert paris.is_open(datetime(2026, 11, 28, 0, 30, tzinfo=UTC))  # Friday night shift
    assert not paris.is_open(datetime(2026, 12, 25, 10, 0, tzinfo=UTC))  # Christmas


def test_demo_run_again_keeps_what_staff_changed(frozen):
    """`make run` runs chatgate_demo every time: it creates what is missing, resets nothing."""
    frozen(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    first = run("chatgate_demo", "--password", "pw")
    assert "Staff login: admin / pw" in first
    shop = Widget.objects.get(slug="default")
    shop.greeting = "Bonjour !"
    shop.save()
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("changed by staff")
    admin.save()
    field = FormField.objects.get(form__name="Contact", name="order")
    field.label = "Order reference"
    field.required = True
    field.save()
    FormField.objects.get(form__name="Contact", name="phone").delete()
    paris = shop.schedule
    WeeklyRange.objects.create(schedule=paris, weekday=5, opens=time(10), closes=time(12))
    ana = Agent.objects.get(display_name="Ana")
    presence.set_status(ana, "offline")
    Widget.objects.filter(slug="messaging").delete()
    second = run("chatgate_demo")
    assert "Staff login: admin, password unchanged" in second
    assert "admin / " not in second  # no new password printed
    assert "created: widget 'messaging'" in second  # what was missing comes back
    assert Widget.objects.get(slug="default").greeting == "Bonjour !"
    assert get_user_model().objects.get(username="admin").check_password("changed by staff")
    assert get_user_model().objects.get(username="ana").check_password("pw")
    field.refresh_from_db()
    assert (field.label, field.required) == ("Order reference", True)
    assert not FormField.objects.filter(form__name="Contact", name="phone").exists()
    assert paris.weekly_ranges.filter(weekday=5).count() == 1
    assert paris.weekly_ranges.count() == 12  # the demo's 11 and the one staff added
    assert Agent.objects.get(pk=ana.pk).status == "offline"
    third = run("chatgate_demo")
    assert "created: nothing, all there" in third


def test_status_prints_every_widget_and_department(frozen):
    frozen(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    run("chatgate_demo", "--password", "pw")
    out = run("chatgate_status")
    assert "default" in out and "messaging" in out
    assert "  - sales" in out and "  - support" in out
    state = services.widget_state("default", at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    assert f"default          {state.status:<8} {state.reason}" in out


def test_status_with_no_widget():
    assert "No widget" in run("chatgate_status")


def test_import_holidays_command_skips_existing_dates():
    run("chatgate_demo", "--password", "pw")
    out = run(
        "chatgate_import_holidays", "Paris office", "--country", "FR", "--years", "2026", "2027"
    )
    # 11 French holidays a year; Christmas 2026 and New Year 2027 already had the demo's exceptions
    assert out == "Paris office: 20 holidays added, 2 dates already had an exception.\n"
    assert ScheduleException.objects.filter(date=date(2026, 7, 14), ranges=[]).exists()
    again = run("chatgate_import_holidays", "Paris office", "--country", "FR", "--years", "2026")
    assert again.endswith("0 holidays added, 11 dates already had an exception.\n")


def test_import_holidays_with_subdivision():
    run("chatgate_demo", "--password", "pw")
    run(
        "chatgate_import_holidays",
        "New York support",
        "--country",
        "US",
        "--subdivision",
        "NY",
        "--years",
        "2026",
    )
    assert ScheduleException.objects.filter(
        schedule__name="New York support", date=date(2026, 7, 3)
    ).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Nope", "--country", "FR", "--years", "2026"], "No schedule 'Nope'"),
        (["Paris office", "--country", "ZZ", "--years", "2026"], "no calendar for “ZZ”"),
        (
            ["Paris office", "--country", "FR", "--subdivision", "XX", "--years", "2026"],
            "no calendar for “FR/XX”",
        ),
    ],
)
def test_import_holidays_errors_name_the_problem(args, message):
    run("chatgate_demo", "--password", "pw")
    with pytest.raises(CommandError, match=message):
        call_command("chatgate_import_holidays", *args)
