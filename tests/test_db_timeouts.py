"""Every database connection is time-bounded (statuspage/core/db_timeouts.py), on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from statuspage.core.config import ConfigError, load_config
from statuspage.core.db_timeouts import engine_options
from statuspage.core.extensions import db
from tests.conftest import make_app

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def test_postgres_connections_get_connect_statement_and_tcp_bounds() -> None:
    options = engine_options({
        "SQLALCHEMY_DATABASE_URI": f"{PG}?options=-csearch_path%3Dx",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "DATABASE_CONNECT_TIMEOUT_SECONDS": 3, "DATABASE_STATEMENT_TIMEOUT_SECONDS": 20})
    args = options["connect_args"]
    assert args["connect_timeout"] == 3
    # The URL's own server options are kept beside the statement timeout.
    assert args["options"] == "-csearch_path=x -c statement_timeout=20000"
    assert args["keepalives"] == 1 and args["tcp_user_timeout"] == 20000
    assert options["pool_timeout"] == 3 and options["pool_pre_ping"] is True


def test_sqlite_connections_wait_for_a_lock_as_long_as_a_statement_may_run() -> None:
    options = engine_options({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.sqlite3",
                              "DATABASE_STATEMENT_TIMEOUT_SECONDS": 7})
    assert options["connect_args"] == {"timeout": 7}


def test_the_settings_are_read_and_checked(tmp_path: Path) -> None:
    config = load_config({}, tmp_path)
    assert config["DATABASE_CONNECT_TIMEOUT_SECONDS"] == 5
    assert config["DATABASE_STATEMENT_TIMEOUT_SECONDS"] == 15
    assert config["DATABASE_CHECK_TIMEOUT_SECONDS"] == 2.0
    with pytest.raises(ConfigError, match="DATABASE_CONNECT_TIMEOUT_SECONDS"):
        load_config({"DATABASE_CONNECT_TIMEOUT_SECONDS": "0"}, tmp_path)


def test_the_app_database_applies_the_statement_timeout(database_url: str, _schema: None
                                                         ) -> None:
    app = make_app(database_url, DATABASE_STATEMENT_TIMEOUT_SECONDS=9)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert db.session.execute(text("SHOW statement_timeout")).scalar() == "9s"
            # The test schema (the URL's own options) still applies.
            assert db.session.execute(text("SHOW search_path")).scalar() != '"$user", public'
        else:
            assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 9000
        db.session.remove()
        db.engine.dispose()
