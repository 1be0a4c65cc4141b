"""Database reads with a deadline, so a hung database answers "unavailable" in seconds.

Server-side timeouts (statuspage/core/db_timeouts.py) cannot end a connection that stays open but
passes nothing (a stuck proxy or pooler, a server that stopped reading): the client would wait
until gunicorn kills the worker. The web tier's probe reads (the public cache's version check,
`/readyz`) therefore run here, on a helper thread of this process, and the caller waits at most
DATABASE_CHECK_TIMEOUT_SECONDS:

- an answer in time is returned; a database error is raised as usual;
- no answer in time raises `DatabaseUnavailable` (a 503), and while that read is still stuck
  every further probe fails at once, without starting another one: a hung database costs a
  few helper threads and connections per process (at most `_THREADS`), never a growing pile;
- the first probe after the stuck read finishes (the database came back, or the connection's
  own TCP bounds ended it) runs normally again;
- meanwhile every request that would wait on the database is answered 503 at once, and a
  request that needs the database first checks (at most once a second per process) that it
  answers (init_app), so a hung database never fills the web workers with requests waiting
  on it.

SQLite runs the read inline: a local file cannot hang, and its lock waits are bounded by the
connection's busy timeout.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from flask import Flask, current_app, request
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import ServiceUnavailable

from statuspage.core.extensions import db

log = logging.getLogger(__name__)
T = TypeVar("T")


class DatabaseUnavailable(ServiceUnavailable):
    """The database did not answer in time (or is known to be stuck): a 503, never a hang."""

    description = "The database did not answer in time."


# What "the database is unavailable" looks like: unreachable, timed out, no pooled connection.
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, DatabaseUnavailable)


# How often, at most, a request that needs the database first checks that it answers.
PROBE_SECONDS = 1.0
# Reads run side by side up to this many (a burst of requests after the check interval);
# more wait their turn, within their own deadline.
_THREADS = 8


class Guard:
    """One process's helper thread for bounded reads, and the read still waiting, if any."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._pool: ThreadPoolExecutor | None = None
        self._late: Future[object] | None = None
        self.answered_at = float("-inf")  # when a read last answered (monotonic)

    def stuck(self) -> bool:
        """A read outlived its deadline and has not finished yet: the database is hanging."""
        late = self._late
        return late is not None and not late.done()

    def read(self, query: Callable[[], T], timeout: float) -> T:
        """`query()` in an app context of its own, answered within `timeout` seconds or 503."""
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        if db.engine.dialect.name == "sqlite":
            result = query()
            self.answered_at = time.monotonic()
            return result
        with self._lock:
            if self.stuck():
                raise DatabaseUnavailable()
            if self._pool is None or self._pid != os.getpid():  # new, or forked by gunicorn
                self._pool = ThreadPoolExecutor(max_workers=_THREADS,
                                                thread_name_prefix="db-guard")
                self._pid = os.getpid()
            future = self._pool.submit(_in_context, app, query)
        try:
            result = future.result(timeout)
        except FutureTimeout:
            self._late = future  # type: ignore[assignment]
            log.warning("the database did not answer within %.1f s", timeout)
            raise DatabaseUnavailable() from None
        self.answered_at = time.monotonic()
        return result


def _in_context(app: Flask, query: Callable[[], T]) -> T:
    with app.app_context():
        try:
            return query()
        finally:
            db.session.remove()


def init_app(app: Flask) -> None:
    """Keep this process's guard, and check the database before a request would wait on it.

    Every request but the probes, static files and cached views (`@cached` marks them: they
    answer from the cache) is refused with a 503 at once while the database is known to hang,
    and otherwise first makes sure, at most every PROBE_SECONDS per process, that the database
    answers within the deadline: a database that hangs is found by the first request that
    needs it, which then fails in seconds instead of holding a web worker.
    """
    guard = Guard()
    app.extensions["statuspage_db_guard"] = guard

    @app.before_request
    def _check_database() -> None:
        endpoint = request.endpoint
        if endpoint is None or endpoint == "static" or endpoint.startswith("health."):
            return
        if getattr(app.view_functions.get(endpoint), "answers_without_database", False):
            return
        if guard.stuck():
            raise DatabaseUnavailable()
        if db.engine.dialect.name == "sqlite":  # a local file: its lock waits are bounded
            return
        if time.monotonic() - guard.answered_at >= PROBE_SECONDS:
            bounded_read(_ping)


def _ping() -> object:
    return db.session.execute(text("SELECT 1")).scalar()


def bounded_read(query: Callable[[], T]) -> T:
    """Run a read for the web tier within DATABASE_CHECK_TIMEOUT_SECONDS (see the module)."""
    guard: Guard = current_app.extensions["statuspage_db_guard"]
    return guard.read(query, float(current_app.config["DATABASE_CHECK_TIMEOUT_SECONDS"]))
