# Two commands: `make run` (install, migrate, seed on first run, start web + worker)
# and `make test` (lint and the whole suite).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := statuspage
# The Procfile's commands (gunicorn, huey_consumer, flask) come from the virtualenv.
export PATH := $(abspath $(BIN)):$(PATH)
export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test lint install migrate seed clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

run: seed
	@echo "Status page: http://127.0.0.1:$(PORT)/   Console: http://127.0.0.1:$(PORT)/console"
	$(BIN)/honcho start --port $(PORT) web worker

lint: install
	$(BIN)/ruff check statuspage tests bench

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
