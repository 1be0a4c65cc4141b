"""Expand a fan-out event into one Delivery per recipient, batch by batch.

The recipients are the event's audience (statuspage.delivery_audience): public subscribers
and the members of the stakeholder groups the plan routed the event to.

Subscribers are read by id after the event's saved cursor (keyset pagination), so memory does
not grow with the audience and an interrupted expansion resumes where it stopped. Each batch
inserts its deliveries with INSERT … ON CONFLICT DO NOTHING on the unique (event, subscriber,
channel) key, advances the cursor and commits in one transaction: re-running a batch after a
crash creates nothing twice. Only then is the batch's send work enqueued.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from statuspage.delivery_audience import Audience, audience_for, with_groups
from statuspage.delivery_audience import audience_condition as recipients_condition
from statuspage.delivery_dispatch import dispatch_rows
from statuspage.extensions import db
from statuspage.models import Delivery, FanoutEvent, Subscriber, utcnow
from statuspage.models.deliveries import QUEUED

log = logging.getLogger(__name__)

PENDING, EXPANDING, DONE = "pending", "expanding", "done"
__all__ = ["audience_condition", "expand_event", "with_groups"]


def expand_event(event_id: int) -> int:
    """Create the event's deliveries and enqueue their sending; returns deliveries created.

    Safe to call any number of times, from any number of workers: the event is leased by a
    conditional UPDATE, so one worker expands it at a time, and a worker that died is replaced
    once its lease has expired (recover_expired_leases re-enqueues the event).
    """
    now = utcnow()
    cursor = _claim(event_id, now)
    if cursor is None:
        return 0
    event = db.session.get(FanoutEvent, event_id)
    if event is None:  # pragma: no cover - deleted between the claim and here
        return 0
    audience = audience_for(event.channels or [], event.component_ids or [], event.routes or {})
    db.session.commit()
    batch_size = int(current_app.config["FANOUT_BATCH_SIZE"])
    created = 0
    while True:
        batch = db.session.execute(
            _audience(audience, cursor).limit(batch_size)
        ).all()
        if not batch:
            _finish(event_id, cursor)
            return created
        last = batch[-1].id
        now = utcnow()
        created += _insert_deliveries(event_id, batch, now)
        if not _advance(event_id, cursor, last, now):
            # Another worker took the event over (our lease had run out): it carries on.
            db.session.commit()
            log.warning("fan-out event %s taken over by another worker at %s", event_id, cursor)
            return created
        db.session.commit()
        dispatch_rows(_queued_in_range(event_id, cursor, last))
        cursor = last


def _claim(event_id: int, now: datetime) -> int | None:
    """Lease the event for expansion; its cursor, or None when someone else holds it."""
    lease = now + timedelta(seconds=int(current_app.config["DELIVERY_LEASE_SECONDS"]))
    claimed = db.session.execute(
        update(FanoutEvent)
        .where(FanoutEvent.id == event_id,
               or_(FanoutEvent.state == PENDING,
                   (FanoutEvent.state == EXPANDING)
                   & or_(FanoutEvent.lease_until.is_(None), FanoutEvent.lease_until < now)))
        .values(state=EXPANDING, lease_until=lease)
        .returning(FanoutEvent.cursor)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    db.session.commit()
    return claimed


def _advance(event_id: int, old: int, new: int, now: datetime) -> bool:
    """Move the cursor on and renew the lease, if the cursor is still where we left it."""
    lease = now + timedelta(seconds=int(current_app.config["DELIVERY_LEASE_SECONDS"]))
    result = db.session.execute(
        update(FanoutEvent)
        .where(FanoutEvent.id == event_id, FanoutEvent.state == EXPANDING,
               FanoutEvent.cursor == old)
        .values(cursor=new, lease_until=lease)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def _finish(event_id: int, cursor: int) -> None:
    db.session.execute(
        update(FanoutEvent)
        .where(FanoutEvent.id == event_id, FanoutEvent.state == EXPANDING,
               FanoutEvent.cursor == cursor)
        .values(state=DONE, lease_until=None, expanded_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def audience_condition(channels: Sequence[str], components: Sequence[int]) -> ColumnElement[bool]:
    """Active public subscribers of these channels who follow one of `components` (already
    including their groups, see with_groups); see delivery_audience for stakeholder routes."""
    return recipients_condition(Audience(tuple(channels), tuple(components)))


def _audience(audience: Audience, after: int) -> Select[Any]:
    """The event's recipients after `after`, by id (index ix_subscriber_fanout)."""
    return (select(Subscriber.id, Subscriber.channel)
            .where(recipients_condition(audience), Subscriber.id > after)
            .order_by(Subscriber.id))


def _insert_deliveries(event_id: int, batch: list[Any], now: datetime) -> int:
    rows = [
        {"event_id": event_id, "subscriber_id": row.id, "channel": row.channel,
         "state": QUEUED, "attempts": 0, "next_attempt_at": now, "created_at": now,
         "updated_at": now}
        for row in batch
    ]
    # RETURNING yields only the rows inserted: a re-run batch counts none.
    inserted = db.session.execute(
        _insert_ignoring_duplicates().returning(Delivery.__table__.c.id), rows)
    return len(inserted.all())


def _insert_ignoring_duplicates() -> Any:
    """INSERT … ON CONFLICT (event, subscriber, channel) DO NOTHING, in the database's dialect."""
    table = Delivery.__table__
    key = ["event_id", "subscriber_id", "channel"]
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=key)
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=key)
    return insert(table)  # pragma: no cover - only SQLite and PostgreSQL are supported


def _queued_in_range(event_id: int, after: int, last: int) -> list[Any]:
    """The batch's deliveries still queued, with what the dispatcher needs to group them."""
    return list(db.session.execute(
        select(Delivery.id, Delivery.channel, Delivery.event_id, Subscriber.language)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.event_id == event_id, Delivery.subscriber_id > after,
               Delivery.subscriber_id <= last, Delivery.state == QUEUED)
        .order_by(Delivery.subscriber_id)
    ).all())
