"""Test settings: the embedded default, or PostgreSQL + Redis from DATABASE_URL / CACHE_URL."""

import hashlib
import os
import tempfile
from pathlib import Path

import corsheaders.defaults
import django
import environ

env = environ.Env()

SECRET_KEY = "tests-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "parler",
    "drf_spectacular_sidecar",
    "django_tasks_db",  # a background task backend, for the tests that need one
    "corsheaders",
    "chatgate",
]
MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "tests.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": env.db("DATABASE_URL", default="sqlite://:memory:")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory: the live server's threads then each have a connection of their own
    # (an in-memory database shares one, and the console's concurrent requests broke it).
    # Named after this checkout and Django's version, so concurrent legs and clones never
    # share one; pytest-xdist adds each worker's suffix.
    _here = hashlib.sha256(str(Path(__file__).resolve().parent).encode()).hexdigest()[:8]
    _name = f"chatgate-tests-{_here}-django{django.VERSION[0]}{django.VERSION[1]}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / _name)}
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://chatgate-tests")}
# Under pytest-xdist each worker has a Redis database of its own: tests clear the cache.
XDIST_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
if XDIST_WORKER and CACHES["default"]["BACKEND"].endswith("RedisCache"):
    _base, _, _index = CACHES["default"]["LOCATION"].rpartition("/")
    CACHES["default"]["LOCATION"] = f"{_base}/{int(_index or 0) + XDIST_WORKER}"
# Presence must be shared by every process; tests state that the locmem default is deliberate.
# chatgate's tests that need a worker use CHATGATE_TASK_BACKEND = "background".
TASKS = {
    "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
    "background": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
if django.VERSION < (6, 0):
    TASKS["default"]["BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
# Tasks run immediately (emails after commit, in the request) unless a test says otherwise.
SILENCED_SYSTEM_CHECKS = ["chatgate.W001", "chatgate.W003"]
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Frontends on other origins, as the README's section sets them up; no origin is
# allowed until a test lists one (tests/test_cors.py).
CORS_ALLOWED_ORIGINS: list[str] = []
CORS_URLS_REGEX = (
    r"^/chatgate/api/(widgets/[-a-zA-Z0-9_]+/(state|tickets|conversations)|conversations)/"
)
CORS_ALLOW_HEADERS = [*corsheaders.defaults.default_headers, "if-none-match"]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]

# Django 6.0+ has Content-Security-Policy support: installed here with an empty
# policy (no header); the CSP browser test sets SECURE_CSP, read per response.
if django.VERSION >= (6, 0):
    MIDDLEWARE.append("django.middleware.csp.ContentSecurityPolicyMiddleware")
    TEMPLATES[0]["OPTIONS"]["context_processors"].append("django.template.context_processors.csp")
    SECURE_CSP = {}
