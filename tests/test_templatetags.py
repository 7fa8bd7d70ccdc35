from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from chatgate.models import ScheduleException
from tests.factories import FormFactory, ScheduleFactory, WidgetFactory

pytestmark = pytest.mark.django_db
STATIC = Path(__file__).resolve().parent.parent / "chatgate" / "static" / "chatgate"
MONDAY_19 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def render(source: str, **context) -> str:
    return Template("{% load chatgate %}" + source).render(Context(context))


@pytest.fixture
def shop(frozen):
    frozen(MONDAY_19)
    schedule = ScheduleFactory(
        weekly={0: [("09:00", "17:00")], 4: [("22:00", "02:00")], 2: [("00:00", "00:00")]}
    )
    ScheduleException.objects.create(
        schedule=schedule, date=date(2026, 12, 25), label="Christmas", yearly=True
    )
    ScheduleException.objects.create(
        schedule=schedule, date=date(2026, 12, 24), ranges=[{"opens": "09:00", "closes": "12:00"}]
    )
    ScheduleException.objects.create(schedule=schedule, date=date(2026, 1, 1), label="Past")
    form = FormFactory(title="</script><script>alert(1)</script>")
    return WidgetFactory(slug="shop", schedule=schedule, offline_form=form)


def test_widget_tag_inlines_state_and_loads_one_deferred_script(shop):
    html = render(
        '{% chatgate_widget "shop" %}{% chatgate_widget "shop" %}',
        request=RequestFactory().get("/"),
    )
    assert html.count('<script defer src="/static/chatgate/chatgate.js"') == 1
    assert html.count('href="/static/chatgate/chatgate.css"') == 1
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    executable = [
        attrs for attrs, body in scripts if body.strip() and 'type="application/json"' not in attrs
    ]
    assert executable == []  # no inline executable JavaScript
    state = json.loads(
        re.search(r'id="chatgate-state-shop" type="application/json">(.*?)</script>', html).group(1)
    )
    assert state["show"] == "offline_form"
    assert "<script>alert(1)" not in html  # staff text is escaped inside the JSON
    config = json.loads(
        re.search(r'id="chatgate-config-shop" type="application/json">(.*?)</script>', html).group(
            1
        )
    )
    assert config["stateUrl"] == "/chatgate/api/widgets/shop/state/?lang=en"
    assert config["language"] == "en"
    assert config["ticketsUrl"] == "/chatgate/api/widgets/shop/tickets/"
    assert config["conversationsUrl"] == "/chatgate/api/widgets/shop/conversations/"
    assert config["messagesUrl"] == "/chatgate/api/conversations/{token}/messages/"
    assert config["closeUrl"] == "/chatgate/api/conversations/{token}/close/"
    assert config["chatScript"] == "/static/chatgate/chat.js"  # fetched by the script, later
    assert "chat.js" not in html.replace(config["chatScript"], "")
    assert config["ask"] == {"name": "optional", "email": "optional"}
    assert config["headless"] is False


def test_widget_config_carries_the_pre_chat_questions_and_follows_their_changes(shop):
    shop.ask_name, shop.ask_email = "off", "required"
    shop.save()
    assert widget_config(render('{% chatgate_widget "shop" %}'))["ask"] == {
        "name": "off",
        "email": "required",
    }
    shop.ask_name = "required"
    shop.save()  # the cached copy is replaced at once
    assert widget_config(render('{% chatgate_widget "shop" %}'))["ask"]["name"] == "required"


def test_headless_widget_draws_nothing_but_loads_the_state_and_the_script(shop):
    html = render('{% chatgate_widget "shop" headless=True %}')
    assert html.count('<script defer src="/static/chatgate/chatgate.js"') == 1
    assert "chatgate.css" not in html  # nothing to style
    assert "data-chatgate-headless" in html
    assert widget_config(html)["headless"] is True
    assert 'id="chatgate-state-shop"' in html


def widget_config(html: str) -> dict:
    found = re.search(r'id="chatgate-config-shop" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1))


def test_widget_tag_honours_a_csp_nonce(shop):
    html = render('{% chatgate_widget "shop" %}', csp_nonce="r4nd0m")
    assert '<script defer src="/static/chatgate/chatgate.js" nonce="r4nd0m">' in html
    request = RequestFactory().get("/")
    request.csp_nonce = "fr0m-request"
    assert 'nonce="fr0m-request"' in render('{% chatgate_widget "shop" %}', request=request)


def test_unknown_widget_renders_nothing(db, caplog):
    assert render('{% chatgate_widget "nope" %}').strip() == ""
    assert "no widget 'nope'" in caplog.text


def test_state_tag_for_server_side_decisions(shop):
    html = render('{% chatgate_state "shop" as s %}{{ s.show }}|{{ s.reason|chatgate_label }}')
    assert html == "offline_form|Outside opening hours"


def test_opening_hours_jsonld(shop):
    html = render('{% chatgate_opening_hours_jsonld "shop" %}')
    body = re.fullmatch(r'<script type="application/ld\+json">(.*)</script>', html, re.S).group(1)
    data = json.loads(body)
    specs = [{k: v for k, v in s.items() if k != "@type"} for s in data["hoursAvailable"]]
    assert data["@type"] == "ContactPoint"
    assert {"dayOfWeek": "https://schema.org/Monday", "opens": "09:00", "closes": "17:00"} in specs
    assert {"dayOfWeek": "https://schema.org/Friday", "opens": "22:00", "closes": "02:00"} in specs
    assert {
        "dayOfWeek": "https://schema.org/Wednesday",
        "opens": "00:00",
        "closes": "23:59",
    } in specs
    assert {
        "validFrom": "2026-12-25",
        "validThrough": "2026-12-25",
        "opens": "00:00",
        "closes": "00:00",
    } in specs
    assert {
        "validFrom": "2026-12-24",
        "validThrough": "2026-12-24",
        "opens": "09:00",
        "closes": "12:00",
    } in specs
    assert not any(
        s.get("validFrom") == "2026-01-01" for s in specs
    )  # past dated exceptions left out
    assert all(s["@type"] == "OpeningHoursSpecification" for s in data["hoursAvailable"])


def test_jsonld_without_schedule_renders_nothing(frozen):
    WidgetFactory(slug="anytime")
    assert render('{% chatgate_opening_hours_jsonld "anytime" %}') == ""


def test_script_and_stylesheet_fit_in_12_kb_gzipped():
    payload = (STATIC / "chatgate.js").read_bytes() + (STATIC / "chatgate.css").read_bytes()
    assert len(gzip.compress(payload, 9)) <= 12 * 1024


@pytest.mark.parametrize("script", ["chatgate.js", "chat.js"])
def test_script_never_inserts_html(script):
    source = (STATIC / script).read_text()
    assert (
        "innerHTML" not in source
        and "insertAdjacentHTML" not in source
        and "document.write" not in source
    )


def test_widget_tag_reads_djangos_lazy_nonce(shop):
    csp = pytest.importorskip("django.utils.csp")  # Django 6.0+
    nonce = csp.LazyNonce()
    assert not nonce  # unread: falsy
    html = render('{% chatgate_widget "shop" %}', csp_nonce=nonce)
    assert f'nonce="{nonce}"' in html and nonce  # read by the tag, so the header will carry it


@pytest.mark.parametrize("context_processor", [True, False], ids=["with", "without"])
def test_widget_tag_carries_the_nonce_of_djangos_csp_middleware(
    shop, client, settings, context_processor
):
    """Under ``django.middleware.csp``, with or without the ``csp`` context processor."""
    csp = pytest.importorskip("django.utils.csp")  # Django 6.0+
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE
    processors = [
        p
        for p in settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
        if context_processor or p != "django.template.context_processors.csp"
    ]
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {"context_processors": processors}}]
    settings.SECURE_CSP = {"script-src": [csp.CSP.SELF, csp.CSP.NONCE]}
    response = client.get("/page/shop/")
    header_nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert header_nonce, response.headers["Content-Security-Policy"]
    html = response.content.decode()
    assert f'src="/static/chatgate/chatgate.js" nonce="{header_nonce.group(1)}"' in html
