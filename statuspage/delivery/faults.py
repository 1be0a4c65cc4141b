"""Riding out a database or Redis fault inside a delivery task, instead of dropping the work.

A worker that meets a lost connection in the middle of a fan-out must not leave its claims for
the lease to expire (DELIVERY_LEASE_SECONDS, five minutes by default): `persist` runs one
step of database or queue work again with exponential backoff (capped at a few seconds, so
the work resumes within that much of the fault ending), rolling the session back in between.
Only faults of the connection are retried (`is_transient`); anything else is raised at once.
It gives up after `deadline` seconds (half a lease by default): the caller then gives back
what it holds where it can, and the task itself is retried by the queue.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from redis import exceptions as redis_errors
from sqlalchemy import exc as sa_errors

from statuspage.core.extensions import db

log = logging.getLogger(__name__)
T = TypeVar("T")

FIRST_PAUSE_SECONDS = 0.2
MOST_PAUSE_SECONDS = 3.0
# The task-level retry (statuspage.tasks.delivery), when a fault outlasted `persist`.
TASK_RETRIES = 5
TASK_RETRY_DELAY_SECONDS = 5


def is_transient(error: BaseException) -> bool:
    """A fault of the connection to the database or Redis (down, cut, locked, timed out)."""
    if isinstance(error, sa_errors.DBAPIError):
        return bool(error.connection_invalidated) or isinstance(
            error, sa_errors.OperationalError | sa_errors.InterfaceError)
    if isinstance(error, sa_errors.PendingRollbackError | sa_errors.DisconnectionError):
        return True
    return isinstance(error, redis_errors.ConnectionError | redis_errors.TimeoutError
                      | ConnectionError | TimeoutError)


def pause_seconds(attempt: int, rng: random.Random | None = None) -> float:
    """The wait before retry number `attempt` (1, 2, …): 0.2 s doubling to 3 s, jittered."""
    full = min(FIRST_PAUSE_SECONDS * 2 ** max(attempt - 1, 0), MOST_PAUSE_SECONDS)
    return (rng or random).uniform(full / 2, full)


def default_deadline() -> float:
    return int(current_app.config["DELIVERY_LEASE_SECONDS"]) / 2


def persist(work: Callable[[], T], what: str, *, deadline: float | None = None,
            sleep: Callable[[float], None] = time.sleep) -> T:
    """`work()`, run again after a transient fault until it succeeds or `deadline` passes.

    `work` must be safe to repeat (a claim, a conditional UPDATE, a read, an enqueue the
    claims make harmless to repeat). The session is rolled back before each new try.
    """
    deadline = default_deadline() if deadline is None else deadline
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            return work()
        except Exception as error:
            if not is_transient(error):
                raise
            rollback()
            attempt += 1
            pause = pause_seconds(attempt)
            if time.monotonic() - started + pause > deadline:
                log.error("%s: gave up after %d tries: %s", what, attempt, error)
                raise
            log.warning("%s: %s; trying again in %.1fs", what, type(error).__name__, pause)
            sleep(pause)


def rollback() -> None:
    """Roll the session back, even with its connection gone."""
    with contextlib.suppress(Exception):
        db.session.rollback()
