"""Expand a fan-out event into one Delivery per recipient, batch by batch.

The recipients are the event's audience (statuspage.plan.audience: public subscribers,
incident followers, routed stakeholder groups' members), taken by id after the event's saved
cursor (keyset pagination), so memory does not grow with the audience and an interrupted
expansion resumes where it stopped. Each batch inserts its deliveries with one INSERT …
SELECT … ON CONFLICT DO NOTHING on the unique (event, subscriber, channel) key, advances the
cursor and commits in one transaction: re-running a batch after a crash creates nothing
twice. Only then is the batch's send work enqueued.

It goes through the audience twice (`FanoutEvent.expansion_pass`): every recipient but the
public email subscribers first (SMS, webhooks, chat, stakeholder members: few, and urgent), then
those. In one pass by id, the last SMS of a million-email page waited 87 s for the email rows.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from statuspage.core import jobs, shutdown
from statuspage.core.extensions import db
from statuspage.core.transaction import execute_dml
from statuspage.delivery.dispatch import dispatch_rows
from statuspage.delivery.faults import persist, rollback
from statuspage.models import Delivery, FanoutEvent, Subscriber, utcnow
from statuspage.models.deliveries import QUEUED
from statuspage.models.subscribers import CHANNELS, CHAT_CHANNELS, EMAIL
from statuspage.models.types import UTCDateTime
from statuspage.plan.audience import Audience, audience_for
from statuspage.plan.audience import audience_condition as recipients_condition

log = logging.getLogger(__name__)

PENDING, EXPANDING, DONE = "pending", "expanding", "done"
# The two passes over the audience (see the module's docstring).
FIRST, PUBLIC_EMAIL = 0, 1
NOT_EMAIL = tuple(channel for channel in (*CHANNELS, *CHAT_CHANNELS) if channel != EMAIL)
__all__ = ["expand_event"]


def expand_event(event_id: int) -> int:
    """Create the event's deliveries and enqueue their sending; returns deliveries created.

    Safe to call any number of times, from any number of workers: the event is leased by a
    conditional UPDATE, so one worker expands it at a time, and a worker that died is replaced
    once its lease has expired (recover_expired_leases re-enqueues the event).

    A lost database or queue connection does not stop it: each batch is tried again with
    backoff (`persist`) and resumes at its cursor as soon as the connection is back. If the
    fault outlasts that, the lease is given back (when the database allows) so the periodic
    recovery resumes the expansion within a minute, not a lease later. A process asked to
    stop (core.shutdown) ends after the batch it is on, gives the lease back and enqueues the
    event again, for the next process to resume at the cursor.
    """
    lease = _new_lease()
    position = persist(lambda: _claim(event_id, lease), "claiming a fan-out event")
    if position is None:
        return 0
    try:
        return _expand(event_id, *position)
    except Exception:
        _give_back(event_id)
        raise


def _expand(event_id: int, cursor: int, pass_: int) -> int:
    event = persist(lambda: db.session.get(FanoutEvent, event_id), "reading a fan-out event")
    if event is None:  # pragma: no cover - deleted between the claim and here
        return 0
    audience = audience_for(event.channels or [], event.component_ids or [], event.routes or {},
                            event.incident_id)
    db.session.commit()
    batch_size = int(current_app.config["FANOUT_BATCH_SIZE"])
    created = 0
    while True:
        step = persist(partial(_expand_batch, event_id, audience, pass_, cursor, batch_size),
                       "expanding a fan-out batch")
        if step is None:  # the pass is over
            if pass_ == PUBLIC_EMAIL:
                persist(partial(_finish, event_id, cursor), "finishing a fan-out")
                return created
            if not persist(partial(_next_pass, event_id, cursor), "expanding the next pass"):
                log.warning("fan-out event %s taken over by another worker", event_id)
                return created
            pass_, cursor = PUBLIC_EMAIL, 0
            continue
        last, count = step
        created += count
        if last is None:
            log.warning("fan-out event %s taken over by another worker at %s", event_id, cursor)
            return created
        persist(partial(_dispatch_range, event_id, pass_, cursor, last),
                "enqueuing a fan-out batch")
        cursor = last
        if shutdown.requested():
            # The process is stopping: the next one resumes at the cursor, at once.
            _give_back(event_id)
            persist(partial(jobs.enqueue, "expand_event", event_id),
                    "enqueuing the rest of a fan-out")
            log.info("fan-out event %s stopped at %s: the process is stopping", event_id, cursor)
            return created


def _dispatch_range(event_id: int, pass_: int, after: int, last: int) -> int:
    return dispatch_rows(_queued_in_range(event_id, pass_, after, last))


def _expand_batch(event_id: int, audience: Audience, pass_: int, cursor: int,
                  batch_size: int) -> tuple[int | None, int] | None:
    """One batch of the pass after `cursor`, committed: (its last subscriber id, deliveries
    created), with None for the id when another worker took the event over; None when the
    pass has no recipient left.

    Safe to repeat after a lost commit: the inserts ignore duplicates and the cursor may
    already be at this batch's end.
    """
    last = db.session.execute(_batch_end(audience, pass_, cursor, batch_size)).scalar()
    if last is None:
        return None
    now = utcnow()
    count = _insert_deliveries(event_id, audience, pass_, cursor, last, now)
    if not _advance(event_id, pass_, cursor, last, now):
        # Another worker took the event over (our lease had run out): it carries on.
        db.session.commit()
        return None, count
    db.session.commit()
    return last, count


def _new_lease() -> datetime:
    """A lease end with random microseconds: it names this claim (see delivery.send)."""
    return (utcnow() + timedelta(seconds=int(current_app.config["DELIVERY_LEASE_SECONDS"]))
            ).replace(microsecond=secrets.randbelow(1_000_000))


def _claim(event_id: int, lease: datetime) -> tuple[int, int] | None:
    """Lease the event for expansion; its (cursor, pass), or None when someone else holds it.

    Run again with the same `lease` (a lost answer to the first commit), it is ours again.
    """
    now = utcnow()
    claimed = db.session.execute(
        update(FanoutEvent)
        .where(FanoutEvent.id == event_id,
               or_(FanoutEvent.state == PENDING,
                   (FanoutEvent.state == EXPANDING)
                   & or_(FanoutEvent.lease_until.is_(None), FanoutEvent.lease_until < now,
                         FanoutEvent.lease_until == lease)))
        .values(state=EXPANDING, lease_until=lease)
        .returning(FanoutEvent.cursor, FanoutEvent.expansion_pass)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    db.session.commit()
    return None if claimed is None else (claimed.cursor, claimed.expansion_pass)


def _advance(event_id: int, pass_: int, old: int, new: int, now: datetime) -> bool:
    """Move the cursor on and renew the lease, if the cursor is still where we left it (or
    already moved there by this very step, whose commit's answer was lost)."""
    lease = now + timedelta(seconds=int(current_app.config["DELIVERY_LEASE_SECONDS"]))
    result = execute_dml(
        update(FanoutEvent)
        .where(FanoutEvent.id == event_id, FanoutEvent.state == EXPANDING,
               FanoutEvent.expansion_pass == pass_, FanoutEvent.cursor.in_([old, new]))
        .values(cursor=new, lease_until=lease)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def _next_pass(event_id: int, cursor: int) -> bool:
    """From the first pass's end to the start of the public email pass, if the event is still
    where we left it (or already there: a lost commit's answer); whether it was."""
    lease = utcnow() + timedelta(seconds=int(current_app.config["DELIVERY_LEASE_SECONDS"]))
    result = execute_dml(
        update(FanoutEvent)
        .where(FanoutEvent.id == event_id, FanoutEvent.state == EXPANDING,
               or_(and_(FanoutEvent.expansion_pass == FIRST, FanoutEvent.cursor == cursor),
                   and_(FanoutEvent.expansion_pass == PUBLIC_EMAIL, FanoutEvent.cursor == 0)))
        .values(expansion_pass=PUBLIC_EMAIL, cursor=0, lease_until=lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(result.rowcount)


def _give_back(event_id: int) -> None:
    """Best effort, after a fault that outlasted the retries or when the process stops: end
    the lease now, so the next claim (the periodic recovery's, or the task enqueued again)
    resumes the expansion at its cursor."""
    rollback()
    try:
        db.session.execute(
            update(FanoutEvent)
            .where(FanoutEvent.id == event_id, FanoutEvent.state == EXPANDING)
            .values(lease_until=None)
            .execution_options(synchronize_session=False))
        db.session.commit()
    except Exception:
        rollback()
        log.warning("could not give back the lease of fan-out event %s", event_id)


def _finish(event_id: int, cursor: int) -> None:
    db.session.execute(
        update(FanoutEvent)
        .where(FanoutEvent.id == event_id, FanoutEvent.state == EXPANDING,
               FanoutEvent.expansion_pass == PUBLIC_EMAIL, FanoutEvent.cursor == cursor)
        .values(state=DONE, lease_until=None, expanded_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _in_pass(pass_: int) -> ColumnElement[bool]:
    """The recipient rows of this pass: the public email subscribers, or everyone else."""
    if pass_ == PUBLIC_EMAIL:
        return and_(Subscriber.channel == EMAIL, Subscriber.stakeholder_member_id.is_(None))
    # The negation, as indexes serve it: 58 ms, not 290, for 5,000 of 10,000 SMS among 1M.
    return or_(Subscriber.channel.in_(NOT_EMAIL), Subscriber.stakeholder_member_id.is_not(None))


def _recipients(audience: Audience, pass_: int, after: int) -> Select[int]:
    """The event's recipients of this pass after `after`, by id (index ix_subscriber_fanout)."""
    return (select(Subscriber.id)
            .where(recipients_condition(audience), _in_pass(pass_), Subscriber.id > after)
            .order_by(Subscriber.id))


def _batch_end(audience: Audience, pass_: int, after: int, batch_size: int) -> Select[int]:
    """The last subscriber id of the pass's next batch (NULL: no recipient is left)."""
    if pass_ == FIRST and not audience.groups and set(audience.channels) <= {EMAIL}:
        # Only public email subscribers (and followers by email) can be reached: nothing to
        # look for in the first pass.
        return select(literal(None, Integer()))
    batch = _recipients(audience, pass_, after).limit(batch_size).subquery()
    return select(func.max(batch.c.id))


def _insert_deliveries(event_id: int, audience: Audience, pass_: int, after: int, last: int,
                       now: datetime) -> int:
    """The batch's deliveries in one INSERT … SELECT: the rows never travel through Python
    (built and bound one by one, they were most of the worker's time in a large fan-out)."""
    table = Delivery.__table__
    typed_now = literal(now, UTCDateTime())
    rows = (select(literal(event_id, Integer()), Subscriber.id, Subscriber.channel,
                   literal(QUEUED, String()), literal(0, Integer()), typed_now, typed_now,
                   typed_now)
            .where(recipients_condition(audience), _in_pass(pass_), Subscriber.id > after,
                   Subscriber.id <= last))
    columns = ["event_id", "subscriber_id", "channel", "state", "attempts", "next_attempt_at",
               "created_at", "updated_at"]
    # RETURNING yields only the rows inserted: a re-run batch counts none.
    inserted = db.session.execute(
        _insert_ignoring_duplicates().from_select(columns, rows).returning(table.c.id))
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


def _queued_in_range(event_id: int, pass_: int, after: int, last: int) -> list[Any]:
    """The batch's deliveries still queued, with what the dispatcher needs to group them."""
    return list(db.session.execute(
        select(Delivery.id, Delivery.channel, Delivery.event_id, Subscriber.language)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.event_id == event_id, Delivery.subscriber_id > after,
               Delivery.subscriber_id <= last, Delivery.state == QUEUED, _in_pass(pass_))
        .order_by(Delivery.subscriber_id)
    ).all())
