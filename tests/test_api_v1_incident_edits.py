"""PATCH …/incidents/<id> changes an incident's own fields (Statuspage lets you edit them):
title, impact and severity, metadata, a maintenance's window and automation; under the
plan's approval rule; audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents import metadata
from statuspage.models import AuditEntry, utcnow
from tests.api_v1_support import call, new_token
from tests.approval_support import require_approval
from tests.factories import Factory


@pytest.fixture
def write(app: object) -> str:
    return new_token("write", name="ops-bot")


def _patch(client: FlaskClient, incident_id: str, secret: str, **fields: Any) -> Any:
    return call(client, "PATCH", f"incidents/{incident_id}", secret, json={"incident": fields})


def test_title_impact_and_severity_change_and_are_audited(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident(name="Slow", severity="SEV3")
    response = _patch(client, incident.public_id, write, name="Checkout down",
                      impact_override="critical")
    assert response.status_code == 200, response.json
    assert (response.json["name"], response.json["impact"], response.json["severity"]) == (
        "Checkout down", "critical", "SEV1")
    assert len(response.json["incident_updates"]) == 1  # no update was posted
    _patch(client, incident.public_id, write, severity="SEV2")
    db.session.refresh(incident)
    assert (incident.severity, incident.impact_override) == ("SEV2", "critical")
    entry = db.session.scalars(select(AuditEntry).filter_by(action="incident.edit")
                               .order_by(AuditEntry.id)).first()
    assert entry is not None and entry.actor_label == "token:ops-bot"
    assert entry.details["changes"]["name"] == {"before": "Slow", "after": "Checkout down"}


def test_sending_the_record_back_changes_nothing(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident(name="Slow")
    record = call(client, "GET", f"incidents/{incident.public_id}", write).json
    fields = {k: record[k] for k in ("name", "impact_override", "severity", "scheduled_for",
                                     "scheduled_until", "scheduled_remind_prior",
                                     "scheduled_auto_in_progress", "scheduled_auto_completed",
                                     "auto_transition_to_maintenance_state")}
    response = _patch(client, incident.public_id, write, **fields)
    assert response.status_code == 200, response.json
    assert db.session.scalars(select(AuditEntry).filter_by(action="incident.edit")).first() \
        is None


def test_metadata_merges_and_null_removes(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    created = call(client, "POST", "incidents", write, json={"incident": {
        "name": "Outage", "metadata": {"jira": {"issue_id": "OPS-1"}, "pd": {"id": "P1"}}}})
    path = created.json["id"]
    merged = _patch(client, path, write, metadata={"jira": {"status": "open"}, "pd": None})
    assert merged.json["metadata"] == {"jira": {"issue_id": "OPS-1", "status": "open"}}
    cleared = _patch(client, path, write, metadata={"jira": {"issue_id": None, "status": None}})
    assert cleared.json["metadata"] == {}


@pytest.mark.parametrize("value", [
    {"jira": "OPS-1"},
    {"jira": {"nested": {"too": "deep"}}},
    {"": {"a": "b"}},
    {"jira": {"a": "x" * (metadata.MAX_VALUE + 1)}},
    {f"tool{i}": {"key": "v" * 900} for i in range(10)},
])
def test_metadata_out_of_shape_or_too_large_is_a_clear_422(
    client: FlaskClient, write: str, value: dict[str, Any]
) -> None:
    response = call(client, "POST", "incidents", write, json={"incident": {
        "name": "Outage", "metadata": value}})
    assert response.status_code == 422 and response.json["field"] == "metadata"
    assert "metadata" in response.json["message"]


def test_a_maintenance_window_moves_and_its_reminder_is_sent_again(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    window = factory.maintenance(remind_before_minutes=60)
    window.reminded_at = utcnow()
    db.session.commit()
    start = utcnow() + timedelta(days=2)
    response = _patch(client, window.public_id, write, scheduled_for=start.isoformat(),
                      scheduled_until=(start + timedelta(hours=1)).isoformat(),
                      scheduled_auto_completed=True, scheduled_remind_prior=False)
    assert response.status_code == 200, response.json
    db.session.refresh(window)
    assert window.scheduled_for == start.replace(microsecond=window.scheduled_for.microsecond)
    assert window.started_at == window.scheduled_for and window.reminded_at is None
    assert (window.auto_complete, window.remind_before_minutes) == (True, None)


@pytest.mark.parametrize(("kind", "fields", "status", "field"), [
    ("incident", {"scheduled_auto_completed": True}, 409, "scheduled_auto_completed"),
    ("incident", {"scheduled_for": "2999-01-01T00:00:00Z"}, 409, "scheduled_for"),
    ("maintenance", {"severity": "SEV1"}, 409, "severity"),
    ("maintenance", {"scheduled_until": "2000-01-01T00:00:00Z"}, 409, "scheduled_until"),
    ("maintenance", {"scheduled_for": "2999-01-02T00:00:00Z",
                     "scheduled_until": "2999-01-01T00:00:00Z"}, 422, "scheduled_until"),
    ("maintenance", {"auto_transition_to_maintenance_state": True,
                     "auto_transition_to_operational_state": False}, 422,
     "auto_transition_to_operational_state"),
    ("maintenance", {"auto_tweet_on_completion": True}, 422, "auto_tweet_on_completion"),
    ("maintenance", {"auto_transition_deliver_notifications_at_end": False}, 422,
     "auto_transition_deliver_notifications_at_end"),
])
def test_edits_the_target_or_the_server_refuses_change_nothing(
    client: FlaskClient, factory: Factory, write: str, kind: str, fields: dict[str, Any],
    status: int, field: str
) -> None:
    target = factory.incident() if kind == "incident" else factory.maintenance()
    before = (target.name, target.scheduled_for, target.auto_complete, target.severity)
    response = _patch(client, target.public_id, write, **fields)
    assert response.status_code == status, response.json
    assert response.json["field"] == field
    db.session.refresh(target)
    assert (target.name, target.scheduled_for, target.auto_complete, target.severity) == before


def test_a_started_maintenance_keeps_its_start_but_may_run_longer(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    window = factory.maintenance(starts_in=timedelta(minutes=-10))
    _patch(client, window.public_id, write, status="in_progress")
    moved = _patch(client, window.public_id, write,
                   scheduled_for=(utcnow() + timedelta(hours=1)).isoformat())
    assert moved.status_code == 409 and moved.json["field"] == "scheduled_for"
    longer = (utcnow() + timedelta(hours=5)).isoformat()
    assert _patch(client, window.public_id, write, scheduled_until=longer).status_code == 200


def test_public_edits_are_refused_where_the_plan_makes_public_text_wait(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident(name="Outage", severity="SEV3")
    require_approval()
    for fields in ({"name": "Renamed"}, {"impact_override": "none"}, {"severity": "SEV4"}):
        response = _patch(client, incident.public_id, write, **fields)
        assert response.status_code == 409, fields
        assert "approval" in response.json["message"]
    # Metadata is not public: it changes.
    kept = _patch(client, incident.public_id, write, metadata={"jira": {"id": "OPS-2"}})
    assert kept.status_code == 200 and kept.json["metadata"] == {"jira": {"id": "OPS-2"}}
    db.session.refresh(incident)
    assert (incident.name, incident.severity) == ("Outage", "SEV3")


def test_a_patch_renames_and_posts_the_update_together_or_not_at_all(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident(name="Old title")
    response = call(client, "PATCH", f"incidents/{incident.public_id}", write, json={
        "incident": {"name": "New title", "status": "identified"}})
    assert response.status_code == 200, response.json
    assert (response.json["name"], response.json["status"]) == ("New title", "identified")
    # A refused update (reopening is a 409) takes the rename back with it.
    call(client, "PATCH", f"incidents/{incident.public_id}", write,
         json={"incident": {"status": "resolved"}})
    refused = call(client, "PATCH", f"incidents/{incident.public_id}", write, json={
        "incident": {"name": "Third title", "status": "investigating"}})
    assert refused.status_code == 409 and refused.json["field"] == "status"
    db.session.refresh(incident)
    assert (incident.name, incident.status) == ("New title", "resolved")
