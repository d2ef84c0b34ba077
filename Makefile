# YouSync: the README's commands. `make run` serves the demo, `make test` runs everything.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
NODEPS := $(wildcard requirements-nodeps.txt)

.PHONY: run test lint format bench bench-api loadtest worker migrate clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "YouSync needs Python 3.11 (torch 2.13 CPU wheel); set PYTHON=/path/to/python3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel

# Reinstall only when a requirements file changed.
$(VENV)/.installed: requirements.txt $(NODEPS) | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	$(if $(NODEPS),$(BIN)/pip install -q --no-deps -r $(NODEPS))
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@

run: $(VENV)/.installed
	@bash ops/run.sh

test: $(VENV)/.installed-dev
	@bash ops/test.sh

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/mypy  # django-stubs imports the settings: DEBUG=1 spares a SECRET_KEY

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.installed-dev
	@bash ops/bench.sh

bench-api: $(VENV)/.installed-dev
	@BENCH=api bash ops/bench.sh

# Load and faults (not part of `make test`): 200 learners for 3 minutes in service mode
# while a worker is killed, Redis restarts and S3 stops; options in ARGS (bench/loadtest.py).
loadtest: $(VENV)/.installed-dev
	@bash ops/loadtest.sh $(ARGS)

# Service mode's workers: one group for scoring (`default`), one for reels, scene imports
# and retention (`media`), as compose's worker and media-worker (ops/worker.sh).
worker: $(VENV)/.installed
	@bash ops/worker.sh

clean:
	rm -rf $(VENV) var/test staticfiles .pytest_cache .ruff_cache
