"""Pacing for the SMS pump: send times 1/rate apart, senders that keep them, a claim feed.

Send times are handed out ahead, so a sender that wakes a little late (the GIL, a busy
machine) sends a little late without moving anyone else's time; one woken much later takes a
new time rather than go off in a burst with the others. A few sends are in flight at once, as
many as the provider's answer time needs to keep the rate.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import current_app

from statuspage.core import shutdown
from statuspage.core.logging_setup import log_context
from statuspage.delivery.sms.send import (
    PreparedSms,
    SentSaver,
    claim_due_sms,
    prepare_sms,
    send_prepared_sms,
)
from statuspage.notify import registry

log = logging.getLogger(__name__)

# After a stall, how much lost time the pump makes up with sends back to back: a few sends,
# and never more than 5% of a second, so no second ever sees more than the limit plus 5%.
CATCH_UP_SENDS = 2
CATCH_UP_SECONDS = 0.05
# A sender woken later than this after its time takes a new one: the senders late together
# after a stall go out at most this much time's worth at once.
LATE_OK_SECONDS = 0.05


class Pacer:
    """Hands out send times at least 1/rate apart, never in the past, never inside a pause.

    Times are given out ahead: a sender thread that wakes a little late (the GIL, a busy
    machine) sends a little late without moving anyone else's time, so the average rate
    holds; one that finds itself inside a provider's pause takes a new time after it.
    """

    def __init__(self, rate: float, clock: Callable[[], float], first: float,
                 max_pause: float) -> None:
        self.interval = 1.0 / rate
        self.catch_up = min(CATCH_UP_SENDS * self.interval, CATCH_UP_SECONDS)
        self.clock = clock
        self.next_at = first
        self.pause_until = 0.0
        self.max_pause = max_pause
        self.lock = threading.Lock()

    def next_slot(self) -> float:
        with self.lock:
            # Behind schedule (the machine was busy), make up at most a few sends' worth at
            # once: fewer than a provider's burst tolerance, so no 429, and little time lost.
            slot = max(self.next_at, self.pause_until, self.clock() - self.catch_up)
            self.next_at = slot + self.interval
            return slot

    def pause(self, seconds: float) -> None:
        """The provider asked us to slow down (429): not only for this message."""
        with self.lock:
            self.pause_until = max(self.pause_until,
                                   self.clock() + min(seconds, self.max_pause))

    def paused(self) -> bool:
        return self.pause_until > self.clock()


class Gate:
    """At most `limit` sends in flight, the limit following the provider's answer time.

    Enough in flight to keep the rate when answers are slow (a real provider, ~200 ms), few
    when they are fast: after a stall every send whose time has passed goes at once, and a
    burst bigger than a provider tolerates earns 429s.
    """

    def __init__(self, rate: float, most: int) -> None:
        self.rate, self.most = rate, most
        self.latency = 0.03  # seconds, a first guess until answers come in
        self.in_flight = 0
        self.condition = threading.Condition()

    @property
    def limit(self) -> int:
        return max(1, min(self.most, math.ceil(self.rate * self.latency * 1.5) + 1))

    def enter(self) -> None:
        with self.condition:
            while self.in_flight >= self.limit:
                self.condition.wait()
            self.in_flight += 1

    def leave(self, latency: float | None) -> None:
        with self.condition:
            self.in_flight -= 1
            if latency is not None:
                self.latency = 0.8 * self.latency + 0.2 * latency
            self.condition.notify_all()


class Senders:
    """Sends at their paced times, inline (one at a time) or from a pool of threads."""

    def __init__(self, concurrency: int, pacer: Pacer,
                 sleep: Callable[[float], None]) -> None:
        self.app = current_app._get_current_object()  # type: ignore[attr-defined]
        self.channel = registry.sms_channel()
        self.pacer = pacer
        self.sleep = sleep
        self.contents: dict[Any, Any] = {}
        self.gate = Gate(1.0 / pacer.interval, concurrency)
        self.late_ok = max(2 * pacer.interval, LATE_OK_SECONDS)
        self.pool = ThreadPoolExecutor(concurrency, "sms-pump") if concurrency > 1 else None
        self.saver = SentSaver(self.app, threaded=self.pool is not None)
        # Claimed, handed to a sender, and not sent: the process stopped first (given back).
        self.unsent: list[int] = []

    def submit(self, prepared: PreparedSms, at: float) -> None:
        """Send at `at` (pacer clock); the caller has entered the gate."""
        if self.pool is None:
            self._send(prepared, at)
        else:
            self.pool.submit(self._send_in_context, prepared, at)

    def _send_in_context(self, prepared: PreparedSms, at: float) -> None:
        with self.app.app_context():
            self._send(prepared, at)

    def _send(self, prepared: PreparedSms, at: float) -> None:
        with log_context(event_id=prepared.item.event_id, delivery_id=prepared.item.delivery_id):
            self._send_paced(prepared, at)

    def _send_paced(self, prepared: PreparedSms, at: float) -> None:
        clock = self.pacer.clock
        latency = None
        try:
            while True:
                while (wait := at - clock()) > 0:
                    if shutdown.requested():  # stopping: no send starts any more
                        self.unsent.append(prepared.item.delivery_id)
                        return
                    self.sleep(wait)
                # Woken long after its time (the machine was busy), a sender takes a new one
                # rather than go off together with every other late sender.
                late = self.pool is not None and clock() - at > self.late_ok
                if not late and not self.pacer.paused():
                    break
                at = self.pacer.next_slot()
            started = time.monotonic()
            error = send_prepared_sms(prepared, self.channel, self.saver)
            latency = time.monotonic() - started
            if error is not None and not error.permanent and error.retry_after:
                self.pacer.pause(error.retry_after)
        except Exception:  # the lease brings the delivery back; keep the pump going
            log.exception("SMS delivery %s could not be sent", prepared.item.delivery_id)
        finally:
            self.gate.leave(latency)

    def close(self) -> None:
        """Wait for the sends in flight, then for their acceptances to be saved."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        self.saver.close()


class Feed:
    """Claimed and prepared deliveries for the pacer, a claim (about 100 ms of sends) at a time.

    Threaded, it claims the next batch while the current one is being sent, so the pacer never
    waits on the database (a busy SQLite writer can take a while) and loses no send times.
    """

    def __init__(self, size: int, contents: dict[Any, Any], threaded: bool) -> None:
        self.size = size
        self.contents = contents
        self.ready: queue.Queue[PreparedSms | None] = queue.Queue(maxsize=2 * size)
        self.stop = threading.Event()
        self.unsent: list[int] = []
        self.thread: threading.Thread | None = None
        self.buffer: deque[PreparedSms] = deque()
        if threaded:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            self.thread = threading.Thread(target=self._fill, args=(app,), daemon=True,
                                           name="sms-pump-feed")
            self.thread.start()

    def next(self) -> PreparedSms | None:
        """The next delivery to send, or None when nothing more is due."""
        if self.thread is not None:
            return self.ready.get()
        while not self.buffer:
            claimed = claim_due_sms(self.size)
            if not claimed:
                return None
            try:
                self.buffer.extend(prepare_sms(claimed, self.contents))
            except Exception:  # given back when the pump stops (close)
                self.unsent.extend(claimed)
                raise
        return self.buffer.popleft()

    def _fill(self, app: Any) -> None:
        with app.app_context():
            try:
                while not self.stop.is_set():
                    claimed = claim_due_sms(self.size)
                    if not claimed:
                        break
                    try:
                        ready = prepare_sms(claimed, self.contents)
                    except Exception:  # given back when the pump stops (close)
                        self.unsent.extend(claimed)
                        raise
                    for prepared in ready:
                        if not self._put(prepared):
                            self.unsent.append(prepared.item.delivery_id)
            except Exception:  # what was claimed and not handed over is given back at close
                log.exception("the SMS pump could not claim deliveries")
            finally:
                self.ready.put(None)

    def _put(self, prepared: PreparedSms) -> bool:
        while not self.stop.is_set():
            try:
                self.ready.put(prepared, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def close(self) -> list[int]:
        """Stop claiming; the ids claimed but never handed out, to give back."""
        self.stop.set()
        unsent = [p.item.delivery_id for p in self.buffer]
        if self.thread is not None:
            while self.thread.is_alive():
                self._drain(unsent)
                self.thread.join(timeout=0.1)
            self._drain(unsent)
        return unsent + self.unsent

    def _drain(self, into: list[int]) -> None:
        while True:
            try:
                prepared = self.ready.get_nowait()
            except queue.Empty:
                return
            if prepared is not None:
                into.append(prepared.item.delivery_id)
