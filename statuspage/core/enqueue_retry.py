"""Enqueues that failed after a commit, retried by this process until the queue answers.

Work is committed first and enqueued after the commit (statuspage.outbox.publish), so a queue outage
(Redis down) loses nothing: the periodic recovery finds the committed work. That sweep runs
once a minute on the worker, and only once the queue is back to schedule it, so on its own it
would leave a publish made during the outage waiting up to a minute or more after Redis
returns. Here the process that failed to enqueue keeps trying, every RETRY_SECONDS, from a
daemon thread: the work is enqueued within seconds of the queue coming back. After GIVE_UP
seconds (or if this process exits) the periodic recovery remains responsible.

Enqueueing twice is harmless by design (every task claims its work with a conditional update).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from flask import g, has_request_context

log = logging.getLogger(__name__)

RETRY_SECONDS = 2.0
GIVE_UP = 15 * 60.0

_lock = threading.Lock()
_pending: list[tuple[str, Callable[[], object], float]] = []
_owner = {"pid": 0}


def retry_later(what: str, enqueue: Callable[[], object]) -> None:
    """Call `enqueue()` again every RETRY_SECONDS until it succeeds (or GIVE_UP passes).

    Also marks the current request, if any, so the console can say delivery will follow.
    """
    if has_request_context():
        g.enqueue_deferred = True
    with _lock:
        _pending.append((what, enqueue, time.monotonic() + GIVE_UP))
        if _owner["pid"] != os.getpid():  # no thread yet in this process (or forked since)
            _owner["pid"] = os.getpid()
            threading.Thread(target=_run, name="enqueue-retry", daemon=True).start()


def deferred() -> bool:
    """This request committed work whose enqueue failed and is being retried."""
    return has_request_context() and bool(g.get("enqueue_deferred"))


def _run() -> None:
    while True:
        time.sleep(RETRY_SECONDS)
        with _lock:
            batch = list(_pending)
            _pending.clear()
        failed = []
        for what, enqueue, give_up in batch:
            try:
                enqueue()
            except Exception as error:  # the queue is still down
                if time.monotonic() < give_up:
                    failed.append((what, enqueue, give_up))
                else:
                    log.warning("gave up enqueueing %s (%s); the periodic recovery will", what,
                                error)
            else:
                log.warning("enqueued %s after the queue came back", what)
        with _lock:
            _pending[:0] = failed
