# The two commands a newcomer needs: `make run` and `make test`.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails point at the address `make run` serves, unless SITE_URL is
# set (in the environment or in .env: the settings prefer it).
RUN_SITE_URL = http://$(HOST):$(PORT)

# xstatic-bootstrap ships only as a source package whose build imports
# pkg_resources, which setuptools 81 removed. Both variables are needed: older
# pips apply PIP_CONSTRAINT to build environments, newer ones read
# PIP_BUILD_CONSTRAINT instead.
export PIP_CONSTRAINT := $(CURDIR)/build-constraints.txt
export PIP_BUILD_CONSTRAINT := $(CURDIR)/build-constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help install install-dev install-semantic lock run serve migrate demo test lint format worker beat mongo-server clean

help:
	@echo "make run      install, migrate, load demo data; serve http://$(HOST):$(PORT) with a Celery worker and beat"
	@echo "make test     install dev tools, lint and run the whole test suite"
	@echo "make install-semantic  add the optional semantic search extra (torch's CPU build first)"
	@echo "make worker   start only a Celery worker"
	@echo "make beat     start only Celery beat"
	@echo "make format   format the code with ruff"
	@echo "make lock     pin the image's dependencies, with hashes, in requirements.txt"
	@echo "make mongo-server  a MongoDB test server on 127.0.0.1:27017 (tests and demos only)"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml build-constraints.txt | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml build-constraints.txt | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

# The optional semantic search extra (README, "Semantic search (optional)").
# torch's CPU build goes in first: left to resolve the extra on its own, pip
# would fetch the multi-gigabyte CUDA build. This machine's pip finds the CPU
# wheel of TORCH_VERSION locally.
TORCH_VERSION ?= 2.13.0
$(VENV)/.installed-semantic: pyproject.toml build-constraints.txt | $(VENV)/.installed
	$(PY) -m pip install --quiet "torch==$(TORCH_VERSION)"
	$(PY) -m pip install --quiet -e ".[semantic]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-semantic: $(VENV)/.installed-semantic

# requirements.txt: what the container image installs (Dockerfile), every
# package pinned with its hashes for any platform and Python 3.11.x. uv keeps
# the environment markers (async-timeout, which redis needs before Python
# 3.11.3); run it after changing the dependencies in pyproject.toml.
lock: | $(PY)
	$(PY) -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
		--generate-hashes --build-constraints build-constraints.txt \
		--custom-compile-command "make lock" -o requirements.txt

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py init_demo_data

# Web server, Celery worker and beat side by side (Procfile), their logs
# interleaved and prefixed; one Ctrl-C stops all three. honcho is told to read
# no .env file (-e /dev/null): the settings read .env themselves, and values in
# the environment win over it there. honcho gives each process its own PORT,
# so the web server's address travels as HOST and RUN_SITE_URL.
run: demo
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST="$(HOST)" RUN_SITE_URL="$(RUN_SITE_URL)" \
		$(BIN)/honcho start -e /dev/null -f Procfile -p $(PORT)

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py check
	$(PY) -m helpdesk.devtools.check_migrations
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
	$(BIN)/celery -A helpdesk beat --loglevel=INFO

# A MongoDB test server (SecantusDB, patched; a dev dependency) for trying the
# MongoDB profile: DATABASE_URL=mongodb://127.0.0.1:27017/helpdesk make run in
# another terminal. Its data stays in var/mongodb. Not for production, which
# runs a real MongoDB replica set (see the README).
mongo-server: install-dev
	mkdir -p var/mongodb
	$(PY) -m helpdesk.devtools.mongo_test_server --host 127.0.0.1 --port 27017 \
		--storage-path var/mongodb

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .test-db.sqlite3* .test-private .test-broker
