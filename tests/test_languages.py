"""Texts in the visitor's language: staff texts per language, built-in texts, the state per language."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings
from rest_framework.test import APIClient

from chatgate import languages, services
from chatgate.models import Department, Form, Ticket, Widget
from tests.factories import (
    DepartmentFactory,
    FormFactory,
    FormFieldFactory,
    ScheduleFactory,
    UserFactory,
    WidgetFactory,
)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
MONDAY_19 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # 19:00 in Paris: closed
STATE = "/chatgate/api/widgets/shop/state/"


def translate(obj, language: str, **texts) -> None:
    """Texts staff wrote in ``language`` (the admin's tab of that language)."""
    obj.set_current_language(language)
    for name, value in texts.items():
        setattr(obj, name, value)
    obj.save_translations()
    obj.set_current_language("en")


@pytest.fixture
def shop():
    schedule = ScheduleFactory(weekly={d: [("09:00", "17:00")] for d in range(5)})
    sales = DepartmentFactory(slug="sales", name="Sales")
    translate(sales, "fr", name="Ventes")
    form = FormFactory(kind=Form.Kind.OFFLINE, title="Leave a note", success_message="")
    translate(form, "fr", title="")  # the French tab left the title blank
    FormFieldFactory(form=form, name="email", label="Email", type="email", required=True)
    topic = FormFieldFactory(
        form=form, name="topic", label="Topic", type="select", choices="Orders\nReturns"
    )
    translate(topic, "fr", label="Sujet", choices="Commandes\nRetours")
    FormFieldFactory(form=form, name="consent", label="Keep me posted", type="checkbox")
    widget = WidgetFactory(
        slug="shop", schedule=schedule, departments=[sales], offline_form=form, email="s@x.org"
    )
    translate(widget, "fr", greeting="Bonjour !")
    return widget


def test_each_text_falls_back_to_the_sites_language_then_to_the_built_in_text(shop):
    french = services.widget_state("shop", at=MONDAY_19, language="fr")
    english = services.widget_state("shop", at=MONDAY_19, language="en")
    assert french.texts["greeting"] == "Bonjour !"
    assert english.texts["greeting"] == "Hello! How can we help?"  # blank in English: built in
    assert (french.departments[0].name, english.departments[0].name) == ("Ventes", "Sales")
    assert french.form.title == "Leave a note"  # blank in French: the site's language's
    assert french.form.greeting == ""  # a form's greeting has no built-in text
    assert [f.label for f in french.form.fields] == ["Email", "Sujet", "Keep me posted"]
    assert french.form.fields[1].choices == ("Commandes", "Retours")
    assert (french.form.submit_label, english.form.submit_label) == ("Envoyer", "Send")
    assert french.texts["closing_soon"] == "Le chat ferme à {time}."
    assert (french.language, english.language) == ("fr", "en")


def test_built_in_texts_are_not_stored():
    widget = WidgetFactory(slug="plain")
    form = FormFactory(kind=Form.Kind.CONTACT, title="")
    assert not widget.translations.exists()  # nothing written: nothing stored
    assert [(t.title, t.submit_label, t.success_message) for t in form.translations.all()] == [
        ("", "", "")
    ]
    definition = services.form_definition(form, "fr")
    assert (definition.title, definition.success_message) == (
        "Nous contacter",
        "Merci, nous vous répondrons.",
    )
    english = services.widget_state("plain", at=MONDAY_19, language="en")
    assert english.texts["away_reply"] == "No one is available right now."


def test_a_language_variant_or_an_unknown_language_is_read_as_a_site_language(shop):
    assert languages.visitor_language("fr-CA") == "fr"
    assert languages.visitor_language("de") == "en"  # not a language of the site
    assert services.widget_state("shop", at=MONDAY_19, language="fr-CA").language == "fr"


def test_the_state_endpoint_answers_in_the_language_asked(shop, frozen):
    frozen(MONDAY_19)
    api = APIClient()
    french, english = api.get(STATE + "?lang=fr"), api.get(STATE + "?lang=en")
    assert french.json()["texts"]["greeting"] == "Bonjour !"
    assert english.json()["texts"]["greeting"] == "Hello! How can we help?"
    assert french["ETag"] != english["ETag"]
    assert "Cookie" not in french.get("Vary", "")  # the URL says the language
    refused = api.get(STATE + "?lang=xx")
    assert refused.status_code == 400 and "lang" in refused.json()


def test_without_lang_the_request_decides_and_the_answer_says_it_varies(shop, frozen):
    frozen(MONDAY_19)
    answer = APIClient().get(STATE, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert answer.json()["language"] == "fr"
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in answer["Vary"].split(",")}


CACHED = [
    "django.middleware.cache.UpdateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.cache.FetchFromCacheMiddleware",
]


@override_settings(MIDDLEWARE=CACHED, CACHE_MIDDLEWARE_SECONDS=60)
def test_a_shared_cache_in_front_serves_each_visitor_their_own_language(shop, frozen):
    """Django's cache middleware stands in for a CDN: it keys on the URL and honours Vary."""
    frozen(MONDAY_19)
    api = APIClient()
    for _ in range(2):  # the second round is served from the cache
        assert api.get(STATE + "?lang=fr").json()["language"] == "fr"
        assert api.get(STATE + "?lang=en").json()["language"] == "en"
        assert api.get(STATE, HTTP_ACCEPT_LANGUAGE="fr").json()["language"] == "fr"
        assert api.get(STATE, HTTP_ACCEPT_LANGUAGE="en").json()["language"] == "en"


def test_a_french_visitors_ticket_reads_in_the_sites_language_for_staff(
    shop, frozen, django_capture_on_commit_callbacks
):
    frozen(MONDAY_19)
    body = {
        "form": "offline",
        "fields": {"email": "zoe@x.org", "topic": "Retours", "consent": True},
        "language": "fr",
    }
    with django_capture_on_commit_callbacks(execute=True):
        answer = APIClient().post("/chatgate/api/widgets/shop/tickets/", body, format="json")
    assert answer.status_code == 201
    assert answer.json()["message"] == "Merci, nous vous répondrons."
    ticket = Ticket.objects.get()
    assert ticket.language == "fr"
    assert ticket.fields[1] == {"name": "topic", "label": "Sujet", "value": "Retours"}  # as seen
    text = mail.outbox[0].body
    assert "Topic: Retours" in text and "Keep me posted: yes" in text
    assert "Language: fr" in text and "True" not in text


@override_settings(LANGUAGE_CODE="fr")
def test_staff_emails_use_the_sites_language(shop, frozen, django_capture_on_commit_callbacks):
    frozen(MONDAY_19)
    body = {"form": "offline", "fields": {"email": "zoe@x.org", "consent": False}}
    with django_capture_on_commit_callbacks(execute=True):
        APIClient().post("/chatgate/api/widgets/shop/tickets/", body, format="json")
    text = mail.outbox[0].body
    assert "Keep me posted: non" in text  # no French label: the visitor's, as a last resort
    assert "Langue : " in text and "Fuseau horaire : " in text
    number = f"Ticket nº {Ticket.objects.get().pk} "  # not 1 on PostgreSQL: sequences go on
    assert mail.outbox[0].subject.startswith("[") and number in mail.outbox[0].subject


def test_the_admins_ticket_view_shows_yes_no_and_labels_in_the_admins_language(shop, client):
    Ticket.objects.create(
        widget=shop,
        form=shop.offline_form,
        form_kind="offline",
        fields=[
            {"name": "topic", "label": "Topic", "value": "Orders"},
            {"name": "consent", "label": "Keep me posted", "value": True},
        ],
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.cookies["django_language"] = "fr"
    page = client.get(f"/admin/chatgate/ticket/{Ticket.objects.get().pk}/change/").content
    assert re.search(rb"<th>Sujet</th><td>Orders</td>", page)
    assert re.search(rb"<th>Keep me posted</th><td>oui</td>", page)


def test_the_admin_has_a_tab_per_language_and_saves_each_languages_texts(shop, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/chatgate/department/{Department.objects.get().pk}/change/"
    page = client.get(url + "?language=fr").content.decode()
    assert "?language=en" in page and "?language=fr" in page  # the tabs
    assert 'value="Ventes"' in page
    data = {"slug": "sales", "name": "Équipe des ventes", "email": "", "position": 0}
    response = client.post(url + "?language=fr", {**data, "active": "on"})
    assert response.status_code == 302
    department = Department.objects.get()
    assert languages.staff_text(department, "name", "fr") == "Équipe des ventes"
    assert languages.staff_text(department, "name", "en") == "Sales"


class TestStaffApi:
    @pytest.fixture
    def api(self):
        client = APIClient()
        client.force_authenticate(UserFactory(is_staff=True, is_superuser=True))
        return client

    def test_texts_per_language_are_read_and_written(self, api, shop):
        url = "/chatgate/api/departments/sales/"
        assert api.get(url).json()["translations"] == {
            "en": {"name": "Sales"},
            "fr": {"name": "Ventes"},
        }
        changed = api.patch(url, {"translations": {"fr": {"name": "Commerce"}}}, format="json")
        assert changed.status_code == 200, changed.json()
        assert changed.json()["name"] == "Sales"
        assert changed.json()["translations"]["fr"] == {"name": "Commerce"}
        state = services.widget_state("shop", at=MONDAY_19, language="fr")
        assert state.departments[0].name == "Commerce"  # the snapshot was replaced

    def test_a_widget_is_created_with_texts_in_two_languages(self, api):
        body = {
            "slug": "w2",
            "name": "Second",
            "greeting": "Welcome",
            "translations": {"fr": {"greeting": "Bienvenue", "away_reply": "Absents."}},
        }
        created = api.post("/chatgate/api/widgets/", body, format="json")
        assert created.status_code == 201, created.json()
        widget = Widget.objects.get(slug="w2")
        assert languages.staff_text(widget, "greeting", "fr") == "Bienvenue"
        assert languages.staff_text(widget, "greeting", "en") == "Welcome"
        assert created.json()["away_reply"] == ""  # English: blank, the built-in reply

    @pytest.mark.parametrize(
        ("translations", "error"),
        [
            ({"xx": {"name": "X"}}, {"xx": ["'xx' is not a language of this site (en, fr)."]}),
            ({"fr": {"colour": "bleu"}}, {"fr": {"colour": ["Not a translated text of this object."]}}),
            ({"fr": {"name": "a\nb"}}, {"fr": {"name": ["Line breaks are not allowed in this field."]}}),
            ({"fr": "Ventes"}, {"fr": ["Expected an object: field name to text."]}),
            ({"fr": {"name": "x" * 101}}, {"fr": {"name": ["Ensure this field has no more than 100 characters."]}}),
        ],
    )  # fmt: skip
    def test_bad_translations_are_refused_naming_the_language_and_field(
        self, api, shop, translations, error
    ):
        answer = api.patch(
            "/chatgate/api/departments/sales/", {"translations": translations}, format="json"
        )
        assert answer.status_code == 400
        assert answer.json() == {"translations": error}


def test_a_language_added_to_the_site_needs_no_migration(tmp_path):
    """A site adds German to LANGUAGES: no migration is missing, German texts are served."""
    script = """
import django
django.setup()
from django.core.management import call_command
call_command("makemigrations", "chatgate", "--check", "--dry-run", verbosity=0)
call_command("migrate", verbosity=0)
from datetime import UTC, datetime
from chatgate import services
from chatgate.models import Widget
widget = Widget.objects.create(slug="w", name="W")
widget.set_current_language("de")
widget.greeting = "Guten Tag!"
widget.save()
state = services.widget_state("w", at=datetime(2026, 11, 23, 10, tzinfo=UTC), language="de")
print(state.language, state.texts["greeting"])
"""
    settings = tmp_path / "german_settings.py"
    settings.write_text(
        "from tests.settings import *\n"
        "LANGUAGES = [('en', 'English'), ('fr', 'Français'), ('de', 'Deutsch')]\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "german_settings",
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_URL": "locmemcache://german",
    }
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "de Guten Tag!"


def test_the_widget_config_carries_the_pages_language(shop, rf):
    from django.template import Context, Template
    from django.utils import translation

    request = rf.get("/")
    with translation.override("fr"):
        html = Template('{% load chatgate %}{% chatgate_widget "shop" %}').render(
            Context({"request": request})
        )
    config = json.loads(re.search(r'id="chatgate-config-shop"[^>]*>(.*?)</script>', html)[1])
    state = json.loads(re.search(r'id="chatgate-state-shop"[^>]*>(.*?)</script>', html)[1])
    assert config["language"] == "fr" and config["stateUrl"].endswith("?lang=fr")
    assert config["texts"]["backWeekday"] == "Nous serons de retour {day} à {time}."
    assert state["texts"]["greeting"] == "Bonjour !"
