"""Per-destination send slots for chat messages, shared by the worker threads of a process.

Slack takes about one message a second per webhook, Discord five per two seconds, Google Chat
one a second per space (notify.chat.sender.MIN_INTERVAL). Three updates posted in a minute
make three tasks for the same channel, which two worker threads may run at once: each takes
the next free slot of its destination here before sending, so the messages leave at least the
provider's interval apart. A wait longer than the caller will sleep reserves nothing: the
task gives its delivery back and comes back later (delivery.chat).

Slots are kept per process. Worker processes on other machines do not see them; a burst that
crosses processes meets the provider's own limit, whose 429 and Retry-After the sender turns
into a retry at the time the provider asked for (delivery.send.record_failure).
"""

from __future__ import annotations

import threading
import time
from typing import NamedTuple

from flask import current_app

# app.extensions key of the process's slots (one per app, so tests do not share them).
PACER_KEY = "statuspage.chat_pacer"


class Slot(NamedTuple):
    """When the caller may send: `wait` seconds from now; `reserved` says whether the slot
    is held for it (False: the wait was longer than it would sleep, and nothing was held)."""

    wait: float
    reserved: bool


class Pacer:
    """The next free send time of each destination (time.monotonic values), under a lock."""

    def __init__(self) -> None:
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str, interval: float, *, at_least: float = 0.0,
                longest: float) -> Slot:
        """The first slot of destination `key` at least `at_least` seconds from now, held
        for the caller (the next one starts `interval` after it) if it is at most `longest`
        seconds away."""
        with self._lock:
            now = time.monotonic()
            slot = max(now + max(at_least, 0.0), self._next.get(key, 0.0))
            wait = slot - now
            if wait > longest:
                return Slot(wait, False)
            self._next[key] = slot + interval
            if len(self._next) > 10_000:  # forget destinations whose slots are long past
                self._next = {k: v for k, v in self._next.items() if v > now}
            return Slot(wait, True)


def pacer() -> Pacer:
    """The process's pacer for the current app."""
    held = current_app.extensions.get(PACER_KEY)
    if held is None:
        held = current_app.extensions.setdefault(PACER_KEY, Pacer())
    return held
