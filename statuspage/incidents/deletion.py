"""Deleting an incident or maintenance for good (the Manage API's DELETE; Statuspage has it).

What goes with it: its updates and their component changes, its postmortem, reviews and
action items, its fan-out events and their delivery records, and the people following it
(incident subscribers, with their deliveries: they followed this incident only, and it is
gone). Messages not sent yet are cancelled: queued deliveries are deleted, never sent. The
components keep the status they have now (they are the page's, changed with their own API);
the uptime bars are recomputed without it; the audit entry keeps what it was and what went
with it.

Refused (409) while messages about it are in hand: a fan-out still being expanded into
deliveries (the worker is reading recipients for it) or a delivery a sender holds at this
moment. Both last seconds to minutes; the answer says to try again.

SQLite does not enforce ON DELETE CASCADE here, so each dependent row is deleted explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select

from statuspage import audit
from statuspage.core.errors import Conflict
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import (
    ActionItem,
    Delivery,
    FanoutEvent,
    Incident,
    IncidentUpdate,
    PostmortemReview,
    Subscriber,
    User,
)
from statuspage.models.deliveries import QUEUED, SENDING
from statuspage.page import uptime
from statuspage.page.record import touch_page

# FanoutEvent.state once every delivery of it exists (statuspage.delivery.expand).
EXPANDED = "done"


@dataclass(frozen=True)
class Deleted:
    """What went with the incident (also in the audit entry)."""

    updates: int
    followers: int
    deliveries: int
    cancelled: int


@use_case
def delete_incident(incident: Incident, actor: User | None) -> Deleted:
    """Delete the incident and everything that belongs to it; see the module's rules."""
    events = select(FanoutEvent.id).where(or_(
        FanoutEvent.incident_id == incident.id,
        FanoutEvent.update_id.in_(select(IncidentUpdate.id)
                                  .where(IncidentUpdate.incident_id == incident.id))))
    expanding = db.session.scalar(select(func.count()).select_from(FanoutEvent).where(
        FanoutEvent.id.in_(events), FanoutEvent.state != EXPANDED)) or 0
    if expanding:
        raise Conflict("Messages about this incident are being prepared right now; delete it "
                       "once that is done (in a minute or so).", "incident")
    followers = list(db.session.scalars(
        select(Subscriber).where(Subscriber.incident_id == incident.id)))
    follower_ids = [s.id for s in followers]
    mine = or_(Delivery.event_id.in_(events), Delivery.subscriber_id.in_(follower_ids))
    counts: dict[str, int] = {state: count for state, count in db.session.execute(
        select(Delivery.state, func.count()).where(mine).group_by(Delivery.state))}
    if counts.get(SENDING):
        raise Conflict("A message about this incident is being sent at this moment; try "
                       "again in a minute.", "incident")
    first, last = uptime.incident_days(incident)
    component_ids = [c.id for c in incident.components if not c.is_group]
    result = Deleted(updates=len(incident.updates), followers=len(followers),
                     deliveries=sum(counts.values()), cancelled=counts.get(QUEUED, 0))
    audit.record(actor, "incident.delete", "incident", incident.public_id,
                 name=incident.name, kind=incident.kind, status=incident.status,
                 severity=incident.severity, started_at=incident.started_at.isoformat(),
                 updates=result.updates, followers=result.followers,
                 deliveries=result.deliveries, cancelled=result.cancelled)
    db.session.execute(delete(Delivery).where(mine).execution_options(
        synchronize_session=False))
    db.session.execute(delete(FanoutEvent).where(FanoutEvent.id.in_(events)).execution_options(
        synchronize_session=False))
    for follower in followers:
        db.session.delete(follower)
    for model in (PostmortemReview, ActionItem):
        db.session.execute(delete(model).where(model.incident_id == incident.id))
    incident_id, was_public = incident.id, not incident.awaiting_approval
    db.session.delete(incident)  # its updates and their changes go with it (ORM cascade)
    db.session.flush()
    uptime.refresh_span(incident_id, component_ids, first, last)
    if was_public:
        touch_page()
    db.session.commit()
    return result
