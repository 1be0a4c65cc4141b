"""Retention: what the periodic task deletes or erases, and when (statuspage.tasks.privacy).

- Delivery records (one per message and recipient) of messages published more than
  DELIVERY_RETENTION_DAYS ago, once final (sent, delivered, failed, suppressed): a delivery
  still queued or sending is kept whatever its age. The fan-out event itself stays (it holds
  no personal data), so an old update's delivery summary then counts nothing.
- Provider receipts (callback ids already applied) and dev outbox messages older than that.
  Twilio's inbound keyword receipts (STOP, START, HELP) stay: Twilio signs no timestamp, so
  they are what refuses a replayed old request, and they hold a message SID and a keyword.
- The personal data of public subscribers who unsubscribed or were suppressed more than
  UNSUBSCRIBED_RETENTION_DAYS ago, and of sign-ups made that long ago and never confirmed:
  erased, each row kept as an anonymous opt-out record (statuspage.subscriptions.erasure),
  so the opt-out still holds.

0 days keeps for ever. Work goes in small batches, each its own short transaction, so a table
of a million rows is never locked for long; one run does at most `max_batches` batches of
each kind, and the next run carries on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, delete, exists, or_, select
from sqlalchemy.orm import selectinload

from statuspage.core.extensions import db
from statuspage.core.transaction import execute_dml
from statuspage.models import Delivery, FanoutEvent, OutboxMessage, ProviderReceipt, Subscriber
from statuspage.models.deliveries import DELIVERED, FAILED, SENT, SUPPRESSED
from statuspage.models.types import utcnow
from statuspage.subscriptions import erasure

log = logging.getLogger(__name__)

FINAL_STATES = (SENT, DELIVERED, FAILED, SUPPRESSED)
# Receipts kept whatever their age (see the module).
KEPT_RECEIPTS = ("twilio_inbound",)
BATCH_SIZE = 1000
MAX_BATCHES = 500


@dataclass
class RetentionRun:
    """What one run deleted or erased; `more` when a kind ran out of batches."""

    deliveries: int = 0
    receipts: int = 0
    outbox: int = 0
    subscribers: int = 0
    more: bool = False


def cutoff(setting: str, now: datetime) -> datetime | None:
    """The moment before which rows go, or None when the setting keeps them for ever."""
    days = int(current_app.config[setting])
    return now - timedelta(days=days) if days > 0 else None


def apply_retention(now: datetime | None = None, batch_size: int = BATCH_SIZE,
                    max_batches: int = MAX_BATCHES) -> RetentionRun:
    """Apply both retention settings as of `now` (see the module); what it did."""
    now = now or utcnow()
    run = RetentionRun()
    deliveries = cutoff("DELIVERY_RETENTION_DAYS", now)
    if deliveries is not None:
        run.deliveries = _delete_deliveries(deliveries, batch_size, max_batches, run)
        run.receipts = _delete_batches(
            select(ProviderReceipt.id).where(ProviderReceipt.received_at < deliveries,
                                             ProviderReceipt.provider.not_in(KEPT_RECEIPTS))
            .order_by(ProviderReceipt.received_at),
            ProviderReceipt, batch_size, max_batches, run)
        run.outbox = _delete_batches(
            select(OutboxMessage.id).where(OutboxMessage.created_at < deliveries)
            .order_by(OutboxMessage.created_at),
            OutboxMessage, batch_size, max_batches, run)
    left = cutoff("UNSUBSCRIBED_RETENTION_DAYS", now)
    if left is not None:
        run.subscribers = _erase_left(left, now, batch_size, max_batches, run)
    if run.deliveries or run.receipts or run.outbox or run.subscribers:
        log.info("retention: deleted %d deliveries, %d receipts, %d outbox messages; erased "
                 "%d subscribers%s", run.deliveries, run.receipts, run.outbox,
                 run.subscribers, " (more next run)" if run.more else "")
    return run


def _delete_deliveries(before: datetime, batch_size: int, max_batches: int,
                       run: RetentionRun) -> int:
    """Final deliveries of events created before `before`, event by event.

    Each batch is a range of the (event_id, state) index, never a scan of the table.
    """
    final = Delivery.state.in_(FINAL_STATES)
    events = db.session.execute(
        select(FanoutEvent.id).where(
            FanoutEvent.created_at < before,
            exists().where(Delivery.event_id == FanoutEvent.id, final))
        .order_by(FanoutEvent.id)).scalars().all()
    db.session.rollback()  # no transaction left open between batches
    deleted, batches = 0, 0
    for event_id in events:
        while True:
            if batches == max_batches:
                run.more = True
                return deleted
            batches += 1
            ids = (select(Delivery.id).where(Delivery.event_id == event_id, final)
                   .limit(batch_size))
            count = _delete_ids(Delivery, ids)
            deleted += count
            if count < batch_size:
                break
    return deleted


def _delete_batches(ids: Select[Any], model: Any, batch_size: int, max_batches: int,
                    run: RetentionRun) -> int:
    deleted = 0
    for _ in range(max_batches):
        count = _delete_ids(model, ids.limit(batch_size))
        deleted += count
        if count < batch_size:
            return deleted
    run.more = True
    return deleted


def _delete_ids(model: Any, ids: Select[Any]) -> int:
    """DELETE … WHERE id IN (SELECT id … LIMIT n), committed: one short transaction."""
    count = execute_dml(delete(model).where(model.id.in_(ids.scalar_subquery()))
                        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return int(count)


def _erase_left(before: datetime, now: datetime, batch_size: int, max_batches: int,
                run: RetentionRun) -> int:
    """Erase public subscribers who left, or signed up and never confirmed, before `before`,
    a batch per transaction."""
    left = or_(Subscriber.unsubscribed_at < before, Subscriber.suppressed_at < before,
               # A sign-up never confirmed (its link works 7 days) is no subscription either.
               Subscriber.confirmed_at.is_(None) & (Subscriber.created_at < before))
    erased = 0
    for _ in range(max_batches):
        rows = list(db.session.execute(
            select(Subscriber).where(Subscriber.public(), Subscriber.erased_at.is_(None), left)
            .options(selectinload(Subscriber.components))
            .order_by(Subscriber.id).limit(batch_size)).scalars())
        erased += len(erasure.erase_rows(rows, now))
        db.session.commit()
        if len(rows) < batch_size:
            return erased
    run.more = True
    return erased
