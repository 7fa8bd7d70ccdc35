"""A widget's configuration in five queries: what the one-query parts must still get right,
on SQLite and on PostgreSQL (their JSON comes back typed differently)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chatgate import presence, services, snapshots
from chatgate.availability import Range
from chatgate.models import Form, Schedule, ScheduleException
from tests.factories import (
    AgentFactory,
    DepartmentFactory,
    FormFactory,
    FormFieldFactory,
    ScheduleFactory,
    WidgetFactory,
)
from tests.test_languages import translate

pytestmark = pytest.mark.django_db

WEEKDAYS_9_17 = {d: [("09:00", "17:00")] for d in range(5)}
MONDAY_11_PARIS = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
MONDAY_19_PARIS = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def hours_of(schedule: Schedule):
    """The hours as the model reads them: what the snapshot must agree with."""
    rows = Schedule.objects.prefetch_related("weekly_ranges", "exceptions")
    return rows.get(pk=schedule.pk).to_hours()


def test_a_department_without_a_schedule_has_none_and_the_widget_keeps_its_own():
    schedule = ScheduleFactory(weekly=WEEKDAYS_9_17, timezone="America/New_York")
    own = ScheduleFactory(weekly={5: [("10:00", "12:00")]})
    sales = DepartmentFactory(slug="sales", position=1)
    support = DepartmentFactory(slug="support", schedule=own, position=2)
    WidgetFactory(slug="shop", schedule=schedule, departments=[sales, support])
    config = snapshots.load_widget_config("shop", "en")
    assert [d.slug for d in config.departments] == ["sales", "support"]
    assert config.departments[0].hours is None  # the engine then uses the widget's
    assert config.hours == hours_of(schedule)
    assert config.departments[1].hours == hours_of(own)
    assert config.timezone == "America/New_York"


def test_a_department_without_a_schedule_follows_the_widgets_hours():
    schedule = ScheduleFactory(weekly=WEEKDAYS_9_17)  # Paris
    sales = DepartmentFactory(slug="sales")
    WidgetFactory(slug="shop", schedule=schedule, departments=[sales])
    agent = AgentFactory(departments=[sales])
    presence.set_status(agent, "online", at=MONDAY_11_PARIS)
    open_ = services.widget_state("shop", at=MONDAY_11_PARIS, fresh=True)
    closed = services.widget_state("shop", at=MONDAY_19_PARIS, fresh=True)
    assert [(d.slug, d.status) for d in open_.departments] == [("sales", "online")]
    assert [(d.status, d.reason) for d in closed.departments] == [("offline", "closed")]


def test_exceptions_with_ranges_yearly_ones_and_overnight_ranges_are_read_as_the_model_reads_them():
    schedule = ScheduleFactory(weekly={4: [("22:00", "02:00")], 0: [("00:00", "00:00")]})
    ScheduleException.objects.create(
        schedule=schedule,
        date=date(2026, 12, 24),
        label="Eve",
        ranges=[{"opens": "09:00", "closes": "12:00"}, {"opens": "20:00", "closes": "01:00"}],
    )
    ScheduleException.objects.create(
        schedule=schedule, date=date(2020, 12, 25), label="Christmas", yearly=True
    )
    ScheduleException.objects.create(schedule=schedule, date=date(2026, 5, 1), yearly=False)
    WidgetFactory(slug="shop", schedule=schedule)
    hours = snapshots.load_widget_config("shop", "en").hours
    assert hours == hours_of(schedule)
    assert hours.weekly[4] == (Range(time(22), time(2)),)
    assert hours.exceptions == {
        date(2026, 12, 24): (Range(time(9), time(12)), Range(time(20), time(1))),
        date(2026, 5, 1): (),
    }
    assert hours.yearly == {(12, 25): ()}
    friday_night = datetime(2026, 11, 28, 0, 30, tzinfo=UTC)  # 01:30 in Paris, a Saturday
    assert hours.is_open(friday_night)
    assert not hours.is_open(datetime(2027, 12, 25, 10, 0, tzinfo=UTC))  # every year


def test_texts_fall_back_to_the_sites_language_then_to_any_language_for_names():
    sales = DepartmentFactory(slug="sales", name="Sales")
    translate(sales, "fr", name="Ventes")
    french_only = DepartmentFactory(slug="ventes", name="")
    translate(french_only, "fr", name="Seulement en français")
    widget = WidgetFactory(slug="shop", departments=[sales, french_only])
    translate(widget, "en", greeting="Hi there")
    french = snapshots.load_widget_config("shop", "fr")
    english = snapshots.load_widget_config("shop", "en")
    assert french.texts["greeting"] == "Hi there"  # fr asked, only en written
    assert french.texts["away_reply"] == "Personne n’est disponible pour le moment."
    assert [d.name for d in french.departments] == ["Ventes", "Seulement en français"]
    assert [d.name for d in english.departments] == ["Sales", "Seulement en français"]


def test_form_fields_come_in_order_with_their_choices_and_help_translated():
    form = FormFactory(kind=Form.Kind.OFFLINE, title="Write to us", greeting="")
    translate(form, "fr", title="", greeting="Bonjour")
    FormFieldFactory(
        form=form, name="email", label="Email", type="email", required=True, position=2
    )
    topic = FormFieldFactory(
        form=form,
        name="topic",
        label="Topic",
        type="select",
        choices="Orders\nReturns",
        help="Pick one",
        position=1,
        max_length=40,
    )
    translate(topic, "fr", label="Sujet", choices="Commandes\nRetours", help="Choisissez")
    contact = FormFactory(kind=Form.Kind.CONTACT, title="", enabled=False)
    WidgetFactory(slug="shop", offline_form=form, contact_form=contact)
    french = snapshots.load_widget_config("shop", "fr").offline_form
    english = snapshots.load_widget_config("shop", "en").offline_form
    assert [f.name for f in french.fields] == ["topic", "email"]
    topic_fr, email_fr = french.fields
    assert (topic_fr.label, topic_fr.choices, topic_fr.help) == (
        "Sujet",
        ("Commandes", "Retours"),
        "Choisissez",
    )
    assert (topic_fr.type, topic_fr.required, topic_fr.max_length) == ("select", False, 40)
    assert (email_fr.label, email_fr.required, email_fr.max_length) == ("Email", True, None)
    assert english.fields[0].choices == ("Orders", "Returns")
    assert (french.title, french.greeting, french.submit_label) == (
        "Write to us",
        "Bonjour",
        "Envoyer",
    )
    assert english.greeting == ""  # a form's greeting falls back to no language but the site's
    assert snapshots.load_widget_config("shop", "en").contact_form is None  # disabled
    assert snapshots.form_definition(form, "fr") == french  # the model path agrees


def test_a_widget_listing_no_departments_offers_every_active_one_in_position_order():
    DepartmentFactory(slug="b", position=2)
    DepartmentFactory(slug="a", position=2)
    DepartmentFactory(slug="first", position=0)
    DepartmentFactory(slug="off", position=1, active=False)
    WidgetFactory(slug="shop")
    config = snapshots.load_widget_config("shop", "en")
    assert [d.slug for d in config.departments] == ["first", "a", "b"]


def test_a_widget_listing_departments_offers_those_inactive_ones_included():
    listed = DepartmentFactory(slug="listed", position=3)
    off = DepartmentFactory(slug="off", position=1, active=False)
    DepartmentFactory(slug="other")
    WidgetFactory(slug="shop", departments=[listed, off])
    config = snapshots.load_widget_config("shop", "en")
    assert [(d.slug, d.active) for d in config.departments] == [("off", False), ("listed", True)]


def test_the_roster_lists_every_agent_with_its_departments_in_one_query():
    sales, support = DepartmentFactory(slug="sales"), DepartmentFactory(slug="support")
    both = AgentFactory(departments=[sales, support], max_chats=2, status="away")
    alone = AgentFactory()
    with CaptureQueriesContext(connection) as queries:
        roster = {a.pk: a for a in snapshots.load_roster()}
    assert len(queries) == 1
    assert roster[both.pk].departments == {"sales", "support"}
    assert (roster[both.pk].max_chats, roster[both.pk].status) == (2, "away")
    assert roster[alone.pk].departments == frozenset()  # an agent in no department is listed


def test_the_configuration_takes_three_queries_whatever_its_size():
    schedule = ScheduleFactory(weekly=WEEKDAYS_9_17)
    teams = [DepartmentFactory(schedule=ScheduleFactory(weekly=WEEKDAYS_9_17)) for _ in range(30)]
    form = FormFactory()
    for n in range(10):
        FormFieldFactory(form=form, position=n)
    WidgetFactory(slug="shop", schedule=schedule, departments=teams, offline_form=form)
    with CaptureQueriesContext(connection) as queries:
        config = snapshots.load_widget_config("shop", "en")
    assert len(queries) == 3
    assert len(config.departments) == 30
    assert len(config.offline_form.fields) == 10
