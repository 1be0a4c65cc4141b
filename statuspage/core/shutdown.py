"""The process was asked to stop: the one flag long-running work checks between its steps.

The worker and sms consumers (statuspage.tasks.consumer) call `request()` when they get
SIGTERM; code that runs for a while (an expansion batch after batch, an email chunk group after
group, the SMS pump send after send, a subscriber import) asks `requested()` between steps and,
once it is set, finishes the step it is in (the provider call in flight is answered and
recorded), gives back what it claimed and has not sent, and asks for the rest to be run again
(core.jobs), so the next process carries on at once. Domain code must not import the queue,
so the flag lives here rather than in huey's consumer.

Nothing in a web process sets it (gunicorn stops its own workers gracefully).
"""

from __future__ import annotations

import threading

_stop = threading.Event()


def request() -> None:
    """Ask every loop of this process to stop after the step it is in."""
    _stop.set()


def requested() -> bool:
    """Whether this process has been asked to stop."""
    return _stop.is_set()


def sleep(seconds: float) -> None:
    """Sleep `seconds`, or less when a stop is requested meanwhile.

    Once a stop is requested it returns at once: callers check `requested()` in their loop.
    """
    _stop.wait(max(0.0, seconds))


def reset() -> None:
    """Forget a request (tests that run several stops in one process)."""
    _stop.clear()
