"""DELETE …/incidents/<id>: the incident and everything that belongs to it go, through the
deletion use-case (statuspage.incidents.deletion), audited; refused while messages about it
are being prepared or sent; messages still queued are cancelled."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.incidents import lifecycle, postmortems
from statuspage.incidents.updates import UpdateInput
from statuspage.models import (
    ActionItem,
    AuditEntry,
    ComponentDay,
    Delivery,
    FanoutEvent,
    Incident,
    IncidentUpdate,
    Subscriber,
    utcnow,
)
from statuspage.models.deliveries import QUEUED, SENDING
from tests.api_v1_support import call, new_token
from tests.delivery_support import add_subscribers, queued_tasks, run_worker
from tests.factories import Factory


@pytest.fixture
def write(app: object) -> str:
    return new_token("write", name="cleanup-bot")


def _count(model: type, *where: object) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _follower(incident: Incident, address: str) -> Subscriber:
    now = utcnow()
    follower = Subscriber(channel="email", address=address, incident_id=incident.id,
                          confirmed_at=now, consent_source="incident_page", consent_at=now)
    db.session.add(follower)
    db.session.commit()
    return follower


def test_deleting_removes_the_incident_and_all_that_belongs_to_it(
    app: Flask, client: FlaskClient, factory: Factory, write: str
) -> None:
    api = factory.component("API")
    add_subscribers(3)
    keep = factory.incident(name="Another incident", components={api: "degraded_performance"})
    incident = factory.incident(name="Test incident", components={api: "major_outage"})
    _follower(incident, "follower@example.com")
    lifecycle.resolve_incident(incident, "Fixed.", None)
    postmortems.save_draft(incident, "What happened.", None)
    postmortems.add_action_item(incident, "Add an alert", "SRE", None, None)
    assert _count(Delivery) > 0 and _count(FanoutEvent, FanoutEvent.incident_id == incident.id)
    incident_id, public_id = incident.id, incident.public_id

    response = call(client, "DELETE", f"incidents/{public_id}", write)

    assert response.status_code == 200, response.json
    assert response.json["name"] == "Test incident" and response.json["status"] == "resolved"
    assert call(client, "GET", f"incidents/{public_id}", write).status_code == 404
    assert _count(Incident, Incident.id == incident_id) == 0
    assert _count(IncidentUpdate, IncidentUpdate.incident_id == incident_id) == 0
    assert _count(FanoutEvent, FanoutEvent.incident_id == incident_id) == 0
    assert _count(Subscriber, Subscriber.incident_id == incident_id) == 0
    assert _count(ActionItem, ActionItem.incident_id == incident_id) == 0
    # The other incident, the page's subscribers and their deliveries about it stay.
    assert _count(Incident, Incident.id == keep.id) == 1
    assert _count(Subscriber, Subscriber.incident_id.is_(None)) == 3
    assert _count(Delivery) == _count(Delivery, Delivery.event_id.in_(
        select(FanoutEvent.id).where(FanoutEvent.incident_id == keep.id)))
    # The uptime roll-ups forget it; the component keeps its present status.
    days = db.session.scalars(select(ComponentDay).where(ComponentDay.component_id == api.id))
    assert all(incident_id not in (d.incident_ids or []) for d in days)
    db.session.refresh(api)
    assert api.status == "operational"
    public = client.get("/api/v2/incidents.json").json["incidents"]
    assert [i["name"] for i in public] == ["Another incident"]
    entry = db.session.scalars(select(AuditEntry).filter_by(action="incident.delete")).one()
    assert entry.actor_label == "token:cleanup-bot" and entry.target_id == public_id
    assert entry.details["name"] == "Test incident" and entry.details["followers"] == 1
    assert entry.details["deliveries"] > 0 and entry.details["cancelled"] == 0


def test_deleting_waits_while_messages_are_being_prepared(
    app: Flask, client: FlaskClient, factory: Factory, write: str
) -> None:
    add_subscribers(2)
    incident = factory.incident(deliver_notifications=False)
    with queued_tasks():
        lifecycle.post_update(incident, UpdateInput(status="identified", body="Found it."),
                              None)
        refused = call(client, "DELETE", f"incidents/{incident.public_id}", write)
        assert refused.status_code == 409 and "prepared" in refused.json["message"]
        assert _count(Incident, Incident.id == incident.id) == 1
        run_worker(app, only=["expand_event"])
    assert _count(Delivery, Delivery.state == QUEUED) == 2
    # Once expanded, queued messages are cancelled with it; one in a sender's hands is not.
    delivery = db.session.scalars(select(Delivery)).first()
    assert delivery is not None
    delivery.state = SENDING
    db.session.commit()
    busy = call(client, "DELETE", f"incidents/{incident.public_id}", write)
    assert busy.status_code == 409 and "being sent" in busy.json["message"]
    delivery.state = QUEUED
    db.session.commit()
    deleted = call(client, "DELETE", f"incidents/{incident.public_id}", write)
    assert deleted.status_code == 200, deleted.json
    assert _count(Delivery) == 0
    entry = db.session.scalars(select(AuditEntry).filter_by(action="incident.delete")).one()
    assert entry.details["cancelled"] == 2


def test_a_read_token_cannot_delete_and_an_unknown_id_is_a_404(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident()
    refused = call(client, "DELETE", f"incidents/{incident.public_id}", new_token("read"))
    assert refused.status_code == 403
    assert call(client, "DELETE", "incidents/nosuchthing12", write).status_code == 404
    assert _count(Incident) == 1
