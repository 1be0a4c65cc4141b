"""Incidents and maintenance through the management API, with Statuspage-style bodies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from statuspage.api.v1_openapi import document
from statuspage.core.extensions import db
from statuspage.incidents import lifecycle as incidents
from statuspage.incidents.updates import UpdateInput
from statuspage.models import AuditEntry, FanoutEvent, Incident, utcnow
from tests.api_v1_support import call, new_token
from tests.factories import Factory


@pytest.fixture
def write(app: object) -> str:
    return new_token("write", name="deploy-bot")


def _incidents() -> list[Incident]:
    return list(db.session.execute(select(Incident)).scalars().all())


def _fanouts(incident: Incident) -> int:
    return db.session.scalar(select(func.count(FanoutEvent.id))
                             .where(FanoutEvent.incident_id == incident.id)) or 0


def _matches_openapi(record: dict[str, Any], schema: str) -> None:
    spec = Resource.from_contents(document("https://status.example.com"),
                                  default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:spec", spec)
    validator = Draft202012Validator({"$ref": f"urn:spec#/components/schemas/{schema}"},
                                     registry=registry)
    errors = [e.message for e in validator.iter_errors(record)]
    assert errors == []


def test_a_statuspage_incident_body_opens_an_incident_with_components_and_notifications(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    api, db_component = factory.component("API"), factory.component("Database")
    response = call(client, "POST", "incidents", write, json={"incident": {
        "name": "Elevated API errors",
        "status": "identified",
        "impact_override": "major",
        "body": "A bad deploy; rolling back.",
        "components": {api.public_id: "major_outage"},
        "component_ids": [api.public_id, db_component.public_id],
        "deliver_notifications": True,
    }})
    assert response.status_code == 201, response.json
    [incident] = _incidents()
    assert (incident.name, incident.status, incident.severity) == (
        "Elevated API errors", "identified", "SEV2")
    assert {c.name for c in incident.components} == {"API", "Database"}
    db.session.refresh(api)
    db.session.refresh(db_component)
    assert (api.status, db_component.status) == ("major_outage", "operational")
    [update] = incident.updates
    assert update.body == "A bad deploy; rolling back." and update.deliver_notifications
    assert _fanouts(incident) == 1

    record = response.json
    assert record["id"] == incident.public_id and record["impact"] == "major"
    assert record["shortlink"] == f"https://status.example.com/incidents/{incident.public_id}"
    assert record["incident_updates"][0]["body"] == "A bad deploy; rolling back."
    changes = {c["code"]: c["new_status"]
               for c in record["incident_updates"][0]["affected_components"]}
    assert changes == {api.public_id: "major_outage", db_component.public_id: "operational"}
    assert record["scheduled_for"] is None and record["postmortem_body"] is None
    _matches_openapi(record, "Incident")


def test_deliver_notifications_false_posts_without_notifying(
    client: FlaskClient, write: str
) -> None:
    response = call(client, "POST", "incidents", write, json={"incident": {
        "name": "Quiet fix", "body": "Nothing to see.", "deliver_notifications": False}})
    assert response.status_code == 201
    [incident] = _incidents()
    assert incident.updates[0].deliver_notifications is False
    assert _fanouts(incident) == 0
    assert response.json["incident_updates"][0]["deliver_notifications"] is False


@pytest.mark.parametrize(("impact", "severity"), [
    ("critical", "SEV1"), ("major", "SEV2"), ("minor", "SEV3"), ("none", "SEV4"), (None, "SEV3"),
])
def test_severity_follows_the_impact_override(
    client: FlaskClient, write: str, impact: str | None, severity: str
) -> None:
    fields: dict[str, Any] = {"name": "Something", "impact_override": impact}
    response = call(client, "POST", "incidents", write, json={"incident": fields})
    assert response.status_code == 201
    assert _incidents()[0].severity == severity
    assert response.json["severity"] == severity


def test_patch_to_resolved_resolves_and_restores_the_components(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    api = factory.component("API")
    incident = factory.incident(components={api: "partial_outage"})
    response = call(client, "PATCH", f"incidents/{incident.public_id}", write, json={
        "incident": {"status": "resolved", "body": "Fixed."}})
    assert response.status_code == 200, response.json
    db.session.refresh(incident)
    db.session.refresh(api)
    assert incident.status == "resolved" and incident.resolved_at is not None
    assert api.status == "operational"
    assert response.json["status"] == "resolved"
    assert response.json["incident_updates"][0]["body"] == "Fixed."


def test_patch_posts_an_update_with_the_component_statuses_given(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    api = factory.component("API")
    incident = factory.incident(components={api: "major_outage"})
    response = call(client, "PATCH", f"incidents/{incident.public_id}", write, json={
        "incident": {"status": "monitoring", "body": "Recovering.",
                     "components": {api.public_id: "degraded_performance"},
                     "deliver_notifications": False}})
    assert response.status_code == 200
    db.session.refresh(incident)
    db.session.refresh(api)
    assert incident.status == "monitoring" and api.status == "degraded_performance"
    assert len(incident.updates) == 2 and not incident.updates[0].deliver_notifications


def test_patch_without_an_update_changes_nothing(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident(name="Same")
    response = call(client, "PATCH", f"incidents/{incident.public_id}", write, json={
        "incident": {"name": "Same", "deliver_notifications": False}})
    assert response.status_code == 200
    db.session.refresh(incident)
    assert len(incident.updates) == 1


def test_scheduled_for_creates_a_maintenance_with_its_automation(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    db_component = factory.component("Database")
    start = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    response = call(client, "POST", "incidents", write, json={"incident": {
        "name": "Database upgrade",
        "status": "scheduled",
        "body": "Planned work.",
        "scheduled_for": start.isoformat().replace("+00:00", "Z"),
        "scheduled_until": (start + timedelta(hours=2)).isoformat(),
        "scheduled_remind_prior": True,
        "scheduled_auto_transition": True,
        "scheduled_auto_completed": True,
        "components": {db_component.public_id: "under_maintenance"},
    }})
    assert response.status_code == 201, response.json
    [maintenance] = _incidents()
    assert maintenance.is_maintenance and maintenance.status == "scheduled"
    assert maintenance.scheduled_for == start
    assert maintenance.scheduled_until == start + timedelta(hours=2)
    assert maintenance.auto_start and maintenance.auto_complete
    assert maintenance.remind_before_minutes == 60
    assert [c.name for c in maintenance.components] == ["Database"]
    db.session.refresh(db_component)
    assert db_component.status == "operational"  # it changes when the window starts
    record = response.json
    assert record["scheduled_auto_in_progress"] is True
    assert record["scheduled_remind_prior"] is True
    assert record["scheduled_for"] == start.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def test_maintenance_automation_flags_use_their_statuspage_names(
    client: FlaskClient, write: str
) -> None:
    response = call(client, "POST", "incidents", write, json={"incident": {
        "name": "Network work", "scheduled_for": "2030-01-01T10:00:00+01:00",
        "scheduled_until": "2030-01-01T12:00:00", "scheduled_auto_in_progress": "true",
        "auto_transition_to_maintenance_state": True}})
    assert response.status_code == 201, response.json
    [maintenance] = _incidents()
    assert maintenance.auto_start and not maintenance.auto_complete
    assert maintenance.auto_transition_components
    assert maintenance.remind_before_minutes is None
    # An offset is honoured; a time without one is UTC.
    assert maintenance.scheduled_for.isoformat() == "2030-01-01T09:00:00+00:00"
    assert maintenance.scheduled_until.isoformat() == "2030-01-01T12:00:00+00:00"


def test_patch_to_in_progress_puts_a_maintenance_s_components_under_maintenance(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    db_component = factory.component("Database")
    maintenance = factory.maintenance(components=[db_component], starts_in=timedelta(0))
    response = call(client, "PATCH", f"incidents/{maintenance.public_id}", write, json={
        "incident": {"status": "in_progress", "body": "Started."}})
    assert response.status_code == 200, response.json
    db.session.refresh(db_component)
    assert db_component.status == "under_maintenance"
    completed = call(client, "PATCH", f"incidents/{maintenance.public_id}", write, json={
        "incident": {"status": "completed"}})
    assert completed.json["status"] == "completed"
    db.session.refresh(db_component)
    assert db_component.status == "operational"


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": ""}, "name"),
    ({"name": 42}, "name"),
    ({"status": "on_fire"}, "status"),
    ({"impact_override": "huge"}, "impact_override"),
    ({"components": {"nosuchcomp123": "major_outage"}}, "components"),
    ({"components": {"@api": "melting"}}, "components"),
    ({"components": ["@api"]}, "components"),
    ({"component_ids": "@api"}, "component_ids"),
    ({"deliver_notifications": "maybe"}, "deliver_notifications"),
    ({"scheduled_for": "next tuesday"}, "scheduled_for"),
    ({"scheduled_for": "2030-01-01T10:00:00Z"}, "scheduled_until"),
    ({"scheduled_for": "2030-01-01T10:00:00Z", "scheduled_until": "2030-01-01T09:00:00Z"},
     "scheduled_until"),
    ({"scheduled_for": "2030-01-01T10:00:00Z", "scheduled_until": "2030-01-01T12:00:00Z",
      "status": "in_progress"}, "status"),
])
def test_invalid_values_are_refused_with_a_422_naming_the_field(
    client: FlaskClient, factory: Factory, write: str, fields: dict[str, Any], field: str
) -> None:
    api = factory.component("API")
    body = {"name": "Broken", **fields}
    if "components" in fields and isinstance(fields["components"], dict):
        body["components"] = {k.replace("@api", api.public_id): v
                              for k, v in fields["components"].items()}
    response = call(client, "POST", "incidents", write, json={"incident": body})
    assert response.status_code == 422, response.json
    assert response.json["error"] == "Unprocessable Entity"
    assert response.json["field"] == field
    assert response.json["message"]
    assert _incidents() == []
    db.session.refresh(api)
    assert api.status == "operational"


def test_writes_are_audited_under_the_token_name(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    created = call(client, "POST", "incidents", write, json={"incident": {"name": "Outage"}})
    call(client, "PATCH", f"incidents/{created.json['id']}", write, json={
        "incident": {"status": "resolved"}})
    entries = db.session.execute(
        select(AuditEntry.action, AuditEntry.actor_label, AuditEntry.actor_id)
        .where(AuditEntry.target_id == created.json["id"]).order_by(AuditEntry.id)
    ).all()
    assert [tuple(e) for e in entries] == [
        ("incident.open", "token:deploy-bot", None),
        ("incident.update", "token:deploy-bot", None),
    ]
    # Outside an API request, changes without a user are still "system".
    factory.incident()
    assert db.session.execute(select(AuditEntry.actor_label).order_by(AuditEntry.id.desc())
                              ).scalars().first() == "system"


def test_the_list_searches_titles_and_pages_through_results(
    client: FlaskClient, factory: Factory
) -> None:
    for name in ("Login outage", "Slow search", "Login delays"):
        factory.incident(name=name)
    factory.maintenance(name="Login maintenance")
    read = new_token("read")
    found = call(client, "GET", "incidents?q=LOGIN", read).json
    assert sorted(i["name"] for i in found) == [
        "Login delays", "Login maintenance", "Login outage"]
    first = call(client, "GET", "incidents?limit=2&page=1", read).json
    second = call(client, "GET", "incidents?limit=2&page=2", read).json
    assert len(first) == 2 and len(second) == 2
    assert {i["id"] for i in first}.isdisjoint(i["id"] for i in second)
    bad = call(client, "GET", "incidents?limit=500", read)
    assert bad.status_code == 422 and bad.json["field"] == "limit"


def test_an_unknown_incident_is_a_404(client: FlaskClient, write: str) -> None:
    assert call(client, "GET", "incidents/nosuchthing12", write).status_code == 404
    response = call(client, "PATCH", "incidents/nosuchthing12", write,
                    json={"incident": {"status": "resolved"}})
    assert response.status_code == 404 and response.json["error"] == "Not Found"


def test_internal_updates_never_leave_through_the_api(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident(body="Public note.")
    incidents.post_update(incident, UpdateInput(
        status="identified", body="Internal: the vendor is at fault.",
        visibility="internal"), None)
    record = call(client, "GET", f"incidents/{incident.public_id}", write).json
    assert [u["body"] for u in record["incident_updates"]] == ["Public note."]
