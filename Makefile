# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DISTS := pyproject.toml plugins/payments/allowance/pyproject.toml themes/default/pyproject.toml \
	plugins/notifications/email/pyproject.toml plugins/notifications/webhooks/pyproject.toml \
	plugins/payments/stripe/pyproject.toml plugins/payments/purchase_order/pyproject.toml \
	plugins/payments/paypal/pyproject.toml
export COMMISSARY_DATABASE_URL ?= sqlite:///var/commissary.sqlite

.PHONY: install run test test-postgres lint bench clean

$(STAMP): $(DISTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' -e plugins/payments/allowance -e themes/default \
		-e plugins/notifications/email -e plugins/notifications/webhooks \
		-e 'plugins/payments/stripe[test]' -e plugins/payments/purchase_order \
		-e plugins/payments/paypal
	touch $(STAMP)

install: $(STAMP)

## run: install everything into .venv, migrate, load the demo portal, serve on :8000
run: $(STAMP)
	$(BIN)/commissary db upgrade
	$(BIN)/commissary demo --skip-existing
	COMMISSARY_DEFAULT_TENANT=acme $(BIN)/commissary serve --host 127.0.0.1 --port 8000

## test: the whole suite on SQLite (set COMMISSARY_TEST_DATABASE_URL for PostgreSQL)
test: $(STAMP)
	$(BIN)/pytest -q -n 2

test-postgres: $(STAMP)
	COMMISSARY_TEST_DATABASE_URL=$${COMMISSARY_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} $(BIN)/pytest -q

PY_SOURCES := core plugins themes examples tests bench

lint: $(STAMP)
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/orders.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
