"""PostgreSQL dumps with pg_dump --format=custom and restores with pg_restore.

The connection is passed through libpq's environment variables (PGHOST, PGPASSWORD, ...), never
on the command line, so the password shows in no process title and no log. Only the schema the
app uses is dumped; its objects are restored into the schema of the same name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL

from statuspage.cli.backup_archive import BackupError

# libpq environment variables for the URL query parameters a DATABASE_URL may carry.
QUERY_ENV = {"options": "PGOPTIONS", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
             "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "application_name": "PGAPPNAME",
             "target_session_attrs": "PGTARGETSESSIONATTRS"}


def libpq_env(url: URL) -> dict[str, str]:
    """This process's environment plus the connection settings of `url` for pg_dump/pg_restore."""
    env = dict(os.environ)
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[name] = str(value)
    for key, name in QUERY_ENV.items():
        if key in url.query:
            env[name] = str(url.query[key])
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found on PATH: install the PostgreSQL client tools "
                          "(Debian: apt-get install postgresql-client, the server's major "
                          "version or newer)")
    return found


def dump_postgres(url: URL, schema: str, target: Path) -> None:
    """Dump `schema` as one consistent snapshot into the custom-format file `target`."""
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          f"--schema={schema}", f"--file={target}"], url, "pg_dump")


def restore_postgres(url: URL, dump: Path, work: Path) -> None:
    """Restore `dump` into an existing schema of the same name, in one transaction.

    The dump's own CREATE SCHEMA is left out (the schema exists: `public`, or one the caller
    created), so a failure anywhere rolls the whole restore back.
    """
    restore = _tool("pg_restore")
    listing = _run([restore, "--list", str(dump)], url, "pg_restore --list")
    keep = [line for line in listing.splitlines() if not _is_schema_entry(line)]
    toc = work / "restore.list"
    toc.write_text("\n".join(keep) + "\n")
    _run([restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          f"--use-list={toc}", f"--dbname={url.database or url.username or 'postgres'}",
          str(dump)], url, "pg_restore")


def _is_schema_entry(line: str) -> bool:
    # TOC lines look like "6; 2615 31059 SCHEMA - test_1a2b postgres" and, for `public`,
    # "3344; 0 0 COMMENT - SCHEMA public pg_database_owner"; lines starting ";" are comments.
    words = line.split()
    return words[3:5] == ["SCHEMA", "-"] or words[3:6] == ["COMMENT", "-", "SCHEMA"]


def _run(command: list[str], url: URL, what: str) -> str:
    result = subprocess.run(command, env=libpq_env(url), capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {detail[-1] if detail else result.returncode}")
    return result.stdout
