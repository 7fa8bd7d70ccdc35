"""System checks. Ids: chatgate.E### for errors, chatgate.W### for warnings."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Warning, register
from django.urls import NoReverseMatch, reverse

from . import store
from .conf import app_settings, cache

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register()
def check_time_zone_support(app_configs=None, **kwargs):
    if settings.USE_TZ:
        return []
    return [
        Error(
            "USE_TZ is off: chatgate compares aware instants across time zones.",
            hint="Set USE_TZ = True in your settings.",
            id="chatgate.E001",
        )
    ]


@register()
def check_shared_cache(app_configs=None, **kwargs):
    alias = app_settings.CACHE
    if alias not in settings.CACHES:
        return [
            Error(
                f"CHATGATE_CACHE names the cache {alias!r}, which CACHES does not define.",
                hint="Add that alias to CACHES or set CHATGATE_CACHE to an existing one.",
                id="chatgate.E002",
            )
        ]
    backend = settings.CACHES[alias].get("BACKEND", "")
    if settings.DEBUG or backend not in PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            f"The cache {alias!r} ({backend.rsplit('.', 1)[-1]}) is private to each process: "
            "agents' presence set in one web process is not seen by the others.",
            hint="Use a shared cache such as Redis (django.core.cache.backends.redis.RedisCache).",
            id="chatgate.W001",
        )
    ]


@register()
def check_urls_included(app_configs=None, **kwargs):
    try:
        reverse("chatgate:widget-state", kwargs={"slug": "check"})
    except NoReverseMatch:
        return [
            Warning(
                "chatgate's URLs are not included: the widget cannot reach its API.",
                hint='Add path("chatgate/", include("chatgate.urls")) to your URLconf.',
                id="chatgate.W002",
            )
        ]
    return []


IN_REQUEST_TASK_BACKENDS = (
    "django.tasks.backends.immediate.ImmediateBackend",
    "django_tasks.backends.immediate.ImmediateBackend",
)


@register()
def check_task_backend(app_configs=None, **kwargs):
    from . import tasks

    if tasks.task is None:
        return [
            Error(
                "Django's tasks framework is missing: chatgate sends notifications as tasks.",
                hint="On Django 5.2, pip install django-tasks (the backport of django.tasks).",
                id="chatgate.E003",
            )
        ]
    tasks_setting = getattr(settings, "TASKS", {}) or {}
    alias = app_settings.TASK_BACKEND
    if tasks_setting and alias not in tasks_setting:
        return [
            Error(
                f"CHATGATE_TASK_BACKEND names the task backend {alias!r}, which TASKS does not define.",
                hint="Add that alias to TASKS or set CHATGATE_TASK_BACKEND to an existing one.",
                id="chatgate.E004",
            )
        ]
    backend = tasks_setting.get(alias, {}).get("BACKEND", IN_REQUEST_TASK_BACKENDS[0])
    if settings.DEBUG or backend not in IN_REQUEST_TASK_BACKENDS:
        return []
    return [
        Warning(
            f"The task backend {alias!r} runs tasks immediately: ticket emails are sent inside the "
            "visitor's request, which a slow mail server holds up.",
            hint="Use a background backend in TASKS (e.g. django-tasks-db's DatabaseBackend) "
            "and run its worker; chatgate_send_notifications in cron is the safety net.",
            id="chatgate.W003",
        )
    ]


@register()
def check_api_docs_assets(app_configs=None, **kwargs):
    if apps.is_installed("drf_spectacular_sidecar"):
        return []
    return [
        Warning(
            "drf_spectacular_sidecar is not in INSTALLED_APPS: the API documentation page "
            "(api/docs/) cannot find Swagger UI's static files.",
            hint='Add "drf_spectacular_sidecar" to INSTALLED_APPS (it is installed with chatgate).',
            id="chatgate.W004",
        )
    ]


@register()
def check_num_proxies(app_configs=None, **kwargs):
    proxies = app_settings.NUM_PROXIES
    if proxies is None or (type(proxies) is int and proxies >= 0):
        return []
    return [
        Error(
            f"CHATGATE_NUM_PROXIES is {proxies!r}: it must be a whole number of proxies or None.",
            hint="Set it to how many proxies in front of Django append to X-Forwarded-For "
            "(0 when visitors reach Django directly).",
            id="chatgate.E005",
        )
    ]


@register()
def check_forwarded_for(app_configs=None, **kwargs):
    """A proxy is likely (the settings say so, or a request carried X-Forwarded-For) and
    ``CHATGATE_NUM_PROXIES`` is unset: every visitor may share the proxy's quota."""
    if app_settings.NUM_PROXIES is not None:
        return []
    proxied = settings.SECURE_PROXY_SSL_HEADER or settings.USE_X_FORWARDED_HOST
    if not proxied and not _forwarded_header_seen():
        return []
    return [
        Warning(
            "Requests come through a proxy (X-Forwarded-For) and CHATGATE_NUM_PROXIES is unset: "
            "visitors are throttled by REMOTE_ADDR, which may be the proxy's address for all of them.",
            hint="Set CHATGATE_NUM_PROXIES to the number of proxies in front of Django "
            "(0 if none): chatgate never believes X-Forwarded-For otherwise.",
            id="chatgate.W005",
        )
    ]


def _forwarded_header_seen() -> bool:
    """What the throttle recorded in the shared cache; False when the cache cannot say."""
    from .api.throttles import UNTRUSTED_FORWARDED_KEY

    if app_settings.CACHE not in settings.CACHES:
        return False  # chatgate.E002
    return bool(store.call(cache().get, UNTRUSTED_FORWARDED_KEY))  # unreachable: not seen


@register()
def check_parler_installed(app_configs=None, **kwargs):
    if apps.is_installed("parler"):
        return []
    return [
        Error(
            "parler is not in INSTALLED_APPS: the admin's pages for widgets, departments and "
            "forms (one tab per language) need its templates.",
            hint='Add "parler" to INSTALLED_APPS (django-parler is installed with chatgate).',
            id="chatgate.E006",
        )
    ]
