# mapapp — developer commands. `make help` lists them.
#
# Everything runs from a virtualenv in .venv that the targets create on first use.
# `make demo` and `make run` use the embedded default (SQLite, in-process tasks, console
# e-mail) and therefore run with DATABASE_URL and REDIS_URL removed from their environment,
# whatever the calling shell has set. `make test` and `make bench` use mapapp.test_settings:
# real PostgreSQL and Redis on 127.0.0.1 unless DATABASE_URL / REDIS_URL say otherwise.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON_BOOTSTRAP ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip
STAMP   := $(VENV)/.installed
EMBEDDED := env -u DATABASE_URL -u REDIS_URL
HOST    ?= 127.0.0.1
PORT    ?= 8000
PYTEST_ARGS ?=

.PHONY: help install demo run migrate seed test services browser worker beat bench lint clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

$(PY):
	@echo "==> creating virtualenv in $(VENV) with $$($(PYTHON_BOOTSTRAP) --version)"
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)

# Reinstall only when pyproject.toml changed (or the venv is new).
$(STAMP): pyproject.toml | $(PY)
	@echo "==> installing mapapp and its test dependencies into $(VENV)"
	$(PIP) install --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(STAMP) ## create .venv and install the project (only when pyproject.toml changed)

migrate: $(STAMP) ## apply migrations to the embedded SQLite database
	$(EMBEDDED) $(PY) manage.py migrate --noinput

seed: migrate ## load the demo organization and accounts (embedded default)
	$(EMBEDDED) $(PY) manage.py seed_demo

demo: seed ## set up everything and serve the demo on http://127.0.0.1:8000
	@echo "==> serving on http://$(HOST):$(PORT)/ (Ctrl-C stops)"
	$(EMBEDDED) $(PY) manage.py runserver $(HOST):$(PORT)

run: migrate ## serve on http://127.0.0.1:8000 without seeding
	$(EMBEDDED) $(PY) manage.py runserver $(HOST):$(PORT)

browser: ## install Debian's Chromium for the browser tests (root only; never downloads a browser build)
	@if [ -x /usr/bin/chromium ]; then \
	  echo "==> browser: /usr/bin/chromium is present"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "==> browser: installing Debian chromium and fonts"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core fonts-noto-cjk \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; \
	else \
	  echo "==> browser: /usr/bin/chromium is missing and this is not root, so it cannot be installed here."; \
	  echo "    The browser tests (tests/e2e) will be SKIPPED. To run them:"; \
	  echo "    sudo apt-get install -y chromium fonts-dejavu-core fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"; \
	fi

services: $(STAMP) ## check that PostgreSQL and Redis answer (as the tests will reach them)
	$(PY) scripts/check_services.py

test: $(STAMP) browser services ## run the whole suite against PostgreSQL and Redis (PYTEST_ARGS=... to pass options)
	$(PY) -m pytest $(PYTEST_ARGS)

worker: $(STAMP) ## Celery worker (needs REDIS_URL, and DATABASE_URL for Postgres)
	$(VENV)/bin/celery -A mapapp worker -l info -Q celery,pdf

beat: $(STAMP) ## Celery beat: run exactly one
	$(VENV)/bin/celery -A mapapp beat -l info

bench: $(STAMP) ## run every bench/*.py against PostgreSQL with the test settings
	$(PY) scripts/check_services.py --create-db
	@shopt -s nullglob; files=(bench/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "==> bench: no bench/*.py yet"; exit 0; fi; \
	for f in "$${files[@]}"; do \
	  case "$$f" in bench/harness.py|bench/_*) continue;; esac; \
	  echo "==> bench: $$f"; \
	  DJANGO_SETTINGS_MODULE=mapapp.test_settings PYTHONPATH=. $(PY) "$$f"; \
	done

lint: $(STAMP) ## ruff (installed into .venv on first use)
	@$(VENV)/bin/ruff --version >/dev/null 2>&1 || $(PIP) install --disable-pip-version-check ruff
	$(VENV)/bin/ruff check .

clean: ## remove the virtualenv and collected static files (keeps db.sqlite3)
	rm -rf $(VENV) staticfiles .pytest_cache
