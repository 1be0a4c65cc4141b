# Two commands: `make run` (install, migrate, seed on first run, start web + worker + sms)
# and `make test` (lint and the whole suite).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := statuspage
# The Procfile's commands (gunicorn, python -m statuspage.consumer, flask) come from the virtualenv.
export PATH := $(abspath $(BIN)):$(PATH)
export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test lint install migrate seed clean translations

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
	$(BIN)/honcho start --port $(PORT) web worker sms

lint: install
	$(BIN)/ruff check statuspage tests bench

# The suite runs on TEST_WORKERS processes (pytest-xdist): each has its own database (a SQLite
# file, or a PostgreSQL schema), queue and live site, so they never share state.
TEST_WORKERS ?= 2

test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Languages (statuspage/i18n.py): extract the strings to translate, merge them into each
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
	rm -rf $(VENV) instance .pytest_cache
