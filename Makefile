# Two commands: `make demo` and `make test`. Both set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: install demo test lint ui clean docs screenshots

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
	$(BIN)/python -m dagster_project.ui

docs: install
	$(BIN)/dbt docs generate --profiles-dir dbt --project-dir .

clean:
	rm -rf data target logs .pytest_cache

# Headless-Chromium screenshots of the demo's reports (not part of `make test`): the
# month before today and its quarter by default; MONTH=YYYY-MM QUARTER=YYYY-QN to choose;
# then of the Dagster UI's asset graph, Automation page, daily report asset and job runs.
SCREENSHOT_MONTH ?= $(or $(MONTH),$(shell date -u -d "$$(date -u +%Y-%m-01) -1 day" +%Y-%m))
SCREENSHOT_QUARTER ?= $(or $(QUARTER),$(shell m=$$(date -u -d "$$(date -u +%Y-%m-01) -1 day" +%Y-%m); \
	echo "$${m%-*}-Q$$(( (10#$${m#*-} + 2) / 3 ))"))
REPORTS := $(abspath $(or $(REPORTS_DIR),data/reports))
CHROMIUM_FLAGS := --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--window-size=1280,2000

screenshots: install
	command -v chromium >/dev/null 2>&1 || { apt-get update && apt-get install -y chromium; }
	[ -f "$${WAREHOUSE_PATH:-data/warehouse.duckdb}" ] || $(BIN)/billing demo
	$(BIN)/billing report --month $(SCREENSHOT_MONTH)
	$(BIN)/billing report --quarter $(SCREENSHOT_QUARTER)
	mkdir -p $(REPORTS)/screenshots
	set -e; shoot() { [ -f "$$1" ] || { echo "no $$1"; return 1; }; \
	  profile=$$(mktemp -d); \
	  chromium $(CHROMIUM_FLAGS) --user-data-dir=$$profile --screenshot=$(REPORTS)/screenshots/$$2.png \
	    "file://$$1" 2>/dev/null; rm -rf $$profile; echo "$(REPORTS)/screenshots/$$2.png"; }; \
	q=$(REPORTS)/executive/$(SCREENSHOT_QUARTER); m=$(REPORTS)/monthly/$(SCREENSHOT_MONTH); \
	shoot $$q/platform.html executive-$(SCREENSHOT_QUARTER)-platform; \
	ws=$$(ls $$q/workspaces/*.html | head -1); shoot $$ws executive-$(SCREENSHOT_QUARTER)-$$(basename $$ws .html); \
	ws=$$(ls $$m/*.html | head -1); shoot $$ws monthly-$(SCREENSHOT_MONTH)-$$(basename $$ws .html); \
	inv=$$(ls $(REPORTS)/invoices/$(SCREENSHOT_MONTH)/*.html 2>/dev/null | head -1); \
	if [ -n "$$inv" ]; then shoot $$inv invoice-$$(basename $$inv .html); fi
	# the Dagster UI over the same warehouse: asset graph, Automation, daily report, job runs
	$(BIN)/python -m dagster_project.screenshots
