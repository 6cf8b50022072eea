# The two commands a newcomer needs: `make run` and `make test`.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

# xstatic-bootstrap ships only as a source package whose build imports
# pkg_resources, which setuptools 81 removed. Both variables are needed: older
# pips apply PIP_CONSTRAINT to build environments, newer ones read
# PIP_BUILD_CONSTRAINT instead.
export PIP_CONSTRAINT := $(CURDIR)/build-constraints.txt
export PIP_BUILD_CONSTRAINT := $(CURDIR)/build-constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help install install-dev run serve migrate demo test lint format worker beat clean

help:
	@echo "make run      install, migrate, load demo data and serve http://$(HOST):$(PORT)"
	@echo "make test     install dev tools, lint and run the whole test suite"
	@echo "make worker   start a Celery worker (needs REDIS_URL)"
	@echo "make beat     start Celery beat (needs REDIS_URL)"
	@echo "make format   format the code with ruff"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml build-constraints.txt | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml build-constraints.txt | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py init_demo_data

run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A helpdesk worker --loglevel=INFO

beat: install
	$(BIN)/celery -A helpdesk beat --loglevel=INFO --schedule=$(VENV)/celerybeat-schedule

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .test-db.sqlite3* .test-private
