"""pg_dump and pg_restore get the connection in libpq's environment, never on the command line
(where `ps` and process titles would show the password)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from statuspage.cli import backup_postgres
from statuspage.cli.backup_archive import BackupError

URL = make_url("postgresql+psycopg://status:s3cret-pw@db.internal:5433/statuspage"
               "?sslmode=require&options=-csearch_path%3Dstatus")


def test_the_password_travels_in_the_environment_only(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []

    def run(command: list[str], env: dict[str, str], **_: Any) -> subprocess.CompletedProcess[str]:
        calls.append((command, env))
        return subprocess.CompletedProcess(command, 0, "6; 2615 1 SCHEMA - status o\n", "")

    monkeypatch.setattr(backup_postgres.subprocess, "run", run)
    backup_postgres.dump_postgres(URL, "status", tmp_path / "db.pgdump")
    backup_postgres.restore_postgres(URL, tmp_path / "db.pgdump", tmp_path)
    assert [Path(c[0]).name for c, _ in calls] == ["pg_dump", "pg_restore", "pg_restore"]
    for command, env in calls:
        assert not any("s3cret" in part or "db.internal" in part for part in command)
        assert env["PGPASSWORD"] == "s3cret-pw" and env["PGHOST"] == "db.internal"
        assert env["PGPORT"] == "5433" and env["PGUSER"] == "status"
        assert env["PGSSLMODE"] == "require" and env["PGOPTIONS"] == "-csearch_path=status"
    assert "--schema=status" in calls[0][0]
    assert "SCHEMA" not in (tmp_path / "restore.list").read_text()  # it exists: kept


def test_a_missing_pg_dump_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="pg_dump was not found on PATH"):
        backup_postgres.dump_postgres(URL, "status", tmp_path / "db.pgdump")
