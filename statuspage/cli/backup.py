"""Use-cases behind `flask backup` and `flask restore`.

A backup is one file holding the database (a consistent snapshot, taken while the service
runs), the secret key that signs every manage, unsubscribe and confirm link already sent, and a
manifest saying what it is. Uploaded logos live in the database (statuspage.page.logos), so
nothing else on disk is needed. A restore refuses a database that already holds data unless
forced, refuses a backup newer than this code's migrations, upgrades an older one, and puts
the secret key back in the instance folder.
"""

from __future__ import annotations

import hmac
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from flask import current_app
from flask_migrate import upgrade

from statuspage.cli import backup_database as database
from statuspage.cli.backup_archive import FORMAT, BackupError, Manifest, read_archive, write_archive
from statuspage.cli.backup_postgres import dump_postgres, restore_postgres
from statuspage.cli.backup_sqlite import dump_sqlite, restore_sqlite, sqlite_path
from statuspage.core.extensions import db


def take_backup(path: Path) -> Manifest:
    """Write a backup of this install to `path` (mode 0600) and return its manifest."""
    kind = database.database_kind()
    key = current_app.config["SECRET_KEY"]
    manifest = Manifest(
        format=FORMAT, created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        database=kind, revision=database.current_revision(), app_version=_app_version(),
        schema=database.current_schema() if kind == "postgresql" else None,
        secret_key_source="instance" if _instance_key() == key else "environment")
    with tempfile.TemporaryDirectory(prefix="statuspage-backup-") as work:
        dump = Path(work) / manifest.dump_name
        if kind == "sqlite":
            dump_sqlite(sqlite_path(db.engine.url.database), dump)
        else:
            assert manifest.schema is not None
            dump_postgres(db.engine.url, manifest.schema, dump)
        write_archive(path, manifest, dump, key)
    return manifest


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    revision: str | None  # the database's revision after any upgrade
    upgraded: bool
    environment_key_differs: bool  # SECRET_KEY is set here and is not the backed-up key


def restore_backup(path: Path, *, force: bool = False) -> Restored:
    """Replace this install's database and secret key with the backup at `path`."""
    with tempfile.TemporaryDirectory(prefix="statuspage-restore-") as work:
        unpacked = read_archive(path, Path(work))
        manifest = unpacked.manifest
        _check_compatible(manifest, force)
        db.session.remove()
        if manifest.database == "sqlite":
            db.engine.dispose()
            restore_sqlite(unpacked.dump, sqlite_path(db.engine.url.database))
        else:
            database.drop_all_tables()
            assert manifest.schema is not None
            database.create_schema(manifest.schema)
            restore_postgres(db.engine.url, unpacked.dump, Path(work))
        db.engine.dispose()
        _write_instance_key(unpacked.secret_key)
    upgraded = False
    if manifest.revision is not None and manifest.revision != database.code_revisions()[1]:
        upgrade()
        upgraded = True
    env_key = os.environ.get("SECRET_KEY")
    return Restored(manifest, database.current_revision(), upgraded,
                    bool(env_key) and not hmac.compare_digest(env_key or "",
                                                              unpacked.secret_key))


def _check_compatible(manifest: Manifest, force: bool) -> None:
    kind = database.database_kind()
    if manifest.database != kind:
        raise BackupError(f"this backup holds a {manifest.database} database and DATABASE_URL "
                          f"is {kind}: restore it into a {manifest.database} database")
    known, head = database.code_revisions()
    if manifest.revision is not None and manifest.revision not in known:
        raise BackupError(f"the backup's database is at migration {manifest.revision}, which "
                          f"this code does not know (its newest is {head}): the backup is "
                          "newer than this code; restore it with the version that made it "
                          f"({manifest.app_version}) or later")
    if kind == "postgresql" and manifest.schema != database.current_schema():
        raise BackupError(f"the backup's tables are in schema {manifest.schema!r} but this "
                          f"database uses {database.current_schema()!r}: set search_path to "
                          "the backup's schema")
    if not force and database.holds_data():
        raise BackupError("the database is not empty; restoring replaces everything in it: "
                          "add --force to do that")


def _instance_key() -> str | None:
    path = Path(current_app.instance_path) / "secret_key"
    return path.read_text().strip() if path.exists() else None


def _write_instance_key(key: str) -> None:
    folder = Path(current_app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".secret_key.", dir=folder)
    with os.fdopen(fd, "w") as handle:  # mkstemp creates the file with mode 0600
        handle.write(key)
    os.replace(temporary, folder / "secret_key")


def _app_version() -> str:
    try:
        return version("statuspage")
    except PackageNotFoundError:
        return "unknown"
