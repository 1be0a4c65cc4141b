"""Fan-out events for message tests, built directly (independent of the publish hook)."""

from __future__ import annotations

from statuspage.core.extensions import db
from statuspage.models import FanoutEvent, Incident, IncidentUpdate, Subscriber


def event_for(incident: Incident, update: IncidentUpdate | None = None,
              kind: str = "incident_update", component_ids: list[int] | None = None
              ) -> FanoutEvent:
    update = update or incident.public_updates[0]
    event = FanoutEvent(kind=kind, incident_id=incident.id, update_id=update.id,
                        channels=["email", "sms", "webhook"], component_ids=component_ids or [])
    db.session.add(event)
    db.session.commit()
    return event


def subscriber(channel: str = "webhook", address: str = "https://hooks.example.com/in",
               secret: str | None = "s3cret") -> Subscriber:
    row = Subscriber(channel=channel, address=address, secret=secret)
    db.session.add(row)
    db.session.commit()
    return row
