# Cocreate — two commands do everything: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n auto

.DEFAULT_GOAL := help
.PHONY: help install install-dev messages run test test-fast lint browser bench worker clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.runtime node_modules/.installed messages  ## virtualenv, pinned packages, npm packages, translations

install-dev: $(VENV)/.dev node_modules/.installed messages

messages: | $(BIN)/python  ## compile the translation catalogues (.po → .mo)
	@$(BIN)/python -c "import babel" 2>/dev/null || $(BIN)/pip install -q -r requirements.txt
	$(BIN)/pybabel compile -d locale -D django

run: install  ## migrate, load the demo county and serve on http://127.0.0.1:8000
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) runserver $(HOST):$(PORT)

browser:  ## Chromium for the browser journeys (Debian package; never a downloaded browser)
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk; \
	  else echo "Chromium is missing: run 'sudo apt-get install -y chromium fonts-noto-cjk'" >&2; exit 1; fi; fi

test: install-dev browser  ## the whole suite (SQLite, or PostgreSQL when DATABASE_URL is set)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install-dev  ## the suite without the browser journeys
	$(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

lint: install-dev  ## ruff and migration drift
	$(BIN)/ruff check .
	$(MANAGE) makemigrations --check --dry-run

bench: install-dev  ## county-scale benchmark on PostgreSQL (see README)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) node_modules staticfiles
