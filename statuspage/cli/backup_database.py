"""What a backup or restore needs to know about the app's database and its migrations."""

from __future__ import annotations

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import MetaData, func, inspect, select, text

from statuspage.cli.backup_archive import BackupError
from statuspage.core.extensions import db


def database_kind() -> str:
    """"sqlite" or "postgresql": the kinds a backup can hold."""
    name = db.engine.url.get_backend_name()
    if name not in {"sqlite", "postgresql"}:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def current_schema() -> str:
    """The PostgreSQL schema the app's tables live in (`public` unless search_path says).

    On a new database the search_path may name a schema that does not exist yet (a restore
    creates it): that first name is the answer then.
    """
    with db.engine.connect() as conn:
        found = conn.execute(text("SELECT current_schema()")).scalar_one()
        if found is not None:
            return str(found)
        path = str(conn.execute(text("SHOW search_path")).scalar_one())
        first = path.split(",")[0].strip().strip('"')
        if first == "$user":
            first = str(conn.execute(text("SELECT current_user")).scalar_one())
        return first


def create_schema(name: str) -> None:
    """Make sure the PostgreSQL schema `name` exists (quoted: the name comes from a file)."""
    quoted = db.engine.dialect.identifier_preparer.quote(name)
    with db.engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))


def current_revision() -> str | None:
    """The database's Alembic revision; None when it was built without migrations."""
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrations() -> ScriptDirectory:
    return ScriptDirectory(current_app.extensions["migrate"].directory)


def code_revisions() -> tuple[set[str], str | None]:
    """Every revision this code's migrations know, and the newest one (the head)."""
    scripts = migrations()
    return {script.revision for script in scripts.walk_revisions()}, scripts.get_current_head()


def holds_data() -> bool:
    """True when any of the app's tables has a row (an upgraded but unused database has none)."""
    existing = set(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in existing and conn.execute(
                    select(func.count()).select_from(table)).scalar():
                return True
    return False


def drop_all_tables() -> None:
    """Drop every table in the app's database (schema): a restore recreates them."""
    found = MetaData()
    found.reflect(bind=db.engine)
    found.drop_all(bind=db.engine)
