"""Each process's heartbeat row (models.ProcessBeat), written by a thread of its own.

Web, worker and sms processes each run one `Heartbeat`: every PROCESS_HEARTBEAT_SECONDS it
writes the process's row (its beat time and, for web processes, its response cache's counts),
and forgets rows of processes that have not beaten for FORGET_AFTER (stopped, or their machine
gone), so restarts do not pile up rows. GET /metrics reads the rows from any web process
(statuspage.delivery.monitoring.process_figures): the age of each process's last beat tells a
stuck or dead worker, and the counts add up every web process's cache.

The thread is off every request and task: a database that does not answer delays a beat (its
age grows, which is what an alert should see), never a page or a delivery.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import delete

from statuspage.core.extensions import db
from statuspage.models import ProcessBeat, utcnow

log = logging.getLogger(__name__)

FORGET_AFTER = timedelta(hours=1)
Counts = Callable[[], Mapping[str, int]]


def process_name(kind: str) -> str:
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"


def record_beat(name: str, kind: str, started_at: datetime,
                counts: Mapping[str, int] | None = None, now: datetime | None = None) -> None:
    """Write this process's row as of `now`, and forget rows silent for FORGET_AFTER."""
    now = now or utcnow()
    row = db.session.get(ProcessBeat, name)
    if row is None:
        row = ProcessBeat(name=name, kind=kind, started_at=started_at)
        db.session.add(row)
    row.beat_at = now
    counts = counts or {}
    row.cache_hits = counts.get("hit", 0)
    row.cache_misses = counts.get("miss", 0)
    db.session.execute(delete(ProcessBeat).where(ProcessBeat.beat_at < now - FORGET_AFTER))
    db.session.commit()


class Heartbeat(threading.Thread):
    """Beats for one process: at once when started, then every `interval` seconds."""

    def __init__(self, app: Flask, kind: str, interval: float,
                 counts: Counts | None = None) -> None:
        super().__init__(name=f"heartbeat-{kind}", daemon=True)
        self.app = app
        self.kind = kind
        self.interval = interval
        self.counts = counts
        self.process = process_name(kind)
        self.started_at = utcnow()
        self._stopped = threading.Event()

    def run(self) -> None:
        while True:
            self.beat()
            if self._stopped.wait(self.interval):
                return

    def beat(self) -> None:
        with self.app.app_context():
            try:
                record_beat(self.process, self.kind, self.started_at,
                            self.counts() if self.counts else None)
            except Exception as error:  # the database is down: the row ages, as it should
                log.warning("heartbeat of %s not written (%s)", self.process,
                            type(error).__name__)
                db.session.rollback()
            finally:
                db.session.remove()

    def stop(self) -> None:
        self._stopped.set()


def start_heartbeat(app: Flask, kind: str, counts: Counts | None = None) -> Heartbeat | None:
    """Start the process's heartbeat thread (None when PROCESS_HEARTBEAT_SECONDS is 0)."""
    interval = float(app.config["PROCESS_HEARTBEAT_SECONDS"])
    if interval <= 0:
        return None
    beat = Heartbeat(app, kind, interval, counts)
    beat.start()
    return beat
