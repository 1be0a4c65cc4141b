"""What the delivery pipeline looks like right now, read from the database for GET /metrics.

Every figure is computed from rows (and the SMS pump's heartbeat in the SMS queue's store),
not counted in a process, so any web process answers the same whatever worker did the work.
Each read is an index range or a small bounded window, so a scrape stays cheap during a
fan-out of a million deliveries:

- counts by channel and state: one pass over ix_delivery_claim (channel, state, ...);
- due work: the queued range of ix_delivery_claim up to now;
- hand-over latency and the SMS rate: the newest hand-overs of each channel, a range of
  ix_delivery_channel_sent: at most HANDOVER_SAMPLE per channel from the last HANDOVER_WINDOW;
- failures: failed rows (ix_delivery_claim) changed within FAILURE_WINDOW.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from statuspage.core import jobs
from statuspage.core.extensions import db
from statuspage.delivery.sms.pump import HEARTBEAT_KEY, PUMP_LOCK, SMS_QUEUE
from statuspage.models import Delivery, FanoutEvent, ProcessBeat
from statuspage.models.deliveries import DELIVERED, FAILED, QUEUED, SENT
from statuspage.models.subscribers import CHANNELS, CHAT_CHANNELS, SMS

HANDOVER_WINDOW = timedelta(minutes=15)
HANDOVER_SAMPLE = 10_000
FAILURE_WINDOW = timedelta(hours=1)
SMS_RATE_WINDOW = timedelta(minutes=1)
# Every delivery channel the figures name, a chat provider as its own (as deliveries are).
DELIVERY_CHANNELS = (*CHANNELS, *CHAT_CHANNELS)


@dataclass
class DeliveryFigures:
    """One scrape's view of the deliveries (see the module for what each covers)."""

    by_state: dict[tuple[str, str], int] = field(default_factory=dict)
    due: dict[str, int] = field(default_factory=dict)
    oldest_due_age: dict[str, float] = field(default_factory=dict)
    # Per channel: seconds from the publish (the fan-out event) to the provider's acceptance.
    handover: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[tuple[str, str], int] = field(default_factory=dict)
    sms_sent_last_minute: int = 0


@dataclass(frozen=True)
class ProcessFigure:
    """One process's heartbeat row (statuspage.delivery.heartbeats) as of the scrape."""

    name: str
    kind: str
    heartbeat_age: float
    cache_hits: int
    cache_misses: int


@dataclass(frozen=True)
class PumpBeat:
    running: bool  # the pump's lock is held
    heartbeat_age: float | None  # seconds since its last heartbeat; None: no heartbeat


def delivery_figures(now: datetime) -> DeliveryFigures:
    """Read the delivery figures as of `now` (a few indexed queries)."""
    figures = DeliveryFigures()
    for channel, state, count in db.session.execute(
            select(Delivery.channel, Delivery.state, func.count())
            .group_by(Delivery.channel, Delivery.state)):
        figures.by_state[(channel, state)] = int(count)
    for channel, count, oldest in db.session.execute(
            select(Delivery.channel, func.count(), func.min(Delivery.next_attempt_at))
            .where(Delivery.state == QUEUED, Delivery.next_attempt_at <= now)
            .group_by(Delivery.channel)):
        figures.due[channel] = int(count)
        if oldest is not None:
            figures.oldest_due_age[channel] = max(0.0, (now - oldest).total_seconds())
    for channel in DELIVERY_CHANNELS:
        figures.handover[channel] = _handover_seconds(channel, now)
    for channel, code, count in db.session.execute(
            select(Delivery.channel, Delivery.error_code, func.count())
            .where(Delivery.state == FAILED, Delivery.updated_at >= now - FAILURE_WINDOW)
            .group_by(Delivery.channel, Delivery.error_code)):
        key = (channel, code or "unknown")
        figures.failures[key] = figures.failures.get(key, 0) + int(count)
    figures.sms_sent_last_minute = int(db.session.scalar(
        select(func.count()).select_from(Delivery)
        .where(Delivery.channel == SMS, Delivery.sent_at > now - SMS_RATE_WINDOW,
               Delivery.sent_at <= now)) or 0)
    return figures


def _handover_seconds(channel: str, now: datetime) -> list[float]:
    """Publish -> provider hand-over of the channel's newest hand-overs in the window."""
    newest = (
        select(Delivery.sent_at, Delivery.event_id)
        .where(Delivery.channel == channel, Delivery.sent_at >= now - HANDOVER_WINDOW,
               Delivery.sent_at <= now, Delivery.state.in_((SENT, DELIVERED, FAILED)))
        .order_by(Delivery.sent_at.desc())
        .limit(HANDOVER_SAMPLE)
        .subquery()
    )
    rows = db.session.execute(
        select(newest.c.sent_at, FanoutEvent.created_at)
        .join(FanoutEvent, FanoutEvent.id == newest.c.event_id))
    return [max(0.0, (sent - published).total_seconds()) for sent, published in rows]


def pump_beat() -> PumpBeat:
    """Whether the SMS pump runs, and how old its heartbeat is (the SMS queue's store)."""
    store = jobs.store(SMS_QUEUE)
    beat = store.get(HEARTBEAT_KEY)
    age = max(0.0, time.time() - float(beat[1])) if beat is not None else None
    return PumpBeat(running=store.lock(PUMP_LOCK).is_locked(), heartbeat_age=age)


def process_figures(now: datetime) -> list[ProcessFigure]:
    """Every process that has beaten within the last hour (older rows are forgotten)."""
    return [ProcessFigure(name=row.name, kind=row.kind,
                          heartbeat_age=max(0.0, (now - row.beat_at).total_seconds()),
                          cache_hits=row.cache_hits, cache_misses=row.cache_misses)
            for row in db.session.scalars(select(ProcessBeat).order_by(ProcessBeat.name))]
