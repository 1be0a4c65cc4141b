"""PATCH …/incidents/<id>/incident_updates/<update_id>: correcting a posted update's text or
display time (incidents.update_edits): audited, public at once, never sent again; refused
for drafts and where the plan makes public text wait for approval."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.incidents import lifecycle
from statuspage.incidents.updates import UpdateInput
from statuspage.models import AuditEntry, FanoutEvent, IncidentUpdate, utcnow
from tests.api_v1_support import call, new_token
from tests.approval_support import require_approval
from tests.factories import Factory


@pytest.fixture
def write(app: object) -> str:
    return new_token("write", name="editor-bot")


def _correct(client: FlaskClient, update: IncidentUpdate, secret: str, method: str = "PATCH",
             **fields: Any) -> Any:
    return call(client, method, f"incidents/{update.incident.public_id}/incident_updates/"
                f"{update.public_id}", secret, json={"incident_update": fields})


def _fanouts() -> int:
    return db.session.scalar(select(func.count()).select_from(FanoutEvent)) or 0


def test_a_correction_changes_the_text_and_time_audited_and_sends_nothing(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident(body="We are investigting.", severity="SEV3")
    update = incident.updates[0]
    sent = _fanouts()
    earlier = utcnow() - timedelta(minutes=30)
    response = _correct(client, update, write, body="We are investigating.",
                        display_at=earlier.isoformat(), deliver_notifications=True)
    assert response.status_code == 200, response.json
    assert response.json["body"] == "We are investigating."
    assert response.json["id"] == update.public_id
    assert response.json["wants_twitter_update"] is False
    db.session.refresh(update)
    assert update.body == "We are investigating."
    assert abs(update.display_at - earlier) < timedelta(seconds=1)
    assert _fanouts() == sent
    public = client.get("/api/v2/incidents.json").json["incidents"]
    assert public[0]["incident_updates"][0]["body"] == "We are investigating."
    entry = db.session.scalars(select(AuditEntry).filter_by(
        action="incident.update_correct")).one()
    assert entry.actor_label == "token:editor-bot"
    assert entry.details["before"]["body"] == "We are investigting."
    assert _correct(client, update, write, method="PUT", body="Again.").status_code == 200


@pytest.mark.parametrize(("fields", "status", "field"), [
    ({"display_at": "2999-01-01T00:00:00Z"}, 422, "display_at"),
    ({"wants_twitter_update": True}, 422, "wants_twitter_update"),
    ({"status": "resolved"}, 422, "status"),
    ({"body": "x" * 25_001}, 422, "body"),
])
def test_corrections_the_server_refuses_change_nothing(
    client: FlaskClient, factory: Factory, write: str, fields: dict[str, Any], status: int,
    field: str
) -> None:
    update = factory.incident(body="Original.").updates[0]
    response = _correct(client, update, write, **fields)
    assert response.status_code == status and response.json["field"] == field
    db.session.refresh(update)
    assert update.body == "Original."


def test_an_update_that_notified_no_one_cannot_claim_it_did(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    update = factory.incident(deliver_notifications=False).updates[0]
    response = _correct(client, update, write, body="Fixed typo.", deliver_notifications=True)
    assert response.status_code == 409
    assert _correct(client, update, write, body="Fixed typo.",
                    deliver_notifications=False).status_code == 200


def test_drafts_internal_updates_and_other_incidents_updates_are_not_corrected(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident(severity="SEV3")
    other = factory.incident(name="Other")
    internal = lifecycle.post_update(incident, UpdateInput(
        status="investigating", body="Internal note.", visibility="internal"), None)
    assert _correct(client, internal, write, body="x").status_code == 404
    stranger = other.updates[0]
    path = f"incidents/{incident.public_id}/incident_updates/{stranger.public_id}"
    assert call(client, "PATCH", path, write,
                json={"incident_update": {"body": "x"}}).status_code == 404
    require_approval()
    draft = lifecycle.post_update(incident, UpdateInput(status="identified", body="Draft."),
                                  None)
    waiting = _correct(client, draft, write, body="Changed.")
    assert waiting.status_code == 409 and "approval" in waiting.json["message"]
    published = _correct(client, incident.updates[-1], write, body="Changed.")
    assert published.status_code == 409 and "approval" in published.json["message"]
