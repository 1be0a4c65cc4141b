"""The backup file: one gzipped tar holding a manifest, the database dump and the secret key.

Written to a private temporary file beside the target (mode 0600 from the start) and moved into
place only when complete, so a crash never leaves a half-written backup under the final name.
Reading takes only the members it knows by name, so a crafted archive cannot write outside the
temporary folder it is unpacked into.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

FORMAT = 1
MANIFEST = "manifest.json"
SECRET_KEY = "secret_key"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(RuntimeError):
    """A backup cannot be taken or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds and where it came from, checked before a restore touches anything."""

    format: int
    created_at: str  # ISO 8601, UTC
    database: str  # "sqlite" or "postgresql"
    revision: str | None  # the Alembic revision; None for a database built without migrations
    app_version: str
    schema: str | None = None  # PostgreSQL: the schema the dump's objects are in
    secret_key_source: str = "instance"  # "instance" (instance/secret_key) or "environment"

    @property
    def dump_name(self) -> str:
        return DUMPS[self.database]


def write_archive(path: Path, manifest: Manifest, dump: Path, secret_key: str) -> None:
    """Write the backup file at `path` (replacing one there), readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(asdict(manifest), indent=2).encode())
            _add_bytes(tar, SECRET_KEY, secret_key.encode())
            info = tar.gettarinfo(str(dump), arcname=manifest.dump_name)
            info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
            with dump.open("rb") as source:
                tar.addfile(info, source)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    tar.addfile(info, io.BytesIO(data))


@dataclass(frozen=True)
class Unpacked:
    manifest: Manifest
    dump: Path
    secret_key: str


def read_archive(path: Path, into: Path) -> Unpacked:
    """Check the backup at `path` and unpack its dump into the folder `into`."""
    try:
        with tarfile.open(path, mode="r:*") as tar:
            manifest = _manifest(_member(tar, MANIFEST))
            secret_key = _member(tar, SECRET_KEY).decode().strip()
            source = tar.extractfile(manifest.dump_name)
            if source is None:
                raise BackupError(f"{path} has no {manifest.dump_name}: not a complete backup")
            dump = into / manifest.dump_name
            with source, dump.open("wb") as target:
                while chunk := source.read(1024 * 1024):
                    target.write(chunk)
    except (tarfile.TarError, KeyError, OSError, ValueError) as exc:
        raise BackupError(f"{path} is not a readable backup: {exc}") from None
    return Unpacked(manifest, dump, secret_key)


def _member(tar: tarfile.TarFile, name: str) -> bytes:
    handle = tar.extractfile(name)
    if handle is None:
        raise BackupError(f"the backup's {name} is not a file")
    with handle:
        return handle.read()


def _manifest(data: bytes) -> Manifest:
    raw = json.loads(data)
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        found = raw.get("format") if isinstance(raw, dict) else None
        raise BackupError(f"backup format {found!r} is not one this version reads ({FORMAT})")
    if raw.get("database") not in DUMPS:
        raise BackupError(f"the backup's database kind {raw.get('database')!r} is unknown")
    fields = Manifest.__dataclass_fields__
    return Manifest(**{key: value for key, value in raw.items() if key in fields})
