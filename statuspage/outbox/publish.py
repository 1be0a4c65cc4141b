"""The publish side of the outbox: what a publish commits for the worker to fan out.

Publishing commits the update together with a `FanoutEvent` (its fan-out marker); only after
that commit is the worker asked to expand it (core.jobs: `expand_event`), so a rolled-back
publish enqueues nothing and a lost enqueue is found again by the periodic recovery. The web
request never looks at a subscriber: its cost does not depend on how many there are.

The worker side is the `delivery` package, split by job: expand (event -> one Delivery per
recipient), dispatch (deliveries -> tasks), send and email (claim, send, record), sms/ (the
pump: one sender at the configured rate), recover (dead workers' leases, due retries) and
records (receipts applied, failed deliveries retried, counts).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from statuspage.core import jobs
from statuspage.core.extensions import db
from statuspage.messages.webhook import COMPONENT_UPDATE
from statuspage.models import (
    Component,
    FanoutEvent,
    Incident,
    IncidentUpdate,
    Subscriber,
    utcnow,
)
from statuspage.models.subscribers import WEBHOOK
from statuspage.outbox.drafts import groups_only, left_to_tell, notice_detail
from statuspage.plan.audience import Audience, audience_condition, with_groups
from statuspage.plan.reach import Routing, open_channels, routing
from statuspage.plan.routes import event_kind_for
from statuspage.plan.rules import plan_severity

log = logging.getLogger(__name__)



def create_fanout(update: IncidentUpdate) -> FanoutEvent | None:
    """Add the fan-out marker for an update, inside the caller's transaction.

    Public updates reach public subscribers and stakeholder groups per the plan; internal
    ones the groups only. Nothing is sent and no subscriber is read here. The expansion task
    is enqueued after the caller commits (see `_enqueue_after_commit`); until then the event
    is `pending`. Returns None when the update announces nothing (notifications turned off,
    or the plan routes it to no open public channel and no stakeholder group).

    An update that waited for approval does not reach again the groups told of it as a
    draft (create_group_fanout), unless its text was edited since (outbox.drafts).
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
    public nothing until it is published (see outbox.drafts). Returns None when the update
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
    listening = audience_condition(Audience((WEBHOOK,), tuple(with_groups([component.id]))))
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
    _expand_after_commit(event)
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
    _expand_after_commit(event)
    return event


def _expand_after_commit(event: FanoutEvent) -> None:
    """Ask the worker to expand the event once the caller's transaction commits.

    A failure to enqueue (the queue is down) loses nothing: the event is committed as
    `pending`; this process retries the enqueue every few seconds (core.jobs), so it goes
    out within seconds of the queue coming back, and recover_expired_leases() enqueues it
    again in any case.
    """
    jobs.enqueue_after_commit(db.session, "expand_event", event.id,
                              what=f"the expansion of fan-out event {event.id}")
