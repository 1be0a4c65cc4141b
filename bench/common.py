"""Helpers the benchmarks share."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def private_database(workdir: Path, name: str) -> Iterator[str]:
    """A private, empty database for one run; PostgreSQL gets a schema dropped at the end."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        yield f"sqlite:///{workdir / f'{name}.sqlite3'}"
        return
    if not url.startswith(("postgres://", "postgresql")):
        raise SystemExit("DATABASE_URL must be a PostgreSQL URL (or unset for SQLite)")
    from sqlalchemy import create_engine, text

    url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)
    schema = f"{name}_{secrets.token_hex(6)}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in url else "?"
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
