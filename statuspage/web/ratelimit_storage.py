"""Rate-limit storage in a SQLite file, so every process of one install counts together.

The `limits` library (under Flask-Limiter) keeps counts in memory (one count per process) or
in a server (Redis, Memcached, MongoDB). The embedded default of this service has no server,
so `SQLiteStorage` keeps the counts in a SQLite file in the instance folder:

    RATELIMIT_STORAGE_URI=sqlite:////srv/statuspage/instance/ratelimits.sqlite3

Guarantees:
- Every decision (count, compare, record) runs in one `BEGIN IMMEDIATE` transaction, so
  concurrent processes and threads never both take the last slot of a limit.
- The file is in WAL mode with a busy timeout: writers queue instead of failing. A database
  that stays locked past the timeout raises `sqlite3.OperationalError`, which Flask-Limiter
  treats as an unreachable storage (see statuspage.web.ratelimits).
- Counts survive a restart: they live in the file, not in the process.
- Supports the fixed window, moving window (exact: one row per hit) and sliding window counter
  strategies. Expired rows are purged as the store is used.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from math import floor
from pathlib import Path
from urllib.parse import unquote, urlsplit

from limits.storage import MovingWindowSupport, SlidingWindowCounterSupport, Storage
from limits.storage.base import TimestampedSlidingWindow

SCHEME = "sqlite"
BUSY_TIMEOUT_MS = 5000
PURGE_EVERY_SECONDS = 60.0

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS counters ("
    " key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS counters_expiry ON counters (expires_at)",
    "CREATE TABLE IF NOT EXISTS entries (key TEXT NOT NULL, at REAL NOT NULL,"
    " expires_at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS entries_key_at ON entries (key, at)",
    "CREATE INDEX IF NOT EXISTS entries_expiry ON entries (expires_at)",
)


def storage_uri(path: Path) -> str:
    """The RATELIMIT_STORAGE_URI naming the SQLite file at `path` (made absolute)."""
    return f"{SCHEME}:///{path.resolve().as_posix()}"


def _path_from_uri(uri: str) -> Path:
    """`sqlite:////abs/file` (as in SQLAlchemy: three slashes, then an absolute path)."""
    prefix = f"{SCHEME}:///"
    path = unquote(urlsplit(uri).path) if uri.startswith(prefix) else ""
    if not path.startswith("//"):
        raise ValueError(f"expected {prefix}/absolute/path/file.sqlite3, got {uri!r}")
    return Path(path[1:])


class SQLiteStorage(Storage, MovingWindowSupport, SlidingWindowCounterSupport,
                    TimestampedSlidingWindow):
    """A `limits` storage backed by one SQLite file shared by every process on this machine."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False,
                 **options: float | str | bool) -> None:
        self.path = _path_from_uri(uri)
        self._local = threading.local()
        self._next_purge = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    # -- connections ---------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection; a forked child (gunicorn) opens its own. The file and
        its tables are created on first use, so building the app does no I/O."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            with _Transaction(conn):
                for statement in _SCHEMA:
                    conn.execute(statement)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _transaction(self) -> _Transaction:
        return _Transaction(self._connection())

    def _maybe_purge(self, conn: sqlite3.Connection, now: float) -> None:
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_EVERY_SECONDS
        conn.execute("DELETE FROM entries WHERE expires_at <= ?", (now,))
        conn.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))

    # -- fixed window --------------------------------------------------------------------------

    @staticmethod
    def _incr(conn: sqlite3.Connection, key: str, expiry: float, amount: int,
              now: float) -> int:
        conn.execute("DELETE FROM counters WHERE key = ? AND expires_at <= ?", (key, now))
        conn.execute(
            "INSERT INTO counters (key, value, expires_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
            (key, amount, now + expiry))
        return int(conn.execute("SELECT value FROM counters WHERE key = ?", (key,)).fetchone()[0])

    @staticmethod
    def _get(conn: sqlite3.Connection, key: str, now: float) -> tuple[int, float]:
        row = conn.execute("SELECT value, expires_at FROM counters WHERE key = ?"
                           " AND expires_at > ?", (key, now)).fetchone()
        return (int(row[0]), float(row[1])) if row else (0, now)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._transaction() as conn:
            self._maybe_purge(conn, now)
            return self._incr(conn, key, expiry, amount, now)

    def get(self, key: str) -> int:
        return self._get(self._connection(), key, time.time())[0]

    def get_expiry(self, key: str) -> float:
        return self._get(self._connection(), key, time.time())[1]

    def clear(self, key: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM counters WHERE key = ?", (key,))
            conn.execute("DELETE FROM entries WHERE key = ?", (key,))

    def reset(self) -> int | None:
        with self._transaction() as conn:
            counters = conn.execute("DELETE FROM counters").rowcount
            entries = conn.execute("SELECT COUNT(DISTINCT key) FROM entries").fetchone()[0]
            conn.execute("DELETE FROM entries")
        return max(int(counters), int(entries))

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    # -- moving window -------------------------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Record `amount` hits if fewer than `limit` hits would then fall in the last
        `expiry` seconds; count and record are one transaction, so no two processes can
        both take the last slot."""
        if amount > limit:
            return False
        now = time.time()
        with self._transaction() as conn:
            self._maybe_purge(conn, now)
            conn.execute("DELETE FROM entries WHERE key = ? AND at <= ?", (key, now - expiry))
            (count,) = conn.execute("SELECT COUNT(*) FROM entries WHERE key = ?",
                                    (key,)).fetchone()
            if count + amount > limit:
                return False
            conn.executemany("INSERT INTO entries (key, at, expires_at) VALUES (?, ?, ?)",
                             [(key, now, now + expiry)] * amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        oldest, count = self._connection().execute(
            "SELECT MIN(at), COUNT(*) FROM entries WHERE key = ? AND at > ?",
            (key, now - expiry)).fetchone()
        return (float(oldest), int(count)) if count else (now, 0)

    # -- sliding window counter ----------------------------------------------------------------

    def _window(self, conn: sqlite3.Connection, key: str, expiry: int,
                now: float) -> tuple[int, float, int, float]:
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        previous = self._get(conn, previous_key, now)[0]
        current = self._get(conn, current_key, now)[0]
        previous_ttl = 0.0 if previous == 0 else (1 - (((now - expiry) / expiry) % 1)) * expiry
        current_ttl = (1 - ((now / expiry) % 1)) * expiry + expiry
        return previous, previous_ttl, current, current_ttl

    def acquire_sliding_window_entry(self, key: str, limit: int, expiry: int,
                                     amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self._transaction() as conn:
            self._maybe_purge(conn, now)
            previous, previous_ttl, current, _ = self._window(conn, key, expiry, now)
            if floor(previous * previous_ttl / expiry + current) + amount > limit:
                return False
            self._incr(conn, self.sliding_window_keys(key, expiry, now)[1], 2 * expiry,
                       amount, now)
            return True

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        return self._window(self._connection(), key, expiry, time.time())

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        for window_key in self.sliding_window_keys(key, expiry, time.time()):
            self.clear(window_key)


class _Transaction:
    """`BEGIN IMMEDIATE` … `COMMIT` (or `ROLLBACK` on error) on an autocommit connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.conn.execute("ROLLBACK" if kind else "COMMIT")
