# Developer and CI entry points. `make run` starts a demo service; `make test` runs the suite.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

VENV ?= .venv
PYTHON ?= python3.11
PY := $(VENV)/bin/python
VITALX := $(VENV)/bin/vitalx
PYTEST := $(PY) -m pytest
# The server the PostgreSQL suite and migration check create their databases on.
PGHOST ?= 127.0.0.1
PGPORT ?= 5432
PGUSER ?= postgres
PG_SERVER_URL ?= postgresql+psycopg://$(PGUSER)@$(PGHOST):$(PGPORT)/test
PYTEST_ARGS ?=

.PHONY: venv run test test-pg test-browser lint check-migrations bench

venv: $(VENV)/.installed

# Reinstall when the dependencies change; the stamp saves a pip run on every target.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[test]'
	touch $@

run: venv
	$(VITALX) migrate
	$(VITALX) demo --if-empty
	$(VITALX) serve

test: venv
	$(PYTEST) -n auto -m "not browser" $(PYTEST_ARGS)

test-pg: venv
	VITALX_TEST_DATABASE=postgresql VITALX_TEST_PG_URL='$(PG_SERVER_URL)' \
		$(PYTEST) -n auto -m "not browser" $(PYTEST_ARGS)

test-browser: venv
	$(PY) -m pip install -q -e '.[test,browser]'
	$(PYTEST) -m browser $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy api

# `alembic check` fails when the models hold a change that no migration makes.
check-migrations: venv
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	export VITALX_DATABASE_URL="sqlite:///$$tmp/check.db"; \
	$(VENV)/bin/alembic upgrade head >/dev/null && $(VENV)/bin/alembic check
	db=vitalx_check_$$RANDOM$$RANDOM; \
	createdb -h $(PGHOST) -p $(PGPORT) -U $(PGUSER) "$$db"; \
	trap 'dropdb --force -h $(PGHOST) -p $(PGPORT) -U $(PGUSER) "$$db"' EXIT; \
	export VITALX_DATABASE_URL="postgresql+psycopg://$(PGUSER)@$(PGHOST):$(PGPORT)/$$db"; \
	$(VENV)/bin/alembic upgrade head >/dev/null && $(VENV)/bin/alembic check

# One benchmark module of bench/: `make bench BENCH=import_births BENCH_ARGS="--rows 20000"`.
BENCH ?= import_births
BENCH_ARGS ?=
bench: venv
	$(PY) -m pip install -q -e '.[test,bench]'
	$(PY) -m bench.$(BENCH) $(BENCH_ARGS)
