# Two commands: `make demo` and `make test`. Both set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: install demo test lint ui clean docs

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	# the pip that venv ships backtracks for minutes on this dependency set
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/dbt parse --quiet --profiles-dir dbt --project-dir .
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/billing demo

test: install
	$(BIN)/ruff check dagster_project tests bench
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check dagster_project tests bench

ui: install
	$(BIN)/python -c "from dagster_project.cli import ensure_dagster_home; ensure_dagster_home()"
	$(BIN)/dagster dev -m dagster_project.definitions -h 127.0.0.1 -p 3000

docs: install
	$(BIN)/dbt docs generate --profiles-dir dbt --project-dir .

clean:
	rm -rf data target logs .pytest_cache
