"""The demo's settings as `make bench` serves them: DEBUG off, PostgreSQL + Redis from the
environment, no ticket throttle (one client sends them all), a bare view beside chatgate's."""

from project.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "benchmarks.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
CACHES["default"]["BACKEND"] = "chatgate.cache_backends.RedisCache"  # noqa: F405 -- see README
CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}  # noqa: F405
# Sessions read from Redis, not a table: what a site whose agents send heartbeats runs.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CHATGATE_TICKET_RATE = None
CHATGATE_PRESENCE_TIMEOUT = 3600  # the generated agents stay online for the whole run
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
