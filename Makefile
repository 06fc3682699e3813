# facturier: `make run` starts everything on the embedded default; `make test` passes the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST := $(BIN)/pytest
PG := $(BIN)/python -m facturier.testing.pgserver --

.PHONY: install system-deps run test test-sqlite test-postgres lint bench messages clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# Debian packages for the real servers the tests start (needs root; a no-op when present).
system-deps:
	bash scripts/install-system-deps.sh

run: install
	$(BIN)/facturier migrate --noinput
	$(BIN)/facturier demo-data --if-empty
	$(BIN)/facturier run-all

lint: install
	$(BIN)/ruff check facturier config bench

# The whole suite on SQLite, then on a throwaway PostgreSQL cluster.
test: install system-deps lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite:
	$(PYTEST)

test-postgres:
	$(PG) $(PYTEST)

bench: install system-deps
	$(BIN)/python -m bench

messages: install
	cd facturier && ../$(BIN)/facturier makemessages -l fr -l en --ignore=tests

clean:
	rm -rf $(VENV) var/*.sqlite3* var/media var/sandbox
