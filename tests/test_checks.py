from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.test import override_settings

pytestmark = pytest.mark.django_db

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}
}


def ids(**settings) -> set[str]:
    with override_settings(SILENCED_SYSTEM_CHECKS=[], **settings):
        return {message.id for message in run_checks() if message.id.startswith("chatgate.")}


def test_use_tz_off_is_an_error():
    assert "chatgate.E001" in ids(USE_TZ=False)
    assert "chatgate.E001" not in ids(USE_TZ=True)


@pytest.mark.parametrize(
    ("debug", "caches", "warned"),
    [(False, LOCMEM, True), (True, LOCMEM, False), (False, REDIS, False)],
)
def test_per_process_cache_in_production_is_a_warning(debug, caches, warned):
    assert ("chatgate.W001" in ids(DEBUG=debug, CACHES=caches)) is warned


def test_unknown_cache_alias_is_an_error():
    assert "chatgate.E002" in ids(CHATGATE_CACHE="presence")


def test_missing_urls_is_a_warning():
    assert "chatgate.W002" in ids(ROOT_URLCONF="tests.urls_without_chatgate")
    assert "chatgate.W002" not in ids()


def test_every_message_has_a_hint():
    proxied = {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https")}
    with override_settings(
        SILENCED_SYSTEM_CHECKS=[], USE_TZ=False, CACHES=LOCMEM, DEBUG=False, **proxied
    ):
        messages = [m for m in run_checks() if m.id.startswith("chatgate.")]
    assert messages and all(m.hint for m in messages)
    assert all(m.id[9] == ("E" if m.is_serious() else "W") for m in messages)


IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.parametrize(
    ("debug", "tasks", "warned"),
    [(False, IMMEDIATE, True), (True, IMMEDIATE, False), (False, DATABASE_QUEUE, False)],
)
def test_emails_sent_inside_the_request_in_production_is_a_warning(debug, tasks, warned):
    assert ("chatgate.W003" in ids(DEBUG=debug, TASKS=tasks)) is warned


def test_unknown_task_backend_alias_is_an_error():
    assert "chatgate.E004" in ids(CHATGATE_TASK_BACKEND="mail")


def test_a_missing_tasks_framework_is_an_error(monkeypatch):
    from chatgate import tasks

    monkeypatch.setattr(tasks, "task", None)
    assert "chatgate.E003" in ids()


def test_api_docs_without_the_sidecar_app_is_a_warning(settings):
    assert "chatgate.W004" not in ids()
    apps = [app for app in settings.INSTALLED_APPS if app != "drf_spectacular_sidecar"]
    assert "chatgate.W004" in ids(INSTALLED_APPS=apps)


def test_a_proxy_in_the_settings_without_num_proxies_is_a_warning():
    proxied = {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https")}
    assert "chatgate.W005" in ids(**proxied)
    assert "chatgate.W005" in ids(USE_X_FORWARDED_HOST=True)
    assert "chatgate.W005" not in ids(**proxied, CHATGATE_NUM_PROXIES=1)
    assert "chatgate.W005" not in ids()


def test_a_request_seen_with_x_forwarded_for_and_no_num_proxies_is_a_warning(caplog):
    from rest_framework.test import APIRequestFactory

    from chatgate.api.throttles import client_ident

    factory = APIRequestFactory()
    assert client_ident(factory.post("/", REMOTE_ADDR="192.0.2.1")) == "192.0.2.1"
    assert "chatgate.W005" not in ids()
    forwarded = factory.post("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert client_ident(forwarded) == "192.0.2.1"  # not believed
    assert "chatgate.W005" in ids()
    assert "chatgate.W005" not in ids(CHATGATE_NUM_PROXIES=0)  # the site says: no proxy
    assert "X-Forwarded-For but CHATGATE_NUM_PROXIES is unset" in caplog.text
    client_ident(forwarded)
    assert caplog.text.count("CHATGATE_NUM_PROXIES is unset") == 1  # logged once, not per request


@pytest.mark.parametrize("value", [-1, "2", 1.5, True])
def test_num_proxies_must_be_a_whole_number(value):
    assert "chatgate.E005" in ids(CHATGATE_NUM_PROXIES=value)
    assert "chatgate.E005" not in ids(CHATGATE_NUM_PROXIES=2)


def test_texts_per_language_need_parler_installed(settings):
    assert "chatgate.E006" not in ids()
    apps = [app for app in settings.INSTALLED_APPS if app != "parler"]
    assert "chatgate.E006" in ids(INSTALLED_APPS=apps)
