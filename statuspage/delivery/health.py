"""Is anyone sending? Deliveries due long ago and still queued mean a worker is not running.

Email and webhooks are sent by the `worker` process and SMS by the `sms` process (Procfile).
A deployment that forgot one of them would otherwise queue messages silently forever, so the
console dashboard shows a warning for each channel whose oldest due delivery has waited longer
than STALL_AFTER.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.models import Delivery
from statuspage.models.deliveries import QUEUED
from statuspage.models.subscribers import SMS

# Longer than a healthy worker ever leaves due work waiting (sends are enqueued on commit and the
# periodic recovery runs every minute), short enough to catch a missing process during an incident.
STALL_AFTER = timedelta(minutes=5)


class Stall(NamedTuple):
    channel: str
    waiting: int
    oldest: datetime
    process: str  # the Procfile process that sends this channel


def stalled_channels(now: datetime) -> list[Stall]:
    """Channels with deliveries due for longer than STALL_AFTER and still queued."""
    cutoff = now - STALL_AFTER
    due_since = func.coalesce(Delivery.next_attempt_at, Delivery.created_at)
    rows = db.session.execute(
        select(Delivery.channel, func.count(), func.min(due_since))
        .where(Delivery.state == QUEUED, due_since <= cutoff)
        .group_by(Delivery.channel)
        .order_by(Delivery.channel)
    ).all()
    return [Stall(channel, int(count), oldest, "sms" if channel == SMS else "worker")
            for channel, count, oldest in rows]
