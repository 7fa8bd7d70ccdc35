# chatgate: `make run` serves the demo, `make test` runs every test.
# Both set everything up on a fresh clone; nothing is installed by hand.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Python 3.12 (Django 6.1) when the machine has it, else python3 (Django 5.2 LTS).
PYTHON ?= $(shell for p in python3.12 /root/.pyenv/versions/3.12.1/bin/python3.12; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1 && { echo $$p; exit; }; \
	done; echo python3)
# Python 3.11, for the Django 5.2 LTS leg.
PYTHON311 ?= $(shell for p in python3.11 /root/.pyenv/versions/3.11.7/bin/python3; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 11)' >/dev/null 2>&1 && { echo $$p; exit; }; \
	done)
COMPAT := .venv-compat
PG_URL ?= postgres://postgres@127.0.0.1:5432/chatgate?conn_max_age=60
REDIS_URL ?= redis://127.0.0.1:6379/1
# Tests run in parallel processes (pytest-xdist); the PostgreSQL leg waits on the
# database more than on the CPU, so it takes one more. `make test WORKERS=0` runs serially.
WORKERS ?= 2
PG_WORKERS ?= $(if $(filter 0,$(WORKERS)),0,$(shell echo $$(($(WORKERS) + 1))))
# `make run PORT=8001` serves the demo on another port.
PORT ?= 8000

.PHONY: run test setup lint browser services compat compat-setup screenshots messages bench clean

$(VENV)/.installed: pyproject.toml requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
	$(PY) -m pip install --quiet -r requirements-test.txt -e . 2>&1 | grep -v "is ignored" || true
	$(PY) -c "import django, rest_framework, chatgate" && touch $@

setup: $(VENV)/.installed

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py chatgate_demo
	@# The task worker sends emails outside the requests, and chatgate_tick runs every minute
	@# (as cron would in production); both stop with the server.
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	while sleep 60; do $(PY) manage.py chatgate_tick >/dev/null; done & tick=$$!; \
	trap 'kill $$worker $$tick 2>/dev/null' EXIT; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) -m django makemigrations chatgate --check --dry-run
	$(PY) manage.py check --fail-level WARNING

browser:
	@bash .ci/ensure-chromium

services:
	@bash .ci/ensure-services

# Three legs, run at once by .ci/legs (they wait on browsers, databases and
# subprocesses more than on the two cores):
# Leg 1: the embedded default (SQLite + local-memory cache), browser tests included.
#        The fresh-host install test (marker "install", ~30 s) runs here only.
# Leg 2: PostgreSQL + Redis; required when CI=true, skipped with a reason elsewhere.
# Leg 3: Django 5.2 LTS on Python 3.11, the older pair chatgate supports.
# Tests that touch neither database nor cache (the pure engine, the wheel, the .po
# files, the script's weight) run in leg 1 only, the engine in leg 3 too (.ci/legs).
test:
	@# The two virtualenvs and Chromium are made at once (they wait on downloads).
	@$(MAKE) --no-print-directory -j3 setup browser compat-setup
	@$(MAKE) --no-print-directory lint
	@PY='$(PY)' COMPAT='$(if $(PYTHON311),$(COMPAT))' WORKERS='$(WORKERS)' \
	PG_WORKERS='$(PG_WORKERS)' PG_URL='$(PG_URL)' REDIS_URL='$(REDIS_URL)' bash .ci/legs

compat-setup:
	@if [ -z "$(PYTHON311)" ]; then echo "SKIPPED Django 5.2 leg: no Python 3.11 on this machine"; exit 0; fi; \
	[ -x $(COMPAT)/bin/python ] || $(PYTHON311) -m venv $(COMPAT); \
	$(COMPAT)/bin/python -m pip install --quiet -r requirements-test.txt -e . 2>&1 | grep -v "is ignored"; \
	$(COMPAT)/bin/python -c "import django; assert django.VERSION[:2] == (5, 2), django.VERSION" && \
	DJANGO_SETTINGS_MODULE=tests.settings $(COMPAT)/bin/python -m django makemigrations chatgate --check --dry-run

# Leg 3 alone.
compat: compat-setup
	@if [ -n "$(PYTHON311)" ]; then $(COMPAT)/bin/python -m pytest -q -n $(WORKERS) -m "not browser and not install"; fi

# Refresh the pictures in docs/ (the browser tests take them when asked).
screenshots: setup browser
	CHATGATE_SCREENSHOTS=1 $(PY) -m pytest -q -m browser

messages: setup
	cd chatgate && ../$(PY) ../manage.py makemessages -l fr --no-location --no-wrap && ../$(PY) ../manage.py compilemessages -l fr
	@# The demo shop's own texts (project/locale).
	$(PY) manage.py makemessages -l fr --no-location --no-wrap --ignore=chatgate --ignore=.venv --ignore=.venv-compat --ignore=tests --ignore=build --ignore=benchmarks
	cd project && ../$(PY) ../manage.py compilemessages -l fr

# The demo under gunicorn on PostgreSQL + Redis, driven by wrk; writes benchmarks/REPORT.md.
# Its own database (chatgate_bench, dropped and made again) and Redis index 5.
bench: setup services
	$(PY) benchmarks/run.py
	$(PY) benchmarks/state.py

clean:
	rm -rf $(VENV) $(COMPAT) build dist *.egg-info db.sqlite3
