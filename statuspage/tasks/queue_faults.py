"""After a lost Redis connection, sweep for delivery work whose task the fault swallowed.

A consumer takes a task with BRPOP: when the connection is cut while Redis is answering, the
task has left the queue and never reaches the worker. Its deliveries stay `queued`, and the
periodic `send_due` would find them only once they have waited a lease (five minutes by
default, so as not to enqueue again what is merely waiting in a busy queue). The queue's
storage here notices the fault: on the first read that succeeds after one failed, it enqueues
`sweep_after_queue_fault`, which enqueues every due delivery again at once (the claims make a
second task for one delivery harmless) and wakes the SMS pump, so the fan-out resumes within
seconds of the connection coming back.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from huey.storage import RedisStorage

from statuspage.core import jobs

log = logging.getLogger(__name__)

# One sweep per process per this many seconds, however many consumer threads saw the fault.
SWEEP_AT_MOST_EVERY_SECONDS = 5.0

_state = {"fault": False, "last_sweep": 0.0}
_lock = threading.Lock()


class FaultAwareRedisStorage(RedisStorage):
    """Huey's Redis storage, sweeping for lost tasks when a failed read is followed by one
    that works."""

    def dequeue(self) -> Any:
        try:
            data = super().dequeue()
        except Exception:
            with _lock:
                _state["fault"] = True
            raise
        if _state["fault"]:
            _queue_is_back()
        return data


def _queue_is_back() -> None:
    with _lock:
        if not _state["fault"]:
            return
        _state["fault"] = False
        now = time.monotonic()
        if now - _state["last_sweep"] < SWEEP_AT_MOST_EVERY_SECONDS:
            return
        _state["last_sweep"] = now
    try:
        jobs.enqueue("sweep_after_queue_fault")
        log.warning("the queue is reachable again: sweeping for lost delivery tasks")
    except Exception:  # the periodic recovery still finds them
        log.exception("could not enqueue the sweep after a queue fault")
