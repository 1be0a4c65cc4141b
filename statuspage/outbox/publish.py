"""Delivery: the publish side of the outbox, and the questions asked about deliveries.

Publishing commits the update together with a `FanoutEvent` (its fan-out marker); only after
that commit is the worker asked to expand it, so a rolled-back publish enqueues nothing and a
lost enqueue is found again by the periodic recovery. The web request never looks at a
subscriber: its cost does not depend on how many there are.

The worker side lives next door, split by job:
  delivery_expand.py   event -> one Delivery per active subscriber, in batches after a cursor
  delivery_send.py     claim queued deliveries, send them, record the outcome, retry later
  delivery_sms*.py     the SMS pump: one sender at the configured rate across all workers
  delivery_recover.py  take back work from dead workers; send what is due
  delivery_dispatch.py turn queued deliveries into Huey tasks
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from statuspage.core import enqueue_retry
from statuspage.core.extensions import db
from statuspage.delivery.dispatch import dispatch_ids
from statuspage.delivery.email import send_email_chunk
from statuspage.delivery.expand import audience_condition, expand_event, with_groups
from statuspage.delivery.recover import recover_expired_leases, send_due
from statuspage.delivery.send import send_webhook
from statuspage.delivery.sms.pump import run_sms_pump
from statuspage.messages.webhook import COMPONENT_UPDATE
from statuspage.models import (
    Component,
    Delivery,
    FanoutEvent,
    Incident,
    IncidentUpdate,
    Subscriber,
    utcnow,
)
from statuspage.models.deliveries import DELIVERED, FAILED, QUEUED, STATE_RANK
from statuspage.models.subscribers import WEBHOOK
from statuspage.outbox.drafts import groups_only, left_to_tell, notice_detail
from statuspage.plan.reach import Routing, open_channels, routing
from statuspage.plan.rules import event_kind_for, plan_severity

__all__ = [
    "create_component_fanout",
    "create_event_fanout",
    "create_fanout",
    "create_group_fanout",
    "expand_event",
    "record_receipt",
    "recover_expired_leases",
    "retry_failed",
    "run_sms_pump",
    "send_due",
    "send_email_chunk",
    "send_webhook",
    "summary",
]

log = logging.getLogger(__name__)

# Key in Session.info: ids of events created in the session's current transaction.
_PENDING_KEY = "statuspage.fanout_events"


def create_fanout(update: IncidentUpdate) -> FanoutEvent | None:
    """Add the fan-out marker for an update, inside the caller's transaction.

    Public updates reach public subscribers and stakeholder groups per the plan; internal
    ones the groups only. Nothing is sent and no subscriber is read here. The expansion task
    is enqueued after the caller commits (see `_enqueue_after_commit`); until then the event
    is `pending`. Returns None when the update announces nothing (notifications turned off,
    or the plan routes it to no open public channel and no stakeholder group).

    An update that waited for approval does not reach again the groups told of it as a
    draft (create_group_fanout), unless its text was edited since (delivery_drafts).
    """
    if not update.deliver_notifications:
        return None
    db.session.flush()  # the update's id and its component changes
    incident = update.incident
    kind = event_kind_for(incident, update)
    # The same question the composer's preview asks, so the two cannot disagree.
    where = left_to_tell(update, routing(plan_severity(incident), kind, update.visibility,
                                         update.deliver_notifications))
    # Stored as the plan's event it announces (incident_opened, maintenance_started, ...), so
    # whatever reads the event later (messages, the delivery log) knows what it announces.
    return _add_event(kind, incident.id, update.id, where,
                      sorted({change.component_id for change in update.changes}))


def create_group_fanout(update: IncidentUpdate) -> FanoutEvent | None:
    """Tell the stakeholder groups at once of a public update saved as a draft, inside the
    caller's transaction; enqueued after the commit like create_fanout.

    The public approval holds back the public's messages, not the internal ones: the groups
    the plan routes the update's event to get it now, marked as awaiting approval, and the
    public nothing until it is published (see delivery_drafts). Returns None when the update
    notifies no one or the plan routes its event to no group.
    """
    if not update.deliver_notifications or update.visibility != "public":
        return None
    db.session.flush()
    incident = update.incident
    kind = event_kind_for(incident, update)
    where = groups_only(routing(plan_severity(incident), kind))
    return _add_event(kind, incident.id, update.id, where,
                      sorted({change.component_id for change in update.changes}),
                      detail=notice_detail(update))


def create_event_fanout(incident: Incident, kind: str) -> FanoutEvent | None:
    """Add the fan-out marker for an incident event that is not an update (e.g. a postmortem
    published), inside the caller's transaction; enqueued after the commit like create_fanout.

    Returns None when the plan routes the event to no open public channel and no group.
    """
    db.session.flush()
    where = routing(plan_severity(incident), kind)
    return _add_event(kind, incident.id, None, where,
                      sorted(c.id for c in incident.components if not c.is_group))


def create_component_fanout(component: Component, old_status: str,
                            at: datetime) -> FanoutEvent | None:
    """Add a `component_update` fan-out marker for a component's status change, inside the
    caller's transaction (the one that changed the status); enqueued after the commit.

    Statuspage posts this payload to webhook subscribers on every component status change,
    whatever made it (an incident update, maintenance automation, the console, the API). Only
    webhooks: Statuspage emails and texts component changes only to subscribers who opted in
    to them, which this page does not offer. A group's status is derived from its
    components; a subscriber following a group hears of its components' changes (the
    expansion adds the groups). The change is captured in `detail` now, so the payload
    describes it even if the component changes again before the worker sends.

    Returns None when the status did not change, for a group, when webhooks are closed on the
    page, or when no active webhook subscriber follows the component (the usual case: no row
    and no task for a change nobody listens to).
    """
    if component.is_group or old_status == component.status:
        return None
    if WEBHOOK not in open_channels():
        return None
    db.session.flush()  # the component's id, for a component created in this transaction
    listening = audience_condition([WEBHOOK], with_groups([component.id]))
    if db.session.execute(select(Subscriber.id).where(listening).limit(1)).first() is None:
        return None
    group = component.group
    event = FanoutEvent(
        kind=COMPONENT_UPDATE, incident_id=None, update_id=None, channels=[WEBHOOK],
        component_ids=[component.id], state="pending", cursor=0, created_at=utcnow(),
        detail={
            "old_status": old_status,
            "new_status": component.status,
            "at": at.isoformat(),
            "component": {
                "id": component.public_id,
                "name": component.name,
                "description": component.description,
                "position": component.position,
                "showcase": component.showcase,
                "group_id": group.public_id if group is not None else None,
                "created_at": component.created_at.isoformat(),
                "updated_at": at.isoformat(),
            },
        })
    db.session.add(event)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).append(event.id)
    return event


def _add_event(kind: str, incident_id: int, update_id: int | None, where: Routing,
               component_ids: list[int], detail: dict[str, object] | None = None
               ) -> FanoutEvent | None:
    if where.empty:
        return None
    event = FanoutEvent(kind=kind, incident_id=incident_id, update_id=update_id,
                        channels=where.channels, routes=where.routes,
                        component_ids=component_ids, state="pending", cursor=0,
                        created_at=utcnow(), detail=detail)
    db.session.add(event)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).append(event.id)
    return event


@sa_event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    """Ask the worker to expand the events this transaction committed.

    A failure to enqueue (the queue is down) loses nothing: the event is committed as
    `pending`; this process retries the enqueue every few seconds (statuspage.core.enqueue_retry),
    so it goes out within seconds of the queue coming back, and recover_expired_leases()
    enqueues it again in any case.
    """
    event_ids = session.info.pop(_PENDING_KEY, None)
    if not event_ids:
        return
    from statuspage.tasks import delivery as delivery_tasks
    from statuspage.tasks import queues as tasks

    for event_id in event_ids:
        try:
            delivery_tasks.expand_event(event_id)
        except Exception as error:  # the commit has happened: retried here and by the recovery
            log.warning("could not enqueue the expansion of fan-out event %s (%s: %s); "
                        "retrying until the queue answers", event_id, type(error).__name__,
                        error)
            if not tasks.huey.immediate:  # inline (tests): nothing was queued
                enqueue_retry.retry_later(f"the expansion of fan-out event {event_id}",
                                          partial(delivery_tasks.expand_event, event_id))


@sa_event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    # The events were never committed: there is nothing to expand.
    session.info.pop(_PENDING_KEY, None)


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

