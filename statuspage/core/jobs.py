"""Background work, asked for by name: the one port between the code and the task queue.

Domain and worker code never import the queue (huey lives in `statuspage/tasks/` only, and
the import-linter contracts in pyproject.toml keep it there). They ask for a job by its name,
the way microblog's models enqueue by dotted name and Zulip queues events on commit:

- `enqueue("send_webhook", delivery_id, delay=30)`: now, or after `delay` seconds;
- `enqueue_after_commit("expand_event", event_id)`: once the caller's transaction commits
  (nothing if it rolls back), retried by this process while the queue is down;
- `store("sms")`: a queue's small key-value store with named locks (the SMS pump's lock and
  heartbeat).

`statuspage.tasks` implements the port (its `Runner` maps each name to a task) and installs
it when the app is built; until then asking for work is an error, not a silent no-op.
Every job is safe to run twice: the work it does is claimed in the database first.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, Protocol

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from statuspage.core import enqueue_retry

log = logging.getLogger(__name__)

# Key in Session.info: the jobs the session's current transaction asked for after its commit.
_PENDING_KEY = "statuspage.jobs_after_commit"


class Locked(Exception):
    """The named lock is held by someone else."""


class Lock(Protocol):
    """A named lock in a queue's store, shared by every process using the queue."""

    def acquire(self) -> None:
        """Take the lock; raises `Locked` when it is held."""

    def release(self) -> None: ...

    def is_locked(self) -> bool: ...

    def clear(self) -> bool:
        """Release the lock whoever holds it (its holder died); whether it was held."""


class Store(Protocol):
    """A queue's key-value store: small values (pickled) shared by every process."""

    def get(self, key: str) -> Any | None:
        """The value, left in place; None when there is none."""

    def put(self, key: str, value: Any) -> None: ...

    def delete(self, key: str) -> None: ...

    def lock(self, name: str) -> Lock: ...


class Runner(Protocol):
    """What the task queue provides (statuspage.tasks.runner)."""

    def enqueue(self, name: str, args: tuple[Any, ...], delay: float | None) -> None:
        """Queue the job `name` with `args`; raises LookupError for a name it does not run."""

    def runs_inline(self) -> bool:
        """Jobs run in the caller, at once (HUEY_IMMEDIATE: the tests)."""

    def store(self, queue: str) -> Store: ...


_installed: dict[str, Runner] = {}


def install(runner: Runner) -> None:
    """Make `runner` the process's task queue; the first one installed stays (like the queues
    themselves, it is shared by every app of the process)."""
    _installed.setdefault("runner", runner)


def _runner() -> Runner:
    runner = _installed.get("runner")
    if runner is None:
        raise RuntimeError("background work was asked for before the app installed its task "
                           "queue (statuspage.tasks.init_app)")
    return runner


def enqueue(name: str, *args: Any, delay: float | None = None) -> None:
    """Queue the job `name` now, or to run after `delay` seconds. Raises when the queue
    cannot take it (the caller decides: retry, log, or let the periodic recovery find it)."""
    _runner().enqueue(name, args, delay)


def enqueue_or_retry(name: str, *args: Any, what: str) -> None:
    """Queue the job now; if the queue is down, keep trying from this process
    (statuspage.core.enqueue_retry) and log it. For work already committed: nothing is lost
    either way, the periodic recovery finds it too. `what` names it in the log."""
    try:
        enqueue(name, *args)
    except Exception as error:  # the commit has happened: retried here and by the recovery
        log.warning("could not enqueue %s (%s: %s); retrying until the queue answers",
                    what, type(error).__name__, error)
        if not runs_inline():  # inline (tests): nothing was queued
            enqueue_retry.retry_later(what, partial(enqueue, name, *args))


def enqueue_after_commit(session: Session | scoped_session[Any], name: str, *args: Any,
                         what: str) -> None:
    """Queue the job once `session`'s current transaction commits (as `enqueue_or_retry`);
    nothing if it rolls back. The same job asked for twice in one transaction runs once."""
    # The session of this thread (or app context), when given the scoped proxy.
    actual = session() if isinstance(session, scoped_session) else session
    if actual.get_transaction() is None:
        actual.begin()  # a transaction to forget it with, if it is rolled back before
    pending: dict[tuple[Any, ...], str] = actual.info.setdefault(_PENDING_KEY, {})
    pending.setdefault((name, *args), what)


def runs_inline() -> bool:
    """Whether jobs run at once in the caller (HUEY_IMMEDIATE) instead of in a worker."""
    return _runner().runs_inline()


def store(queue: str) -> Store:
    """The key-value store (and locks) of one queue: "" for the worker's, "sms" for the SMS
    pump's."""
    return _runner().store(queue)


@sa_event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    pending: dict[tuple[Any, ...], str] | None = session.info.pop(_PENDING_KEY, None)
    for (name, *args), what in (pending or {}).items():
        enqueue_or_retry(name, *args, what=what)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous: SessionTransaction) -> None:
    # What the transaction asked for was never committed: there is nothing to do. Every
    # rollback of the whole transaction counts, also one that had not touched the database
    # yet ("after_rollback" fires only when the database rolls back); a savepoint's does not.
    if previous.parent is None:
        session.info.pop(_PENDING_KEY, None)

