"""The Django admin: schedules with a week picture, a status board, tickets, chats and the rest."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from parler.admin import TranslatableAdmin, TranslatableTabularInline
from parler.utils.views import TabsList

from . import clock, console, conversations, languages, presence, services
from .availability import HOST_ZONES
from .forms import (
    FormFieldFormSet,
    HolidayImportForm,
    ScheduleExceptionForm,
    ScheduleExceptionFormSet,
    WeeklyRangeFormSet,
    hours_to_text,
)
from .models import (
    Agent,
    Console,
    Conversation,
    Department,
    Form,
    FormField,
    Message,
    Schedule,
    ScheduleException,
    Ticket,
    WeeklyRange,
    Widget,
)
from .tickets import submission_rows


class ModelAdmin(admin.ModelAdmin):
    """The admin's own behaviour, except that a list filtered by a value with a null character
    (which PostgreSQL cannot compare) is an incorrect lookup, like any other bad filter."""

    def get_changelist_instance(self, request):
        if any("\x00" in key + value for key, value in request.GET.items()):
            raise IncorrectLookupParameters("a null character in the query")
        return super().get_changelist_instance(request)


class SiteLanguages:
    """parler's admin with a tab per language of ``settings.LANGUAGES``.

    parler shows tabs only for the languages ``PARLER_LANGUAGES`` lists for the
    site; chatgate's texts follow the site's ``LANGUAGES`` without it.
    """

    def _language(self, request, obj=None) -> str:
        code = request.GET.get(self.query_language_key)
        return languages.supported(code) or languages.default_language()

    def get_queryset_language(self, request) -> str:
        return self._language(request)

    def get_language_tabs(self, request, obj, available_languages, css_class=None):
        tabs, current = TabsList(css_class=css_class), self.get_form_language(request, obj)
        query = request.GET.copy()
        for code, name in settings.LANGUAGES:
            query[self.query_language_key] = code
            status = (
                "current"
                if code == current
                else "available"
                if code in available_languages
                else "empty"
            )
            tabs.append((f"?{query.urlencode()}", name, code, status))
        tabs.current_is_translated = current in available_languages
        tabs.allow_deletion = len(available_languages) > 1
        return tabs


class TranslatedModelAdmin(SiteLanguages, TranslatableAdmin, ModelAdmin):
    """Staff texts written per language of ``settings.LANGUAGES``: one tab per language."""


class WeeklyRangeInline(admin.TabularInline):
    model = WeeklyRange
    formset = WeeklyRangeFormSet
    extra = 0
    # Wall-clock times in the schedule's own zone: no "Now" shortcut, no server-zone note.
    formfield_overrides = {
        models.TimeField: {"widget": forms.TimeInput(format="%H:%M", attrs={"type": "time"})}
    }


class ScheduleExceptionInline(admin.TabularInline):
    """Upcoming and yearly exceptions only (from a week ago, at most 60 rows), so a schedule
    with years of holidays stays editable; the others are in the exceptions' own list."""

    model = ScheduleException
    form = ScheduleExceptionForm
    formset = ScheduleExceptionFormSet
    extra = 0

    def get_queryset(self, request):
        return upcoming(super().get_queryset(request))


def upcoming(exceptions):
    """Yearly exceptions and those from a week ago on (a week of leeway for every time zone)."""
    since = clock.now().date() - timedelta(days=7)
    return exceptions.filter(Q(yearly=True) | Q(date__gte=since)).order_by("date")


@admin.register(Schedule)
class ScheduleAdmin(ModelAdmin):
    list_display = ["name", "timezone", "open_now"]
    search_fields = ["name"]
    inlines = [WeeklyRangeInline, ScheduleExceptionInline]
    actions = ["import_holidays"]
    change_form_template = "admin/chatgate/schedule/change_form.html"
    readonly_fields = ["other_exceptions"]

    def get_fields(self, request, obj=None):
        return ["name", "timezone"] + (["other_exceptions"] if obj is not None else [])

    class Media:
        css = {"all": ["chatgate/admin.css"]}  # the week picture; no inline styles (CSP)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "timezone":  # the host's own zones are refused: do not offer them
            field.choices = [c for c in field.choices if str(c[0]) not in HOST_ZONES]
        return field

    @admin.display(description=_("other exceptions"))
    def other_exceptions(self, schedule: Schedule) -> str:
        """How many exceptions the table below leaves out, with a link to all of them."""
        shown = min(upcoming(schedule.exceptions.all()).count(), ScheduleExceptionFormSet.shown)
        hidden = schedule.exceptions.count() - shown
        url = reverse("admin:chatgate_scheduleexception_changelist")
        text = ngettext(
            "%(count)d exception (past, or later than the rows below) is not shown below.",
            "%(count)d exceptions (past, or later than the rows below) are not shown below.",
            hidden,
        ) % {"count": hidden}
        return format_html(
            '{} <a href="{}?schedule__id__exact={}">{}</a>',
            text,
            url,
            schedule.pk,
            _("See every exception of this schedule."),
        )

    @admin.display(description=_("open now"), boolean=True)
    def open_now(self, schedule: Schedule) -> bool | None:
        try:
            return services.schedule_is_open(schedule, at=clock.now())
        except ValueError:  # saved before a rule existed; its page says what to fix
            return None

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("weekly_ranges", "exceptions")

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None and obj.pk:
            try:
                context["week_preview"] = services.week_preview(obj, at=clock.now())
                context["hour_marks"] = [0, 6, 12, 18, 24]
            except ValueError as error:  # saved before a rule existed: say what to fix
                self.message_user(
                    request,
                    _("This schedule cannot be used until it is fixed: %(error)s.")
                    % {"error": error},
                    messages.ERROR,
                )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    @admin.action(description=_("Import public holidays as closed days"), permissions=["change"])
    def import_holidays(self, request, queryset):
        form = HolidayImportForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for schedule in queryset:
                try:
                    created, skipped = services.import_holidays(schedule, **form.cleaned_data)
                except ValueError as error:
                    form.add_error(None, str(error))  # shown above what was typed, kept
                    break
                self.message_user(
                    request,
                    _(
                        "%(schedule)s: %(created)s holidays added, %(skipped)s dates already had an exception."
                    )
                    % {"schedule": schedule, "created": created, "skipped": skipped},
                )
            else:
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import public holidays"),
            "form": form,
            "schedules": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/chatgate/schedule/import_holidays.html", context)


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(admin.ModelAdmin):
    """Every exception, past ones included, by schedule: the schedule page shows upcoming ones."""

    form = ScheduleExceptionForm
    fields = ["schedule", "date", "label", "yearly", "hours"]
    list_display = ["date", "label", "yearly", "opening_hours", "schedule"]
    list_filter = ["schedule", "yearly"]
    date_hierarchy = "date"
    search_fields = ["label"]
    list_select_related = ["schedule"]

    @admin.display(description=_("opening hours"))
    def opening_hours(self, exception: ScheduleException) -> str:
        return hours_to_text(exception.ranges) or _("Closed all day")


@admin.register(Department)
class DepartmentAdmin(TranslatedModelAdmin):
    list_display = ["__str__", "slug", "schedule", "email", "active", "position"]
    list_editable = ["active", "position"]
    list_filter = ["active"]
    search_fields = ["translations__name", "slug"]

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ["name"]}  # a translated field: parler's way of declaring it

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("schedule")
            .prefetch_related("translations")
        )


class DepartmentFilter(admin.RelatedFieldListFilter):
    """Departments by name, their translations read in one query rather than one each."""

    def field_choices(self, field, request, model_admin):
        return [(d.pk, str(d)) for d in Department.objects.prefetch_related("translations")]


@admin.register(Agent)
class AgentAdmin(ModelAdmin):
    list_display = ["display_name", "user", "presence_now", "max_chats", "team"]
    list_filter = ["status", ("departments", DepartmentFilter)]
    search_fields = ["display_name", "user__username", "user__email"]
    filter_horizontal = ["departments"]
    autocomplete_fields = ["user"]
    change_list_template = "admin/chatgate/agent/change_list.html"

    class Media:
        css = {"all": ["chatgate/admin.css"]}  # no inline styles (CSP)

    def get_changelist_instance(self, request):
        """The page's agents with their effective presence, read in one cache round trip."""
        changelist = super().get_changelist_instance(request)
        found = presence.effective(changelist.result_list, at=clock.now())
        for agent in changelist.result_list:  # the rows the page shows (the queryset's cache)
            agent.chatgate_presence = found[agent.pk]
        return changelist

    @admin.display(description=_("presence"), ordering="status")
    def presence_now(self, agent: Agent) -> str:
        """The status that counts for visitors: "offline — last seen 10:42" once expired."""
        at = clock.now()
        found = (
            getattr(agent, "chatgate_presence", None)
            or presence.effective([agent], at=at)[agent.pk]
        )
        return format_html(
            '<span class="chatgate-status chatgate-status-{}">{}</span>',
            found.effective_status,
            console.presence_text(found, at=at),
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_use_console": console.can_use(request.user)}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("departments"))
    def team(self, agent: Agent) -> str:
        return ", ".join(str(d) for d in agent.departments.all())

    def get_queryset(self, request):
        teams = Department.objects.prefetch_related("translations")
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .prefetch_related(models.Prefetch("departments", queryset=teams))
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "status" in form.changed_data:
            presence.set_status(obj, obj.status)  # also a heartbeat, shared with every process


class FormFieldInline(SiteLanguages, TranslatableTabularInline):
    model = FormField
    formset = FormFieldFormSet
    extra = 0
    fields = ["position", "name", "label", "type", "required", "choices", "help", "max_length"]
    # One row of the table per field: short text areas keep the columns on screen.
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 24})}
    }


@admin.register(Form)
class FormAdmin(TranslatedModelAdmin):
    list_display = ["name", "kind", "enabled"]
    list_filter = ["kind", "enabled"]
    inlines = [FormFieldInline]
    fieldsets = [
        (None, {"fields": ["name", "kind", "enabled", "department_choice"]}),
        (
            _("Texts"),
            {
                "fields": ["title", "greeting", "submit_label", "success_message"],
                "description": _(
                    "In the language of the tab above. A blank text means the built-in one, "
                    "translated; a language without a text of its own uses the site's default "
                    "language's."
                ),
            },
        ),
    ]


@admin.register(Widget)
class WidgetAdmin(TranslatedModelAdmin):
    list_display = ["name", "slug", "mode", "schedule", "when_offline", "force", "active"]
    list_filter = ["mode", "active"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["departments"]
    change_list_template = "admin/chatgate/widget/change_list.html"
    readonly_fields = ["texts_preview"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "active", "mode", "schedule", "departments"]}),
        (
            _("When nobody can answer"),
            {"fields": ["when_offline", "offline_form", "contact_form", "email"]},
        ),
        (_("Presence"), {"fields": ["away_accepts_chats", "closing_soon_minutes"]}),
        (
            _("Chats"),
            {"fields": ["ask_name", "ask_email", "max_wait_minutes", "waiting_at_closing"]},
        ),
        (_("Messaging mode"), {"fields": ["auto_reply"]}),
        (_("Manual override"), {"fields": ["force", "force_until"]}),
        (
            _("Texts"),
            {
                "fields": ["greeting", "closing_soon_text", "away_reply", "texts_preview"],
                "description": _(
                    "In the language of the tab above. A blank text means the built-in one, "
                    "translated; a language without a text of its own uses the site's default "
                    "language's."
                ),
            },
        ),
    ]

    @admin.display(description=_("Preview"))
    def texts_preview(self, obj: Widget) -> str:
        """The saved closing-soon notice and automatic reply, as visitors in several time zones
        read them at the next closing, in this tab's language."""
        if obj is None or obj.pk is None:
            return _("Save the widget to preview its texts.")
        rows = conversations.texts_preview(obj, obj.get_current_language(), at=clock.now())
        header = format_html(
            "<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>",
            _("A visitor in"),
            _("closing-soon notice"),
            _("automatic reply"),
        )
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            '<table class="chatgate-preview">{}<tbody>{}</tbody></table>', header, body
        )

    def get_urls(self):
        board = self.admin_site.admin_view(self.status_board)
        return [path("status/", board, name="chatgate_status_board"), *super().get_urls()]

    def status_board(self, request):
        """Every widget and department with its status, reason and next change.

        Like the admin's own views: staff without ``chatgate.view_widget`` get 403."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        at = clock.now()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Chat status board"),
            "opts": self.model._meta,
            "rows": services.all_widget_states(at=at),
            "agents": console.agent_rows(at=at),
            "can_use_console": console.can_use(request.user),
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, "admin/chatgate/status_board.html", context)


@admin.register(Console)
class ConsoleAdmin(admin.ModelAdmin):
    """The agent console at ``admin/chatgate/console/``: a page, not a list of objects.

    Listed in the admin's app list and navigation for the users holding
    ``chatgate.use_console``; others get 403."""

    def get_urls(self):
        page = self.admin_site.admin_view(self.console)
        return [path("", page, name="chatgate_console_changelist")]

    def has_view_permission(self, request, obj=None) -> bool:
        return console.can_use(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def console(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Console"),
            "opts": self.model._meta,
            **console.page(request),
        }
        return TemplateResponse(request, "admin/chatgate/console.html", context)


@admin.register(Ticket)
class TicketAdmin(ModelAdmin):
    list_display = [
        "__str__",
        "created_at",
        "widget",
        "form_kind",
        "department",
        "email",
        "status",
        "notified",
    ]
    list_filter = ["status", ("department", DepartmentFilter), "form", "form_kind", "created_at"]
    search_fields = ["email", "fields", "page_url"]
    actions = ["mark_solved"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "submission",
        "widget",
        "form",
        "form_kind",
        "department",
        "email",
        "page_url",
        "language",
        "visitor_timezone",
        "user_agent",
        "created_at",
        "notified_at",
        "notify_attempts",
        "notify_error",
        "conversation",
        "chat",
    ]
    exclude = ["fields", "transcript"]

    class Media:
        css = {"all": ["chatgate/admin.css"]}  # no inline styles (CSP)

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("widget", "department", "form")
        return rows.prefetch_related("department__translations")  # its name in each row

    def has_add_permission(self, request) -> bool:
        return False  # tickets come from visitors

    @admin.display(description=_("notified"), boolean=True)
    def notified(self, ticket: Ticket) -> bool:
        return ticket.notified_at is not None

    @admin.display(description=_("submission"))
    def submission(self, ticket: Ticket) -> str:
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", submission_rows(ticket))
        return format_html('<table class="chatgate-submission">{}</table>', rows)

    @admin.display(description=_("transcript"))
    def chat(self, ticket: Ticket) -> str:
        """The chat the visitor turned into this ticket, as it was then."""
        authors = dict(Message.Author.choices)
        lines = (
            (
                f"{timezone.localtime(datetime.fromisoformat(m['created_at'])):%Y-%m-%d %H:%M:%S}",
                m["name"] or authors.get(m["author"], m["author"]),
                m["text"],
            )
            for m in ticket.transcript
        )
        return transcript_table(lines) if ticket.transcript else "-"

    @admin.action(description=_("Mark selected tickets as solved"), permissions=["change"])
    def mark_solved(self, request, queryset):
        count = queryset.update(status=Ticket.Status.SOLVED)
        self.message_user(
            request,
            ngettext("%(count)d ticket solved.", "%(count)d tickets solved.", count)
            % {"count": count},
        )


def transcript_table(lines) -> str:
    """``(time, who, text)`` rows as an escaped table; line breaks are kept by admin.css."""
    rows = format_html_join("", "<tr><td>{}</td><th>{}</th><td>{}</td></tr>", lines)
    return format_html('<table class="chatgate-transcript">{}</table>', rows)


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Chats, read-only: who, where, when, and the transcript."""

    list_display = [
        "__str__",
        "started_at",
        "widget",
        "department",
        "agent",
        "status",
        "visitor_name",
        "visitor_email",
    ]
    list_filter = ["status", "widget", ("department", DepartmentFilter), "agent", "started_at"]
    list_select_related = ["widget", "department", "agent"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("department__translations")

    date_hierarchy = "started_at"
    search_fields = ["visitor_name", "visitor_email", "page_url"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("widget", "department", "agent", "status"),
                    ("visitor_name", "visitor_email"),
                    "transcript",
                ]
            },
        ),
        (_("Visitor"), {"fields": ["page_url", "language", "visitor_timezone", "user_agent"]}),
        (
            _("Times"),
            {
                "fields": [
                    ("started_at", "waiting_since", "accepted_at"),
                    ("closed_at", "closed_by"),
                    ("last_activity_at", "form_offered_at"),
                ]
            },
        ),
    ]
    readonly_fields = [
        "widget",
        "department",
        "agent",
        "status",
        "visitor_name",
        "visitor_email",
        "page_url",
        "language",
        "visitor_timezone",
        "user_agent",
        "started_at",
        "waiting_since",
        "accepted_at",
        "closed_at",
        "closed_by",
        "last_activity_at",
        "form_offered_at",
        "transcript",
    ]

    class Media:
        css = {"all": ["chatgate/admin.css"]}  # no inline styles (CSP)

    def has_add_permission(self, request) -> bool:
        return False  # chats come from visitors

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a record: viewed, never edited

    @admin.display(description=_("transcript"))
    def transcript(self, conversation: Conversation) -> str:
        lines = (
            (
                f"{timezone.localtime(m.created_at):%Y-%m-%d %H:%M:%S}",
                m.name or m.get_author_display(),
                conversations.render(m),
            )
            for m in conversation.messages.order_by("id")
        )
        return transcript_table(lines)
