# Two commands: `make run` (install, migrate, seed on first run, start web + worker + sms)
# and `make test` (lint and the whole suite).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
CLIENT_VENV ?= .venv-statuspage-client
PORT ?= 5000
export FLASK_APP := statuspage
# The Procfile's commands (gunicorn, python -m statuspage.tasks.consumer, flask) come from the virtualenv.
export PATH := $(abspath $(BIN)):$(PATH)
export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test suite lint install install-dev lock migrate seed clean translations

# Installs come from the committed lock files (pinned versions with hashes, generated from
# pyproject.toml by `make lock`): requirements.lock is what running needs (`make run`),
# requirements-dev.lock adds the test tooling (`make test`). Both share one virtualenv; each has
# its own stamp, redone when its lock (or pyproject.toml) changes, and pip only adds or swaps
# pinned packages, so `make run` after `make test` keeps the dev tools.
install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

# The dev lock holds the runtime lock's pins (tests/test_dependencies.py), so installing it
# also brings the run install up to date: one pip run, and its stamp too.
$(VENV)/.installed-dev: requirements-dev.lock requirements.lock pyproject.toml $(CLIENT_VENV)/.installed | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $(VENV)/.installed-run $@

# Atlassian's own PyPI client for the Statuspage Manage API (atlassian-statuspage) pins
# requests 2.29 and urllib3 1.26, which cannot share our virtualenv: the tests run it from a
# virtualenv of its own (tests/clients/statuspage-client.lock, pinned with hashes; `make lock`
# refreshes it), against a live server (tests/test_api_v1_client.py).
$(CLIENT_VENV)/.installed: tests/clients/statuspage-client.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(CLIENT_VENV)
	$(CLIENT_VENV)/bin/pip install --quiet --require-hashes -r tests/clients/statuspage-client.lock
	@touch $@

# Refresh both locks after editing pyproject.toml's dependencies (tests/test_dependencies.py
# fails until then). The dev lock is resolved first; the runtime lock is constrained by it, so
# a package both install has the same version in each. UV_UPGRADE=1 moves every pin to the
# newest release the ranges allow (otherwise existing pins are kept where they still fit).
UV_VERSION := 0.13.9
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" --quiet $(if $(UV_UPGRADE),--upgrade)

lock: | $(BIN)/python
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(UV_COMPILE) --extra dev -o requirements-dev.lock
	$(UV_COMPILE) --constraint requirements-dev.lock -o requirements.lock
	$(BIN)/uv pip compile tests/clients/statuspage-client.in --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command "make lock" --quiet \
		-o tests/clients/statuspage-client.lock

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

run: seed
	@echo "Status page: http://127.0.0.1:$(PORT)/   Console: http://127.0.0.1:$(PORT)/console"
	$(BIN)/honcho start --port $(PORT) web worker sms

# ruff (style, imports, bugs), mypy (types of statuspage/, strict: see [tool.mypy] in
# pyproject.toml), import-linter (the layers and who may import huey: [tool.importlinter]) and
# scripts/check_imports.py (no imports inside functions, no cycle between packages).
lint: install-dev
	$(BIN)/ruff check statuspage tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/check_imports.py

# The suite runs on TEST_WORKERS processes (pytest-xdist): each has its own database (a SQLite
# file, or a PostgreSQL schema), queue and live site, so they never share state.
TEST_WORKERS ?= 2

test: lint suite

# The suite alone (CI's second pass: the code was linted by the first).
suite: install-dev
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --durations=25 $(PYTEST_ARGS)

# Languages (statuspage/core/i18n.py): extract the strings to translate, merge them into each
# catalog, compile the .mo files (committed, so `make run` needs no compile step). Translate
# the new entries in translations/<lang>/LC_MESSAGES/messages.po, then run it again (console
# entries may stay empty: the console is English); tests/test_i18n_messages.py fails while a
# public string is untranslated or a .mo is stale.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k N_ --add-location=file \
		--sort-output -w 100 --project statuspage -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -w 100 --ignore-obsolete \
		--no-fuzzy-matching
	$(BIN)/pybabel compile -d translations --statistics

clean:
	rm -rf $(VENV) $(CLIENT_VENV) instance .pytest_cache
