from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser

import holidays
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from chatgate import services
from chatgate.models import (
    Agent,
    Conversation,
    FormField,
    Message,
    Schedule,
    ScheduleException,
    Ticket,
    WeeklyRange,
)
from tests.factories import (
    AgentFactory,
    DepartmentFactory,
    FormFactory,
    ScheduleFactory,
    UserFactory,
    WidgetFactory,
)

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def staff(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def inline(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def schedule_post(weekly: list[dict], exceptions: list[dict], **fields) -> dict:
    return {
        "name": "Support",
        "timezone": "Europe/Paris",
        **fields,
        **inline("weekly_ranges", weekly),
        **inline("exceptions", exceptions),
    }


def test_schedule_with_inline_ranges_and_exceptions_is_saved(staff):
    data = schedule_post(
        [
            {"weekday": "0", "opens": "09:00", "closes": "12:00"},
            {"weekday": "0", "opens": "13:00", "closes": "17:00"},
            {"weekday": "4", "opens": "22:00", "closes": "02:00"},
        ],
        [
            {"date": "2026-12-25", "label": "Christmas", "yearly": "on", "hours": ""},
            {"date": "2026-12-24", "label": "Eve", "hours": "09:00-12:00"},
        ],
    )
    response = staff.post(reverse("admin:chatgate_schedule_add"), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    schedule = Schedule.objects.get()
    assert WeeklyRange.objects.filter(schedule=schedule).count() == 3
    eve = ScheduleException.objects.get(date=date(2026, 12, 24))
    assert eve.ranges == [{"opens": "09:00", "closes": "12:00"}]
    assert schedule.to_hours().is_open(datetime(2026, 12, 24, 9, 0, tzinfo=UTC))


def test_overlapping_weekly_ranges_are_refused_naming_day_and_ranges(staff):
    data = schedule_post(
        [
            {"weekday": "1", "opens": "09:00", "closes": "12:00"},
            {"weekday": "1", "opens": "11:00", "closes": "14:00"},
        ],
        [],
    )
    response = staff.post(reverse("admin:chatgate_schedule_add"), data)
    assert response.status_code == 200
    assert "The ranges 09:00-12:00 and 11:00-14:00 overlap on Tuesday." in response.content.decode()
    assert not Schedule.objects.exists()


def test_unknown_time_zone_is_refused(staff):
    response = staff.post(
        reverse("admin:chatgate_schedule_add"), schedule_post([], [], timezone="Mars/Base")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["timezone"]
    assert not Schedule.objects.exists()


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "posix/Europe/Paris"])
def test_time_zones_that_depend_on_the_host_are_refused(staff, zone):
    response = staff.post(
        reverse("admin:chatgate_schedule_add"), schedule_post([], [], timezone=zone)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["timezone"]
    assert not Schedule.objects.exists()


def test_the_time_zone_list_offers_no_zone_of_the_host(staff):
    page = staff.get(reverse("admin:chatgate_schedule_add")).content.decode()
    assert 'value="Europe/Paris"' in page
    assert 'value="localtime"' not in page and 'value="Factory"' not in page


def test_more_than_twelve_ranges_a_day_are_refused(staff):
    weekly = [{"weekday": "1", "opens": f"{h:02d}:00", "closes": f"{h:02d}:30"} for h in range(13)]
    day = ", ".join(f"{h:02d}:00-{h:02d}:30" for h in range(13))
    response = staff.post(
        reverse("admin:chatgate_schedule_add"),
        schedule_post(weekly, [{"date": "2026-12-24", "label": "Eve", "hours": day}]),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tuesday has 13 ranges; at most 12 per day." in page
    assert "2026-12-24 has 13 ranges; at most 12 per day." in page
    assert not Schedule.objects.exists()


def test_a_schedule_holds_at_most_a_thousand_exceptions(staff):
    schedule = ScheduleFactory()
    first = date(2000, 1, 1)
    ScheduleException.objects.bulk_create(
        ScheduleException(schedule=schedule, date=first + timedelta(days=n)) for n in range(999)
    )
    two_more = [
        {"date": "2030-01-01", "label": "A", "hours": ""},
        {"date": "2030-01-02", "label": "B", "hours": ""},
    ]
    response = staff.post(
        reverse("admin:chatgate_schedule_change", args=[schedule.pk]),
        schedule_post([], two_more, name=schedule.name),
    )
    assert response.status_code == 200
    assert "This schedule would have 1001 exceptions; at most 1000 are allowed." in (
        response.content.decode()
    )
    assert schedule.exceptions.count() == 999


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("9h-12h", "&#x27;9h-12h&#x27; is not a range like 09:00-12:00"),
        ("09:00-12:00, 10:00-11:00", "overlap on 2026-12-24"),
        ("25:00-26:00", "is not a range like"),
    ],
)
def test_exception_hours_typed_wrongly_are_refused(staff, hours, message):
    data = schedule_post([], [{"date": "2026-12-24", "label": "Eve", "hours": hours}])
    response = staff.post(reverse("admin:chatgate_schedule_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_schedule_page_pictures_the_next_seven_days(staff, frozen):
    frozen(MONDAY)
    schedule = ScheduleFactory(weekly={0: [("09:00", "12:00"), ("13:00", "17:00")]})
    ScheduleException.objects.create(
        schedule=schedule, date=date(2026, 11, 25), label="Staff <b>day</b>"
    )
    page = staff.get(reverse("admin:chatgate_schedule_change", args=[schedule.pk])).content.decode()
    assert "The next 7 days in Europe/Paris" in page
    assert page.count('class="chatgate-open"') == 2
    assert "<title>09:00-12:00</title>" in page and "<title>13:00-17:00</title>" in page
    assert "Staff &lt;b&gt;day&lt;/b&gt;" in page  # escaped


def test_status_board_lists_widgets_and_departments(staff, frozen):
    frozen(MONDAY)
    team = DepartmentFactory(
        name="Sales & <Co>", schedule=ScheduleFactory(weekly={0: [("09:00", "17:00")]})
    )
    WidgetFactory(name="Shop", departments=[team])
    page = staff.get(reverse("admin:chatgate_status_board")).content.decode()
    assert "Shop" in page and "Sales &amp; &lt;Co&gt;" in page
    assert page.count("No agent available") == 2  # the widget and its department
    assert "closes" not in page  # no open period without agents
    assert (
        reverse("admin:chatgate_status_board")
        in staff.get(reverse("admin:chatgate_widget_changelist")).content.decode()
    )


@pytest.mark.parametrize(("codename", "expected"), [(None, 403), ("view_widget", 200)])
def test_status_board_needs_the_widget_view_permission(client, codename, expected):
    user = UserFactory(is_staff=True)  # staff, not superuser: only the permissions given
    if codename:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    WidgetFactory(name="Secret shop")
    response = client.get(reverse("admin:chatgate_status_board"))
    assert response.status_code == expected
    assert ("Secret shop" in response.content.decode()) is (expected == 200)


@pytest.mark.parametrize(
    ("model", "data"),
    [
        ("department", {"slug": "sales", "name": "Sales\nBcc: a@example.com", "position": "0"}),
        (
            "widget",
            {
                "slug": "shop",
                "name": "Shop\r\nBcc: a@example.com",
                "mode": "chat",
                "when_offline": "offline_form",
                "closing_soon_minutes": "15",
            },
        ),
    ],
)
def test_names_that_reach_email_headers_refuse_line_breaks_in_the_admin(staff, model, data):
    response = staff.post(reverse(f"admin:chatgate_{model}_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [
        "Line breaks are not allowed in this field."
    ]


def import_holidays(staff, schedule, *, follow: bool = False, **fields):
    """Run the schedules' holiday import action; without fields it only asks for them."""
    data = {"action": "import_holidays", "_selected_action": [schedule.pk]}
    if fields:
        data.update(apply="1", **fields)
    return staff.post(reverse("admin:chatgate_schedule_changelist"), data, follow=follow)


def test_import_holidays_admin_action(staff):
    schedule = ScheduleFactory()
    assert b"Import public holidays" in import_holidays(staff, schedule).content
    done = import_holidays(staff, schedule, country="FR", years="2026")
    assert done.status_code == 302
    christmas = ScheduleException.objects.get(schedule=schedule, date=date(2026, 12, 25))
    named = holidays.country_holidays("FR", years=2026)[date(2026, 12, 25)]  # varies by install
    assert (christmas.ranges, christmas.label) == ([], named)


def test_import_holidays_unknown_country_is_reported_on_the_form_that_keeps_what_was_typed(staff):
    schedule = ScheduleFactory()
    response = import_holidays(staff, schedule, country="ZZ", years="2026, 2027")
    page = response.content.decode()
    assert response.status_code == 200  # the form again, not a redirect that loses it
    assert "no calendar for “ZZ”" in page
    assert 'name="country" value="ZZ"' in page and 'value="2026, 2027"' in page
    assert not ScheduleException.objects.exists()


def test_the_holiday_import_speaks_the_admins_language(staff):
    schedule = ScheduleFactory()
    staff.cookies["django_language"] = "fr"
    page = import_holidays(staff, schedule, country="ZZ", years="2026").content.decode()
    assert "pas de calendrier pour « ZZ »" in page


def test_form_fields_inline_refuses_a_name_used_twice(staff):
    data = {
        "name": "Offline",
        "kind": "offline",
        "enabled": "on",
        "title": "Leave a message",
        "submit_label": "Send",
        "success_message": "Thanks",
        **inline(
            "fields",
            [
                {"position": "0", "name": "email", "label": "Email", "type": "email"},
                {"position": "1", "name": "email", "label": "Email again", "type": "text"},
            ],
        ),
    }
    response = staff.post(reverse("admin:chatgate_form_add"), data)
    assert response.status_code == 200
    assert "The field name &#x27;email&#x27; is used twice" in response.content.decode()
    assert not FormField.objects.exists()


def test_choice_field_needs_options(staff):
    form = FormFactory()
    field = FormField(form=form, name="topic", label="Topic", type="select")
    with pytest.raises(Exception, match="at least one option"):
        field.full_clean()


def test_agent_status_set_in_admin_counts_as_presence(staff, frozen):
    frozen(MONDAY)
    agent = AgentFactory()
    data = {
        "user": agent.user.pk,
        "display_name": agent.display_name,
        "max_chats": "2",
        "status": "online",
    }
    response = staff.post(reverse("admin:chatgate_agent_change", args=[agent.pk]), data)
    assert response.status_code == 302
    assert Agent.objects.get().status_changed_at == MONDAY


def test_ticket_list_filters_and_solved_action(staff):
    team = DepartmentFactory()
    new = Ticket.objects.create(
        form_kind="offline",
        department=team,
        fields=[{"name": "m", "label": "Message", "value": "<script>x</script>"}],
    )
    Ticket.objects.create(form_kind="contact")
    listing = staff.get(
        reverse("admin:chatgate_ticket_changelist"), {"department__id__exact": team.pk}
    )
    assert listing.context["cl"].result_count == 1
    staff.post(
        reverse("admin:chatgate_ticket_changelist"),
        {"action": "mark_solved", "_selected_action": [new.pk]},
    )
    assert Ticket.objects.get(pk=new.pk).status == "solved"
    detail = staff.get(reverse("admin:chatgate_ticket_change", args=[new.pk])).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in detail and "<script>x</script>" not in detail


@pytest.mark.parametrize(
    "model",
    [
        "schedule",
        "scheduleexception",
        "department",
        "agent",
        "form",
        "widget",
        "ticket",
        "conversation",
    ],
)
def test_every_changelist_renders(staff, model):
    assert staff.get(reverse(f"admin:chatgate_{model}_changelist")).status_code == 200


def test_overlap_message_is_translated_for_french_staff(staff):
    data = schedule_post(
        [
            {"weekday": "1", "opens": "09:00", "closes": "12:00"},
            {"weekday": "1", "opens": "11:00", "closes": "14:00"},
        ],
        [],
    )
    response = staff.post(reverse("admin:chatgate_schedule_add"), data, HTTP_ACCEPT_LANGUAGE="fr")
    assert (
        "Les plages 09:00-12:00 et 11:00-14:00 se chevauchent : Mardi." in response.content.decode()
    )


@pytest.mark.parametrize(
    ("query", "found"), [("zoe@example", 1), ("parcel DAMAGED", 1), ("nothing-like-this", 0)]
)
def test_ticket_search_by_email_and_content(staff, query, found):
    Ticket.objects.create(
        form_kind="offline",
        email="zoe@example.com",
        fields=[{"name": "message", "label": "Message", "value": "My parcel damaged in transit"}],
    )
    Ticket.objects.create(form_kind="offline", email="max@example.org", fields=[])
    listing = staff.get(reverse("admin:chatgate_ticket_changelist"), {"q": query})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == found


@pytest.mark.parametrize(
    ("now", "alt"), [(MONDAY, "True"), (datetime(2026, 11, 23, 18, 0, tzinfo=UTC), "False")]
)
def test_schedule_list_says_whether_it_is_open_now(staff, frozen, now, alt):
    frozen(now)  # 11:00 and 19:00 in Paris
    ScheduleFactory(weekly={0: [("09:00", "17:00")]})
    page = staff.get(reverse("admin:chatgate_schedule_changelist")).content.decode()
    assert f'alt="{alt}"' in page and f'alt="{"False" if alt == "True" else "True"}"' not in page


def test_import_holidays_shows_form_errors_and_keeps_the_selection(staff):
    schedule = ScheduleFactory()
    page = import_holidays(staff, schedule, country="FR", years="soon").content.decode()
    assert "Years must be numbers such as 2026." in page
    assert f'name="_selected_action" value="{schedule.pk}"' in page
    assert not ScheduleException.objects.exists()


def chat(widget, department=None, agent=None, **fields) -> Conversation:
    conversation = Conversation.objects.create(
        widget=widget,
        department=department,
        agent=agent,
        token_hash=f"{Conversation.objects.count():064d}",
        started_at=MONDAY,
        **fields,
    )
    Message.objects.create(
        conversation=conversation, author="visitor", text="<b>Hello</b>\nthere", created_at=MONDAY
    )
    return conversation


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status__exact": "active"}, ["active"]),
        ({"widget__id__exact": "shop"}, ["active", "waiting"]),
        ({"department__id__exact": "sales"}, ["active"]),
        ({"agent__id__exact": "ana"}, ["active"]),
        (
            {
                "started_at__gte": "2026-11-23 00:00:00+01:00",
                "started_at__lt": "2026-11-24 00:00:00+01:00",
            },
            ["active", "waiting"],
        ),
    ],
)
def test_conversations_are_filtered_by_widget_department_agent_status_and_date(
    staff, query, expected
):
    shop, other = WidgetFactory(), WidgetFactory()
    sales = DepartmentFactory()
    ana = AgentFactory()
    chat(shop, sales, ana, status="active")
    chat(shop, status="waiting")
    old = chat(other, status="closed")
    Conversation.objects.filter(pk=old.pk).update(started_at=datetime(2026, 10, 1, tzinfo=UTC))
    ids = {"shop": shop.pk, "sales": sales.pk, "ana": ana.pk}
    params = {key: ids.get(value, value) for key, value in query.items()}
    listing = staff.get(reverse("admin:chatgate_conversation_changelist"), params)
    assert sorted(c.status for c in listing.context["cl"].result_list) == expected


def test_a_conversation_is_a_read_only_transcript(staff):
    ana = AgentFactory(display_name="Ana")
    conversation = chat(WidgetFactory(), agent=ana, status="active", visitor_name="Zoé")
    Message.objects.create(
        conversation=conversation,
        author="system",
        text="Ana joined the chat.",
        code="joined",
        params={"name": "Ana"},
        created_at=MONDAY,
    )
    url = reverse("admin:chatgate_conversation_change", args=[conversation.pk])
    page = staff.get(url).content.decode()
    assert "&lt;b&gt;Hello&lt;/b&gt;\nthere" in page and "<b>Hello</b>" not in page
    assert "Ana joined the chat." in page and conversation.token_hash not in page
    assert 'name="_save"' not in page
    assert staff.post(url, {"status": "closed"}).status_code == 403
    assert Conversation.objects.get().status == "active"
    assert staff.get(reverse("admin:chatgate_conversation_add")).status_code == 403


def test_a_ticket_from_a_chat_shows_its_transcript(staff):
    ticket = Ticket.objects.create(
        form_kind="offline",
        transcript=[
            {"author": "visitor", "name": "Zoé", "text": "<i>Hi</i>", "created_at": "2026-11-23T10:00:00+00:00"},
            {"author": "system", "name": "", "text": "No one has answered yet.", "created_at": "2026-11-23T10:05:00+00:00"},
        ],
    )  # fmt: skip
    page = staff.get(reverse("admin:chatgate_ticket_change", args=[ticket.pk])).content.decode()
    assert "<td>2026-11-23 11:00:00</td><th>Zoé</th><td>&lt;i&gt;Hi&lt;/i&gt;</td>" in page  # Paris
    assert "<th>System</th><td>No one has answered yet.</td>" in page


def test_chatgates_admin_pages_have_no_inline_style(staff, frozen):
    """Styles come from chatgate/admin.css, so a strict ``style-src 'self'`` CSP allows them."""
    frozen(MONDAY)
    schedule = ScheduleFactory(weekly={0: [("09:00", "12:00"), ("22:00", "02:00")]})
    WidgetFactory(schedule=schedule, departments=[DepartmentFactory()])
    ticket = Ticket.objects.create(
        form_kind="offline",
        fields=[{"name": "m", "label": "Message", "value": "Two\nlines"}],
        transcript=[{"author": "visitor", "name": "Zoé", "text": "Hi", "created_at": "2026-11-23T10:00:00+00:00"}],
    )  # fmt: skip
    conversation = chat(WidgetFactory())
    pages = [
        reverse("admin:chatgate_schedule_change", args=[schedule.pk]),
        reverse("admin:chatgate_status_board"),
        reverse("admin:chatgate_ticket_change", args=[ticket.pk]),
        reverse("admin:chatgate_conversation_change", args=[conversation.pk]),
        reverse("admin:chatgate_agent_changelist"),
    ]
    for url in pages:
        page = staff.get(url).content.decode()
        assert "chatgate-" in page, url  # chatgate's own markup is there
        assert not re.search(r"\sstyle\s*=|<style", page), (
            url,
            re.findall(r".{60}style.{60}", page),
        )
        assert '/static/chatgate/admin.css"' in page, url


def test_schedules_saved_with_a_zone_now_refused_get_a_known_one():
    """The migration that came with the rule: old rows must not make every state fail."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("chatgate.migrations.0005_known_time_zones")
    names = ["localtime", "posixrules", "Factory", "posix/America/New_York", "Asia/Tokyo"]
    for name in names:
        Schedule.objects.create(name=name, timezone=name)
    migration.known_zones_only(apps, None)
    zones = {s.name: str(s.timezone) for s in Schedule.objects.all()}
    assert zones == {
        "localtime": "Europe/Paris",  # the site's TIME_ZONE
        "posixrules": "Europe/Paris",
        "Factory": "UTC",
        "posix/America/New_York": "America/New_York",
        "Asia/Tokyo": "Asia/Tokyo",
    }
    for schedule in Schedule.objects.prefetch_related("weekly_ranges", "exceptions"):
        schedule.to_hours()  # the engine accepts every one


class BrowserForm(HTMLParser):
    """What a browser sends for the page's form with id ``form_id``: named inputs, checked
    boxes, selected options and text areas (enough for the admin's change forms)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, []
        self.select, self.textarea = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        kind = attrs.get("type", "text")
        if tag == "input" and attrs.get("name") and kind not in ("submit", "button", "file"):
            if kind not in ("checkbox", "radio"):
                self.data.append((attrs["name"], attrs.get("value", "")))
            elif "checked" in attrs:
                self.data.append((attrs["name"], attrs.get("value", "on")))
        elif tag == "select":
            self.select = [attrs.get("name"), None]
        elif tag == "option" and self.select and (self.select[1] is None or "selected" in attrs):
            self.select[1] = (attrs.get("value"), "selected" in attrs)
        elif tag == "textarea":
            self.textarea = [attrs.get("name"), ""]

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            if self.select[0] and self.select[1] is not None:
                self.data.append((self.select[0], self.select[1][0]))
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.data.append(tuple(self.textarea))
            self.textarea = None


def as_sent_by_a_browser(page: str, form_id: str) -> dict[str, list[str]]:
    parser = BrowserForm(form_id)
    parser.feed(page)
    data: dict[str, list[str]] = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    return data


def test_a_schedule_with_twenty_years_of_holidays_opens_and_saves(staff, frozen):
    frozen(MONDAY)  # 23 November 2026
    schedule = ScheduleFactory(weekly={d: [("09:00", "17:00")] for d in range(5)})
    created, _skipped = services.import_holidays(
        schedule, country="FR", years=list(range(2016, 2036))
    )
    assert created > 200
    url = reverse("admin:chatgate_schedule_change", args=[schedule.pk])
    page = staff.get(url)
    assert page.status_code == 200
    data = as_sent_by_a_browser(page.content.decode(), "schedule_form")
    data["name"] = ["Renamed"]
    saved = staff.post(url, {**data, "_save": "Save"})
    assert saved.status_code == 302  # not 400: under DATA_UPLOAD_MAX_NUMBER_FIELDS
    schedule.refresh_from_db()
    assert schedule.name == "Renamed"
    assert schedule.exceptions.count() == created  # the rows not shown are kept as they are


def test_the_schedule_page_shows_upcoming_exceptions_and_links_to_the_others(staff, frozen):
    frozen(MONDAY)  # 23 November 2026
    schedule = ScheduleFactory()
    for day, label, yearly in [
        (date(2019, 5, 1), "Old May Day", False),
        (date(2020, 12, 25), "Christmas", True),
        (date(2026, 11, 20), "Three days ago", False),
        (date(2026, 12, 24), "Eve", False),
    ]:
        ScheduleException.objects.create(schedule=schedule, date=day, label=label, yearly=yearly)
    page = staff.get(reverse("admin:chatgate_schedule_change", args=[schedule.pk]))
    rows = [form.instance.label for form in page.context["inline_admin_formsets"][1].formset]
    assert rows == ["Christmas", "Three days ago", "Eve"]  # yearly ones stay, a week of leeway
    text = page.content.decode()
    assert "1 exception (past, or later than the rows below) is not shown below." in text
    others = f"{reverse('admin:chatgate_scheduleexception_changelist')}?schedule__id__exact={schedule.pk}"
    assert f'href="{others}"' in text
    listed = staff.get(others).content.decode()
    assert "Old May Day" in listed and "Eve" in listed


def test_a_new_row_on_the_date_of_an_exception_not_shown_is_refused(staff, frozen):
    frozen(MONDAY)
    schedule = ScheduleFactory()
    ScheduleException.objects.create(schedule=schedule, date=date(2019, 5, 1), label="Old")
    url = reverse("admin:chatgate_schedule_change", args=[schedule.pk])
    data = as_sent_by_a_browser(staff.get(url).content.decode(), "schedule_form")
    data.update(
        {
            "exceptions-TOTAL_FORMS": ["1"],
            "exceptions-0-schedule": [str(schedule.pk)],
            "exceptions-0-date": ["2019-05-01"],
            "exceptions-0-label": ["Again"],
            "exceptions-0-hours": [""],
        }
    )
    response = staff.post(url, data)
    assert response.status_code == 200  # not an IntegrityError
    (formset,) = [
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.formset.prefix == "exceptions"
    ]
    assert "already" in str(formset.forms[0].errors)  # Django's words on 6.1, ours on 5.2
    assert schedule.exceptions.get().label == "Old"


def test_the_exceptions_own_add_form_keeps_the_bound_too(staff):
    schedule = ScheduleFactory()
    ScheduleException.objects.bulk_create(
        ScheduleException(schedule=schedule, date=date(2000, 1, 1) + timedelta(days=n))
        for n in range(1000)
    )
    response = staff.post(
        reverse("admin:chatgate_scheduleexception_add"),
        {"schedule": schedule.pk, "date": "2030-01-01", "label": "One more", "hours": ""},
    )
    assert response.status_code == 200
    assert "This schedule would have 1001 exceptions; at most 1000 are allowed." in (
        response.content.decode()
    )


def test_a_schedule_saved_before_the_bounds_can_still_be_opened_and_fixed(staff, frozen):
    frozen(MONDAY)
    schedule = ScheduleFactory()
    WeeklyRange.objects.bulk_create(  # 13 ranges on Monday, written before the bound existed
        WeeklyRange(schedule=schedule, weekday=0, opens=time(h), closes=time(h, 30))
        for h in range(13)
    )
    listed = staff.get(reverse("admin:chatgate_schedule_changelist"))
    assert listed.status_code == 200
    page = staff.get(reverse("admin:chatgate_schedule_change", args=[schedule.pk]))
    assert page.status_code == 200
    assert "Monday has 13 ranges; at most 12 per day" in page.content.decode()
