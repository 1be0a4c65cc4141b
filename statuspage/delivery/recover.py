"""Take back the work of dead workers, and send what is due but was never (or no longer) queued.

A worker killed mid-task loses the Huey task it was running, not the work: the delivery rows
it claimed carry a lease, the event it was expanding carries a lease and a cursor, and the SMS
pump leaves a heartbeat. The periodic task (every minute, tasks.delivery.recover_deliveries)
puts expired work back and enqueues it again; the claims make every step safe to repeat.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from statuspage.core import jobs
from statuspage.core.extensions import db
from statuspage.delivery import journal as delivery_journal
from statuspage.delivery.dispatch import EMAIL_CHUNK, dispatch_ids, dispatch_rows
from statuspage.delivery.sms.pump import clear_stale_pump_lock, due_sms_exist, wake_pump
from statuspage.models import Delivery, FanoutEvent, Subscriber, utcnow
from statuspage.models.deliveries import QUEUED, SENDING
from statuspage.models.subscribers import SMS

log = logging.getLogger(__name__)


def recover_expired_leases() -> dict[str, int]:
    """Requeue what dead workers held, re-enqueue unfinished expansions, send what is due.

    - deliveries in `sending` whose lease has expired go back to `queued` and are enqueued;
    - events still `pending` (the enqueue after the commit was lost, or is still waiting in
      the queue: a second expansion task is harmless) or `expanding` with an expired lease
      are enqueued again, and resume at their cursor;
    - the SMS pump's lock is released if its holder stopped beating;
    - then `send_due()`.
    Acceptances journaled while the database was down are saved first, so no lease taken
    back here covers a message a provider already accepted. Returns counts of what was done.
    """
    delivery_journal.replay()
    now = utcnow()
    lease = int(current_app.config["DELIVERY_LEASE_SECONDS"])
    requeued = list(db.session.execute(
        update(Delivery)
        .where(Delivery.state == SENDING,
               or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
        .values(state=QUEUED, lease_until=None, next_attempt_at=now, updated_at=now)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).scalars())
    db.session.commit()
    if requeued:
        log.warning("requeued %d deliveries left in `sending` by a dead worker", len(requeued))
    events = list(db.session.execute(
        select(FanoutEvent.id)
        .where(or_(FanoutEvent.state == "pending",
                   (FanoutEvent.state == "expanding")
                   & or_(FanoutEvent.lease_until.is_(None), FanoutEvent.lease_until < now)))
        .order_by(FanoutEvent.id)
    ).scalars())
    db.session.commit()
    for event_id in events:
        jobs.enqueue("expand_event", event_id)
    pump_cleared = clear_stale_pump_lock(stale_after=lease)
    if requeued:
        dispatch_ids(requeued)
    return {"deliveries": len(requeued), "events": len(events),
            "pump_cleared": int(pump_cleared), "dispatched": send_due()}


def send_due(older_than: float | None = None) -> int:
    """Enqueue email, webhook and chat deliveries due for `older_than` seconds or more.

    Retries are enqueued for their time when they fail; this catches those whose enqueue was
    lost (a crash between commit and enqueue, a flushed queue). The default, one lease, leaves
    alone work that is simply still waiting in a busy queue. Starts the SMS pump when SMS are
    due. Streams by id, so a large backlog is read a chunk at a time. Returns tasks enqueued.
    """
    if older_than is None:
        older_than = float(current_app.config["DELIVERY_LEASE_SECONDS"])
    cutoff = utcnow() - timedelta(seconds=older_than)
    tasks = 0
    after = 0
    while True:
        rows = db.session.execute(
            select(Delivery.id, Delivery.channel, Delivery.event_id, Subscriber.language)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Delivery.state == QUEUED, Delivery.channel != SMS, Delivery.id > after,
                   or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= cutoff))
            .order_by(Delivery.id)
            .limit(EMAIL_CHUNK)
        ).all()
        db.session.commit()
        if not rows:
            break
        after = rows[-1].id
        tasks += dispatch_rows(rows)
    if due_sms_exist() and wake_pump():
        tasks += 1
    return tasks


def sweep_after_queue_fault() -> int:
    """After a lost queue connection: save journaled acceptances, then enqueue every due
    delivery at once (a task the fault swallowed leaves its deliveries queued with no task;
    one enqueued twice is claimed once). Returns tasks enqueued."""
    delivery_journal.replay()
    return send_due(older_than=0.0)
