"""statuspage.web.ratelimit_storage: the SQLite rate-limit storage, driven through `limits`."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import (
    STRATEGIES,
    MovingWindowRateLimiter,
    RateLimiter,
)

from statuspage.web.ratelimit_storage import SQLiteStorage, storage_uri

LIMIT = parse("60 per minute")
# A window far longer than the burst, so the clock-aligned sliding window counter is never
# caught at a turn of its window (where it is approximate by design).
DAILY = parse("60 per day")


def _hits(uri: str, tries: int, strategy: str) -> int:
    """In a separate process: how many of `tries` hits one storage instance let through."""
    limiter: RateLimiter = STRATEGIES[strategy](storage_from_string(uri))
    return sum(limiter.hit(DAILY, "burst") for _ in range(tries))


@pytest.mark.parametrize("strategy", ["moving-window", "sliding-window-counter", "fixed-window"])
def test_processes_sharing_the_file_never_exceed_the_limit_together(
    tmp_path: Path, strategy: str
) -> None:
    uri = storage_uri(tmp_path / "ratelimits.sqlite3")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        passed = pool.starmap(_hits, [(uri, 40, strategy)] * 4)
    assert sum(passed) == 60, passed


def test_counts_survive_a_new_storage_on_the_same_file(tmp_path: Path) -> None:
    uri = storage_uri(tmp_path / "ratelimits.sqlite3")
    before = MovingWindowRateLimiter(storage_from_string(uri))
    assert all(before.hit(LIMIT, "login") for _ in range(60))
    after = MovingWindowRateLimiter(storage_from_string(uri))  # as after a restart
    assert not after.hit(LIMIT, "login")
    assert after.get_window_stats(LIMIT, "login").remaining == 0
    assert after.hit(LIMIT, "another key")


def test_the_window_moves_hit_by_hit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr("statuspage.web.ratelimit_storage.time.time", lambda: now[0])
    limiter = MovingWindowRateLimiter(storage_from_string(storage_uri(tmp_path / "r.sqlite3")))
    limit = parse("2 per minute")
    assert limiter.hit(limit, "k")
    now[0] += 30
    assert limiter.hit(limit, "k")
    assert not limiter.hit(limit, "k")
    # At the turn of a clock minute a fixed window would reset; a moving one frees one slot
    # only when the first hit is 60 s old.
    now[0] += 29.9
    assert not limiter.hit(limit, "k")
    now[0] += 0.2
    assert limiter.hit(limit, "k")
    assert not limiter.hit(limit, "k")


def test_the_file_is_in_wal_mode_and_names_itself_by_uri(tmp_path: Path) -> None:
    path = tmp_path / "ratelimits.sqlite3"
    storage = storage_from_string(storage_uri(path))
    assert not path.exists()  # created on first use: building the app does no I/O
    assert isinstance(storage, SQLiteStorage) and storage.check()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(ValueError, match="absolute"):
        storage_from_string("sqlite:///relative.sqlite3")
