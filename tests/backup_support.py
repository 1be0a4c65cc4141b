"""Installs for the backup tests: an instance folder and an empty database of a given kind.

SQLite: a file in the install's instance folder. PostgreSQL (when DATABASE_URL is): a schema of
its own in the test database; a second install gets a new database holding a schema of the
same name (a PostgreSQL backup restores into the schema its tables came from).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine, make_url

from statuspage.core.extensions import db
from tests.conftest import PG_URL, make_app

PG_BASE = PG_URL.replace("postgres://", "postgresql://", 1).replace(
    "postgresql://", "postgresql+psycopg://", 1)


@dataclass
class Install:
    url: str
    instance: Path

    @contextmanager
    def app(self, **overrides: Any) -> Iterator[Flask]:
        """An app of this install (its own instance folder: its own secret key), in context."""
        before = os.environ.get("INSTANCE_PATH")
        os.environ["INSTANCE_PATH"] = str(self.instance)
        try:
            app = make_app(self.url, **overrides)
        finally:
            if before is None:
                os.environ.pop("INSTANCE_PATH", None)
            else:
                os.environ["INSTANCE_PATH"] = before
        with app.app_context():
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()

    def engine(self) -> Engine:
        return create_engine(self.url)


@contextmanager
def installs(kind: str, root: Path) -> Iterator[tuple[Install, Install]]:
    """Two empty installs of `kind`: the one backed up and the one restored into."""
    if kind == "sqlite":
        yield tuple(Install(f"sqlite:///{root / name / 'statuspage.sqlite3'}", root / name)
                    for name in ("a", "b"))  # type: ignore[misc]
        return
    schema, database = f"bk_{secrets.token_hex(5)}", f"restore_{secrets.token_hex(5)}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    options = f"?options=-csearch_path%3D{schema}"
    other = make_url(PG_BASE).set(database=database).render_as_string(hide_password=False)
    try:
        yield (Install(PG_BASE + options, root / "a"), Install(other + options, root / "b"))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
        admin.dispose()


def all_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the models define, in primary-key order."""
    with engine.connect() as conn:
        return {table.name: [tuple(row) for row in conn.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in db.metadata.sorted_tables}
