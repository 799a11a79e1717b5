# Developer tasks. `make run` is all you need to try Recouvra locally.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgres://recouvra:recouvra@127.0.0.1:5432/recouvra
PYTEST_ARGS ?=
LINT_PATHS := $(wildcard src tests bench)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.NOTPARALLEL:
.PHONY: run install test test-sqlite test-postgres test-compiled compile clean-compiled lint format bench e2e-deps

# Migrate, load demo data if the database is empty, run web server + worker.
run: install
	$(BIN)/recouvra run

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

# Lint, then the whole suite on SQLite, then on PostgreSQL, then the engine compiled.
test: lint test-sqlite test-postgres test-compiled

test-sqlite: install
	env -u DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install
	PG_TEST_URL='$(PG_TEST_URL)' scripts/ensure-postgres
	DATABASE_URL='$(PG_TEST_URL)' $(BIN)/python -m pytest $(PYTEST_ARGS)

# The lettrage engine and the law's allocation compiled with mypyc (C extensions beside
# their sources, see src/recouvra/compiled.py): for production and benchmarks.
compile: install
	$(BIN)/python -m recouvra.compiled build

clean-compiled:
	$(BIN)/python -m recouvra.compiled clean

# The engine's and the law's tests again, on the compiled modules.
test-compiled: install
	$(BIN)/python -m recouvra.compiled build
	env -u DATABASE_URL RECOUVRA_EXPECT_COMPILED=1 $(BIN)/python -m pytest tests/imports tests/lettrage tests/law tests/core/test_compiled.py $(PYTEST_ARGS); \
	status=$$?; $(BIN)/python -m recouvra.compiled clean; exit $$status

# Ruff, then the imports between apps (import-linter, contracts in pyproject.toml), then the
# types of the pure packages (mypy, files in pyproject.toml).
lint: install
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix $(LINT_PATHS)
	$(BIN)/ruff format $(LINT_PATHS)

# Run every bench/*.py script with the project's Python.
bench: install
	@shopt -s nullglob; scripts=(bench/*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "bench: no bench/*.py scripts"; exit 0; fi; \
	for script in "$${scripts[@]}"; do \
		echo "== $$script"; \
		DJANGO_SETTINGS_MODULE=recouvra.settings $(BIN)/python "$$script" || exit 1; \
	done

# The e2e tests drive the system Chromium (/usr/bin/chromium) through Playwright.
e2e-deps:
	@if [ -x /usr/bin/chromium ]; then echo "e2e-deps: /usr/bin/chromium is installed"; \
	else $(SUDO) apt-get install -y chromium fonts-dejavu-core; fi
