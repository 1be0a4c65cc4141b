"""The committed Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from statuspage.core.extensions import db
from tests.conftest import PG_URL, make_app


def _assert_migrations_match_models(url: str) -> None:
    app = make_app(url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.session.remove()
        db.engine.dispose()
    assert diffs == [], f"models and migrations differ; run `flask db migrate`: {diffs}"


def test_migrations_match_models_on_sqlite(tmp_path: Path) -> None:
    _assert_migrations_match_models(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


@pytest.mark.skipif(not PG_URL.startswith("postgres"), reason="DATABASE_URL is not PostgreSQL")
def test_migrations_match_models_on_postgresql() -> None:
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"migr_{secrets.token_hex(5)}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        _assert_migrations_match_models(f"{url}?options=-csearch_path%3D{schema}")
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
