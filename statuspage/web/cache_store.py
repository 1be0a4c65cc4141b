"""The per-process store behind the response cache: rendered entries and the cache version.

Each web process keeps its rendered responses here, bounded by count and by bytes (the oldest
insertion goes first), each tagged with the page's `cache_version`. The version lives in the
database row that every publish bumps in its own transaction, so all web processes agree on
it: `version` re-reads it at most once an interval (one primary-key read), at once after
`mark_stale` (a commit of this process touched it), and answers None rather than wait while
the database does not answer. What is stored and how it is served is statuspage.web.cache.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import Page
from statuspage.web.db_guard import UNAVAILABLE, bounded_read

log = logging.getLogger(__name__)

MAX_ENTRIES = 512
# The front page of a busy installation is ~0.5 MB of HTML: bound memory by size as well, or
# `/?x=1` … `/?x=512` would hold a quarter of a gigabyte in every web process.
MAX_BYTES = 64 * 1024 * 1024
# Renders of different keys proceed in parallel; renders of one key wait for each other, so
# a version bump under load costs one render per process, not one per waiting thread.
_STRIPES = 64
CACHE_RESULTS = ("hit", "miss")


def monotonic_now() -> float:
    return time.monotonic()


Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Variant:
    """One encoding of an entry: the bytes sent, and the headers of its 200 and its 304."""

    body: bytes
    headers: Headers
    not_modified: Headers


@dataclass(frozen=True)
class Entry:
    """One rendered 200 response, ready to be sent many times."""

    version: int
    built_at: float
    digest: str
    identity: Variant
    gzip: Variant | None  # None when the body is too small to be worth compressing

    @property
    def size(self) -> int:
        return len(self.identity.body) + (len(self.gzip.body) if self.gzip else 0)


class ResponseCache:
    """The per-process store of rendered responses and the last known cache version."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size_bytes = 0
        self._entries: dict[tuple[str, ...], Entry] = {}
        # (version, checked_at) in one attribute, so a reader never pairs one check's version
        # with another's time; None forces the next request to read the database.
        self._state: tuple[int, float] | None = None
        # Bumped by mark_stale(): a version read that started before a local commit must not
        # be stored after it, or the next reader would be served the pre-commit page.
        self._generation = 0
        self._lock = threading.Lock()
        self._stripes = tuple(threading.Lock() for _ in range(_STRIPES))
        # Requests answered since the process started: from a fresh entry (hit) or by a render
        # (miss; answers from the last entry while the database is down count as neither). Reported
        # through the process's heartbeat row (statuspage.delivery.heartbeats).
        self._counts = dict.fromkeys(CACHE_RESULTS, 0)
        self._count_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def count(self, result: str) -> None:
        with self._count_lock:
            self._counts[result] += 1

    def counts(self) -> dict[str, int]:
        with self._count_lock:
            return dict(self._counts)

    def version(self, interval: float) -> int | None:
        """The page's cache version, read from the database at most every `interval` s.

        None while the database does not answer (an error, or no answer within
        DATABASE_CHECK_TIMEOUT_SECONDS: statuspage.web.db_guard): the caller then serves what it
        has, however old, rather than wait on the database or show an error page.
        """
        state = self._state
        now = monotonic_now()
        if state is not None and now - state[1] < interval:
            return state[0]
        generation = self._generation
        try:
            found = bounded_read(_read_version)
        except UNAVAILABLE as error:
            db.session.rollback()
            log.warning("cache version check failed (%s); serving cached responses",
                        type(error).__name__)
            return None
        version = found or 0
        with self._lock:
            if self._generation == generation:
                self._state = (version, now)
        return version

    def mark_stale(self) -> None:
        """This process just committed a change: re-read the version on the next request."""
        with self._lock:
            self._generation += 1
            self._state = None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size_bytes = 0
            self._generation += 1
            self._state = None

    def get(self, key: tuple[str, ...], version: int, max_age: float) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None or entry.version != version:
            return None
        if monotonic_now() - entry.built_at >= max_age:
            return None
        return entry

    def last(self, key: tuple[str, ...]) -> Entry | None:
        """The last response stored for `key`, whatever its version or age."""
        return self._entries.get(key)

    def put(self, key: tuple[str, ...], entry: Entry) -> None:
        if entry.size > self.max_bytes:
            return
        with self._lock:
            self._evict(key)
            while self._entries and (len(self._entries) >= self.max_entries
                                     or self.size_bytes + entry.size > self.max_bytes):
                # Oldest insertion first: a burst of odd query strings pushes out other odd
                # query strings, and the hot pages come straight back on their next miss.
                self._evict(next(iter(self._entries)))
            self._entries[key] = entry
            self.size_bytes += entry.size

    def _evict(self, key: tuple[str, ...]) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.size_bytes -= old.size

    def stripe(self, key: tuple[str, ...]) -> threading.Lock:
        return self._stripes[hash(key) % _STRIPES]


def _read_version() -> int | None:
    return db.session.execute(select(Page.cache_version).order_by(Page.id).limit(1)).scalar()
