"""SQLite dumps through the online backup API (sqlite3's Connection.backup).

The copy is made in one step, inside one read transaction on the source, so it is the database
as of a single commit even while web and worker processes write: in WAL mode they carry on
during the copy; in the default rollback-journal mode a writer waits for it (up to its busy
timeout; copying a database of 100,000 subscribers takes well under a second).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from statuspage.cli.backup_archive import BackupError

# How long the copy waits for a writer that holds the database's lock before giving up.
BUSY_TIMEOUT_SECONDS = 30.0


def sqlite_path(database: str | None) -> Path:
    """The file of a SQLite URL's database; an in-memory database has none to back up."""
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def dump_sqlite(source: Path, target: Path) -> None:
    """Copy the live database `source` into the new file `target` and check the copy."""
    if not source.exists():
        raise BackupError(f"the SQLite database {source} does not exist")
    with closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)) as live, \
            closing(sqlite3.connect(target)) as copy:
        live.backup(copy)
        _check(copy, "the copy")


def restore_sqlite(dump: Path, target: Path) -> None:
    """Replace the whole database `target` (created if missing) with the dump's pages."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(dump)) as saved:
        _check(saved, "the backup's database")
        with closing(sqlite3.connect(target, timeout=BUSY_TIMEOUT_SECONDS)) as live:
            saved.backup(live)


def _check(conn: sqlite3.Connection, what: str) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()
    if not result or result[0] != "ok":
        raise BackupError(f"{what} failed SQLite's integrity check: {result}")
