"""The SMS pump: the one sender of SMS, paced to TWILIO_MAX_PER_SECOND across all workers.

Twilio throughput is per sender (1 message per second on a US long code), so the limit is
global, not per worker. The pump runs on the SMS queue, in the `sms` consumer process of its
own (tasks.queues explains why). Only the holder of the lock "sms-pump" (in the SMS
queue's store) sends; it claims due deliveries a few at a time (about 100 ms of sending) and
starts each send 1/rate seconds after the previous one (delivery.sms.pacing). Anyone may
enqueue the pump (after an expansion batch, a failure, the periodic task); a second pump finds
the lock taken and returns at once. Pacing governs when sends start; a few run at once
(`concurrency_for`), so the provider's latency does not cap the rate.

A pump killed with its lock held (kill -9) would block SMS forever, so it writes a heartbeat
to the SMS queue's store; recover_expired_leases() clears the lock of a pump whose heartbeat
is older than DELIVERY_LEASE_SECONDS. A pump that finds someone else's heartbeat stops at
once, so at most one pump sends at a time even then.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC

from flask import current_app
from sqlalchemy import func, select

from statuspage.core import jobs, shutdown
from statuspage.core.extensions import db
from statuspage.delivery.faults import persist
from statuspage.delivery.send import release
from statuspage.delivery.sms.pacing import Feed, Pacer, Senders
from statuspage.delivery.sms.send import claim_size_for
from statuspage.models import Delivery, utcnow
from statuspage.models.deliveries import QUEUED
from statuspage.models.subscribers import SMS

log = logging.getLogger(__name__)

# The pump's lock and heartbeat live in the SMS queue's store (core.jobs), shared by every
# process; a store of its own, so heartbeats never wait on the worker queue's write lock.
SMS_QUEUE = "sms"
PUMP_LOCK = "sms-pump"
HEARTBEAT_KEY = "sms-pump-heartbeat"
# Wall-clock time of the last send, so the next pump keeps the pace across the hand-over.
LAST_SEND_KEY = "sms-pump-last-send"
HEARTBEAT_EVERY_SECONDS = 1.0
# A pump hands over after this long, so one worker thread is never held for ever; it
# enqueues its successor when work remains.
MAX_RUN_SECONDS = 300.0


class PumpBusy(Exception):
    """Another pump holds the lock: it will send what this one would have."""


def concurrency_for(rate: float) -> int:
    """Most sends in flight at once: enough to keep `rate` with answers taking ~300 ms.

    Pacing governs when sends *start*; waiting for each answer before starting the next would
    cap a 100-per-second short code at the provider's latency. How many are really in flight
    follows the answer time (`Gate`).
    """
    return max(1, min(32, math.ceil(rate * 0.3)))


def run_sms_pump(max_seconds: float = MAX_RUN_SECONDS,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = shutdown.sleep,
                 concurrency: int | None = None) -> int:
    """Send due SMS deliveries at the configured rate until none is due; returns sends started.

    When the process is asked to stop (core.shutdown) it starts no more sends: the sends in
    flight are answered and saved, what it claimed and did not send is given back, and the
    pump is enqueued again for the next sms process. Raises PumpBusy when another pump is
    running. `clock`, `sleep` and `concurrency` are for
    tests (the default concurrency follows the rate: `concurrency_for`).
    """
    store = jobs.store(SMS_QUEUE)
    lock = store.lock(PUMP_LOCK)
    try:
        persist(lock.acquire, "taking the SMS pump's lock")
    except jobs.Locked as error:
        raise PumpBusy(str(error)) from None
    rate = float(current_app.config["TWILIO_MAX_PER_SECOND"])
    started = clock()
    # Starts no sooner than one interval after the previous pump's last send; a provider's
    # pause never outlasts the lease of the deliveries already claimed.
    first = started + max(0.0, _last_send(store) + 1 / rate - time.time())
    pacer = Pacer(rate, clock, first,
                  max_pause=int(current_app.config["DELIVERY_LEASE_SECONDS"]) / 2)
    concurrency = concurrency or concurrency_for(rate)
    heart = Heartbeat(clock, threaded=concurrency > 1)
    senders = Senders(concurrency, pacer, sleep)
    feed = Feed(claim_size_for(rate), senders.contents, threaded=concurrency > 1)
    last_send = None
    tried = 0
    try:
        while clock() - started < max_seconds:
            if shutdown.requested():
                log.info("the SMS pump stops: the process is stopping")
                break
            if not heart.still_mine():
                log.warning("another SMS pump took over; this one stops")
                break
            prepared = feed.next()
            if prepared is None:
                break
            senders.gate.enter()
            at = pacer.next_slot()
            last_send = time.time() + (at - clock())
            senders.submit(prepared, at)
            tried += 1
    finally:
        heart.stop()
        senders.close()
        unsent = feed.close() + senders.unsent
        persist(lambda: release(unsent), "giving back unsent SMS claims")
        # The queue's store may be down (a Redis fault): the lock is given back when it is
        # up again, not left for recovery to find stale a lease later.
        mine = persist(lambda: _hand_over(store, heart, lock, last_send),
                       "releasing the SMS pump's lock")
    if mine:
        persist(wake_for_next, "waking the SMS pump for the next due SMS")
    return tried


def _hand_over(store: jobs.Store, heart: Heartbeat, lock: jobs.Lock,
               last_send: float | None) -> bool:
    """Release the pump's lock if it is still this pump's; whether it was."""
    if heart.lost.is_set() or not _still_mine(heart.token):
        return False
    if last_send is not None:
        store.put(LAST_SEND_KEY, last_send)
    store.delete(HEARTBEAT_KEY)
    lock.release()
    return True


def wake_for_next() -> None:
    """Run the pump again now if SMS are due, else when the first retry is due.

    A failed SMS waits its computed backoff (or the provider's Retry-After), not the next
    periodic recovery: the pump is scheduled for the moment the first one is due.
    """
    if due_sms_exist():
        jobs.enqueue("sms_pump")
        return
    first = db.session.execute(
        select(func.min(Delivery.next_attempt_at))
        .where(Delivery.channel == SMS, Delivery.state == QUEUED)
    ).scalar()
    db.session.commit()
    if first is not None:
        if first.tzinfo is None:
            first = first.replace(tzinfo=UTC)
        delay = max(0.0, (first - utcnow()).total_seconds())
        jobs.enqueue("sms_pump", delay=delay + 0.05)


def wake_pump() -> bool:
    """Enqueue the pump unless one is running; True when enqueued.

    Every expansion batch with SMS in it calls this: a running pump will find those SMS
    (it claims until none is due, and looks again after releasing its lock), so a hundred
    batches need not queue a hundred pumps behind it in the SMS consumer.
    """
    if jobs.store(SMS_QUEUE).lock(PUMP_LOCK).is_locked():
        return False
    jobs.enqueue("sms_pump")
    return True


def due_sms_exist() -> bool:
    """Whether an SMS delivery is queued and due now."""
    found = db.session.execute(
        select(Delivery.id)
        .where(Delivery.channel == SMS, Delivery.state == QUEUED,
               Delivery.next_attempt_at <= utcnow())
        .limit(1)
    ).first() is not None
    db.session.commit()
    return found


def clear_stale_pump_lock(stale_after: float) -> bool:
    """Release the pump lock of a pump whose heartbeat stopped (killed); True when cleared."""
    store = jobs.store(SMS_QUEUE)
    lock = store.lock(PUMP_LOCK)
    if not lock.is_locked():
        return False
    beat = store.get(HEARTBEAT_KEY)
    if beat is not None and time.time() - float(beat[1]) <= stale_after:
        return False
    log.warning("clearing the lock of an SMS pump that stopped beating")
    lock.clear()
    return True


def _last_send(store: jobs.Store) -> float:
    value = store.get(LAST_SEND_KEY)
    return float(value) if value is not None else 0.0


class Heartbeat:
    """The pump's heartbeat in the SMS queue's store, and whether the pump is still the one.

    Threaded, it beats from a thread of its own: a write to the store (a commit, an fsync on
    SQLite) can take tens of milliseconds on a busy disk, and in the pump's loop it would hold
    up the next send times. Unthreaded (the tests' pump) the loop beats itself, on the pump's
    clock.
    """

    def __init__(self, clock: Callable[[], float], threaded: bool) -> None:
        self.token = secrets.token_hex(8)
        self.clock = clock
        self.last = clock()
        self.lost = threading.Event()
        self.stopping = threading.Event()
        _beat(self.token)
        self.thread: threading.Thread | None = None
        if threaded:
            self.thread = threading.Thread(target=self._run, daemon=True,
                                           name="sms-pump-heartbeat")
            self.thread.start()

    def still_mine(self) -> bool:
        """False once someone else's heartbeat was found (recovery judged this pump dead)."""
        if self.thread is None and not self.lost.is_set() and not self.stopping.is_set() \
                and self.clock() - self.last >= HEARTBEAT_EVERY_SECONDS:
            self._check()
            self.last = self.clock()
        return not self.lost.is_set()

    def _run(self) -> None:
        while not self.stopping.wait(HEARTBEAT_EVERY_SECONDS):
            try:
                if not self._check():
                    return
            except Exception:  # the store is unreachable: the pump carries on, as it would
                log.exception("the SMS pump could not write its heartbeat")

    def _check(self) -> bool:
        if not _still_mine(self.token):
            self.lost.set()
            return False
        _beat(self.token)
        return True

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join()


def _beat(token: str) -> None:
    jobs.store(SMS_QUEUE).put(HEARTBEAT_KEY, (token, time.time()))


def _still_mine(token: str) -> bool:
    beat = jobs.store(SMS_QUEUE).get(HEARTBEAT_KEY)
    return beat is None or beat[0] == token
