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
    with override_settings(SILENCED_SYSTEM_CHECKS=[], USE_TZ=False, CACHES=LOCMEM, DEBUG=False):
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
