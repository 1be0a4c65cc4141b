"""Each running web, worker and sms process's last sign of life, and its own counters.

A process writes its row every PROCESS_HEARTBEAT_SECONDS (statuspage.delivery.heartbeats), so
GET /metrics, answered by any web process, can report every process: how long since each last
beat, and what only a process knows, its public response cache's hits and misses.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.core.extensions import Model
from statuspage.models.types import UTCDateTime, utcnow

PROCESS_KINDS = ("web", "worker", "sms")


class ProcessBeat(Model):
    # "<kind>@<host>:<pid>", unique while the process runs.
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Totals since the process started (web processes; 0 elsewhere).
    cache_hits: Mapped[int] = mapped_column(BigInteger, default=0)
    cache_misses: Mapped[int] = mapped_column(BigInteger, default=0)
