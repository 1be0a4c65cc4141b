"""Webhook payloads in Statuspage's shapes: incident, component_update, and the test ping."""

from __future__ import annotations

from flask import Flask

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.messages import build as messages
from statuspage.models import FanoutEvent
from statuspage.subscriptions.subscribe import unsubscribe_url
from tests.factories import Factory
from tests.notify.events import event_for, subscriber

INCIDENT_KEYS = {
    "backfilled", "created_at", "impact", "impact_override", "monitoring_at", "postmortem_body",
    "postmortem_body_last_updated_at", "postmortem_ignored", "postmortem_notified_subscribers",
    "postmortem_notified_twitter", "postmortem_published_at", "resolved_at",
    "scheduled_auto_transition", "scheduled_for", "scheduled_remind_prior",
    "scheduled_reminded_at", "scheduled_until", "shortlink", "status", "updated_at", "id",
    "organization_id", "incident_updates", "name",
}


def test_incident_payload_has_meta_page_and_manage_api_incident(
        app: Flask, factory: Factory) -> None:
    api = factory.component("API")
    incident = factory.incident(name="API errors", components={api: "major_outage"})
    second = post_update(incident, UpdateInput(status="identified", body="Found it."), None)
    hook = subscriber()
    payload = messages.webhook_payload(event_for(incident, second), hook).payload
    assert list(payload) == ["meta", "page", "incident"]
    assert payload["meta"]["unsubscribe"] == unsubscribe_url(hook)
    assert payload["meta"]["documentation"].startswith("https://")
    assert payload["page"]["status_indicator"] == "critical"
    assert payload["page"]["status_description"] == "Major System Outage"
    body = payload["incident"]
    assert set(body) == INCIDENT_KEYS
    assert (body["id"], body["name"], body["status"]) == (incident.public_id, "API errors",
                                                           "identified")
    assert body["organization_id"] == payload["page"]["id"]
    assert body["shortlink"] == f"https://status.example.com/incidents/{incident.public_id}"
    updates = body["incident_updates"]
    assert [u["status"] for u in updates] == ["identified", "investigating"]  # newest first
    assert updates[0]["id"] == second.public_id
    assert updates[0]["affected_components"] is None  # the second update named no component
    assert updates[1]["affected_components"] == [{
        "code": api.public_id, "name": "API", "old_status": "operational",
        "new_status": "major_outage"}]


def test_internal_updates_never_reach_webhooks(app: Flask, factory: Factory) -> None:
    incident = factory.incident()
    post_update(incident, UpdateInput(status="identified", body="secret note",
                                      visibility="internal"), None)
    payload = messages.webhook_payload(event_for(incident), subscriber()).payload
    assert "secret note" not in str(payload)


def test_component_update_payload(app: Flask, factory: Factory) -> None:
    group = factory.group("Backend")
    database = factory.component("Database", group=group, description="Primary")
    event = FanoutEvent(kind=messages.COMPONENT_UPDATE, channels=["webhook"],
                        component_ids=[database.id], detail={
                            "old_status": "operational", "new_status": "partial_outage",
                            "at": "2024-05-01T12:00:00.123456+00:00",
                            "component": {
                                "id": database.public_id, "name": "Database",
                                "description": "Primary", "position": 1, "showcase": True,
                                "group_id": group.public_id,
                                "created_at": "2024-01-01T00:00:00+00:00",
                                "updated_at": "2024-05-01T12:00:00.123456+00:00"}})
    db.session.add(event)
    db.session.commit()
    payload = messages.webhook_payload(event, subscriber()).payload
    assert list(payload) == ["meta", "page", "component_update", "component"]
    change = payload["component_update"]
    assert (change["old_status"], change["new_status"]) == ("operational", "partial_outage")
    assert change["component_id"] == database.public_id
    assert change["created_at"] == "2024-05-01T12:00:00.123Z"
    assert len(change["id"]) == 12
    # The same event always gives the same change id (a retried POST can be deduplicated).
    assert messages.webhook_payload(event, subscriber(address="https://b.example.com/in")
                                    ).payload["component_update"]["id"] == change["id"]
    assert payload["component"] == {
        "created_at": "2024-01-01T00:00:00.000Z", "id": database.public_id, "name": "Database",
        "status": "partial_outage", "updated_at": "2024-05-01T12:00:00.123Z", "position": 1,
        "description": "Primary", "showcase": True, "page_id": payload["page"]["id"],
        "group_id": group.public_id}


def test_test_payload_is_neither_an_incident_nor_a_component_update(
        app: Flask, factory: Factory) -> None:
    hook = subscriber()
    payload = messages.webhook_test_payload(hook).payload
    assert list(payload) == ["meta", "page", "ping"]
    assert payload["meta"]["unsubscribe"] == unsubscribe_url(hook)
    assert payload["ping"]["subscriber_id"] == hook.public_id
