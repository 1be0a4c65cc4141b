"""Deliveries seen from outside the worker: a provider's receipt applied, an event's failed
deliveries queued again, and the counts the console shows.

Receipts arrive late, twice and out of order, so a delivery's state only moves forward
(STATE_RANK); a retry goes through the same dispatch as a first send.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select, update

from statuspage.core.extensions import db
from statuspage.delivery.dispatch import dispatch_ids
from statuspage.models import Delivery, FanoutEvent, Subscriber, utcnow
from statuspage.models.deliveries import DELIVERED, FAILED, QUEUED, STATE_RANK

log = logging.getLogger(__name__)


def record_receipt(provider_message_id: str, state: str, error: str | None = None,
                   code: str | None = None, *, delivery_id: int | None = None
                   ) -> Delivery | None:
    """Apply a provider's report about a message; the furthest state wins.

    Receipts arrive late, twice and out of order (a `sent` after a `delivered`), so a state
    only ever moves forward by STATE_RANK. One SendGrid X-Message-Id covers a whole batch of
    up to 1,000 deliveries: pass `delivery_id` (SendGrid echoes it from custom_args) to name
    the one meant; an id shared by several deliveries without it is ambiguous and ignored.
    Returns the delivery, or None for an id we do not know (the caller still answers 200, so
    the provider stops retrying).
    """
    if state not in STATE_RANK:
        raise ValueError(f"unknown delivery state {state!r}")
    if delivery_id is not None:
        row = db.session.get(Delivery, delivery_id)
        if row is None or (provider_message_id and row.provider_message_id
                           and row.provider_message_id != provider_message_id):
            return None
    else:
        if not provider_message_id:
            return None
        rows = db.session.execute(
            select(Delivery).where(Delivery.provider_message_id == provider_message_id)
            .limit(2)
        ).scalars().all()
        if len(rows) != 1:
            if rows:
                log.warning("receipt for %s matches several deliveries; pass delivery_id",
                            provider_message_id)
            return None
        row = rows[0]
    now = utcnow()
    if STATE_RANK[state] > STATE_RANK.get(row.state, 0):
        row.state = state
        row.lease_until = None
        row.updated_at = now
        if state == DELIVERED:
            row.delivered_at = now
        if state == FAILED:
            row.last_error = error or row.last_error
            row.error_code = code or row.error_code
    db.session.commit()
    return row


def retry_failed(event_id: int) -> int:
    """Queue an event's failed deliveries again (not those to suppressed subscribers).

    Returns how many were queued; the worker sends them.
    """
    now = utcnow()
    reachable = select(Subscriber.id).where(Subscriber.suppressed_at.is_(None),
                                            Subscriber.unsubscribed_at.is_(None))
    ids = list(db.session.execute(
        update(Delivery)
        .where(Delivery.event_id == event_id, Delivery.state == FAILED,
               Delivery.subscriber_id.in_(reachable))
        .values(state=QUEUED, next_attempt_at=now, lease_until=None, updated_at=now)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).scalars())
    db.session.commit()
    if ids:
        dispatch_ids(ids)
    return len(ids)


def summary(event_id: int) -> dict[str, dict[str, int]]:
    """How many deliveries of an event are in each state, per channel."""
    rows = db.session.execute(
        select(Delivery.channel, Delivery.state, func.count())
        .where(Delivery.event_id == event_id)
        .group_by(Delivery.channel, Delivery.state)
    ).all()
    result: dict[str, dict[str, int]] = {}
    for channel, state, count in rows:
        result.setdefault(channel, {})[state] = int(count)
    return result


def event_for_update(update_id: int) -> FanoutEvent | None:
    """The fan-out event announcing an update, if it was announced."""
    return db.session.execute(
        select(FanoutEvent).where(FanoutEvent.update_id == update_id)
        .order_by(FanoutEvent.id.desc())
    ).scalars().first()

