"""The public Statuspage-compatible API: what each endpoint lists, in which shape and order."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update, resolve_incident
from statuspage.incidents.maintenance import start_maintenance
from statuspage.incidents.updates import UpdateInput
from statuspage.page.record import get_page, touch_page
from tests.factories import Factory

PATHS = ("summary.json", "status.json", "components.json", "incidents.json",
         "incidents/unresolved.json", "scheduled-maintenances.json",
         "scheduled-maintenances/upcoming.json", "scheduled-maintenances/active.json")
OPEN_INCIDENT = {f"{p}:incidents" for p in ("summary.json", "incidents.json",
                                             "incidents/unresolved.json")}
UPCOMING = {"summary.json:scheduled_maintenances",
            "scheduled-maintenances.json:scheduled_maintenances",
            "scheduled-maintenances/upcoming.json:scheduled_maintenances"}
ACTIVE = {"summary.json:scheduled_maintenances",
          "scheduled-maintenances.json:scheduled_maintenances",
          "scheduled-maintenances/active.json:scheduled_maintenances"}

PAGE_KEYS = ["id", "name", "url", "time_zone", "updated_at"]
COMPONENT_KEYS = ["id", "name", "status", "created_at", "updated_at", "position", "description",
                  "showcase", "start_date", "group_id", "page_id", "group",
                  "only_show_if_degraded"]
INCIDENT_KEYS = ["id", "name", "status", "created_at", "updated_at", "monitoring_at",
                 "resolved_at", "impact", "shortlink", "started_at", "page_id",
                 "incident_updates", "components"]
UPDATE_KEYS = ["id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
               "affected_components", "deliver_notifications", "custom_tweet", "tweet_id"]


def fetch_all(client: FlaskClient) -> dict[str, Any]:
    """Every endpoint's parsed body, checking each is a 200 JSON response."""
    bodies = {}
    for path in PATHS:
        response = client.get(f"/api/v2/{path}")
        assert response.status_code == 200, path
        assert response.content_type == "application/json", path
        bodies[path] = response.get_json()
    return bodies


def places(bodies: dict[str, Any], public_id: str) -> set[str]:
    """Where (endpoint:key) a record with this id is listed."""
    return {
        f"{path}:{key}"
        for path, body in bodies.items()
        for key in ("incidents", "scheduled_maintenances")
        if any(item["id"] == public_id for item in body.get(key, []))
    }


def find(items: list[dict[str, Any]], public_id: str) -> dict[str, Any]:
    return next(item for item in items if item["id"] == public_id)


def statuses(record: dict[str, Any]) -> list[str]:
    return [u["status"] for u in record["incident_updates"]]


def test_incident_lifecycle_is_listed_where_statuspage_lists_it(
    client: FlaskClient, factory: Factory
) -> None:
    group = factory.group("Backend")
    fraud = factory.component("Fraud Detection", group=group)
    api = factory.component("API")
    incident = factory.incident(name="Checkout errors", severity="SEV2",
                                components={api: "partial_outage", fraud: "degraded_performance"})
    iid = incident.public_id

    bodies = fetch_all(client)
    assert places(bodies, iid) == OPEN_INCIDENT
    record = find(bodies["incidents.json"]["incidents"], iid)
    assert record == find(bodies["summary.json"]["incidents"], iid)
    assert record == find(bodies["incidents/unresolved.json"]["incidents"], iid)
    assert (record["status"], record["impact"]) == ("investigating", "major")
    assert record["monitoring_at"] is None and record["resolved_at"] is None
    assert record["shortlink"] == f"https://status.example.com/incidents/{iid}"
    assert {c["id"]: c["status"] for c in record["components"]} == {
        api.public_id: "partial_outage", fraud.public_id: "degraded_performance"}
    by_id = {c["id"]: c["status"] for c in bodies["components.json"]["components"]}
    assert by_id[group.public_id] == "degraded_performance"
    assert bodies["status.json"]["status"]["indicator"] != "none"

    # A follow-up that repeats the status and touches no component.
    post_update(incident, UpdateInput(status="investigating", body="Still digging."), None)
    record = find(fetch_all(client)["incidents.json"]["incidents"], iid)
    assert statuses(record) == ["investigating", "investigating"]
    assert record["incident_updates"][0]["body"] == "Still digging."
    assert record["incident_updates"][0]["affected_components"] is None

    post_update(incident, UpdateInput(status="identified", body="Found it.",
                                      component_statuses={api.id: "major_outage"}), None)
    bodies = fetch_all(client)
    record = find(bodies["incidents/unresolved.json"]["incidents"], iid)
    assert record["incident_updates"][0]["affected_components"] == [
        {"code": api.public_id, "name": "API", "old_status": "partial_outage",
         "new_status": "major_outage"}]
    assert find(bodies["components.json"]["components"], api.public_id)["status"] == "major_outage"

    post_update(incident, UpdateInput(status="monitoring", body="Watching.", component_statuses={
        api.id: "operational", fraud.id: "operational"}), None)
    bodies = fetch_all(client)
    assert places(bodies, iid) == OPEN_INCIDENT
    record = find(bodies["summary.json"]["incidents"], iid)
    assert record["monitoring_at"] == record["incident_updates"][0]["display_at"]
    # Components are the current objects: operational while the incident is still open.
    assert {c["status"] for c in record["components"]} == {"operational"}

    resolve_incident(incident, "All fixed.", None)
    bodies = fetch_all(client)
    assert places(bodies, iid) == {"incidents.json:incidents"}
    record = find(bodies["incidents.json"]["incidents"], iid)
    assert statuses(record) == ["resolved", "monitoring", "identified", "investigating",
                                "investigating"]
    assert record["resolved_at"] == record["incident_updates"][0]["display_at"]
    assert bodies["status.json"]["status"] == {"indicator": "none",
                                               "description": "All Systems Operational"}
    assert bodies["summary.json"]["status"] == bodies["status.json"]["status"]


def test_maintenance_lifecycle_moves_from_upcoming_to_active_to_history(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    factory.component("Web")
    maintenance = factory.maintenance(name="Database upgrade", components=[api])
    mid = maintenance.public_id

    bodies = fetch_all(client)
    assert places(bodies, mid) == UPCOMING
    record = find(bodies["scheduled-maintenances/upcoming.json"]["scheduled_maintenances"], mid)
    assert list(record) == [*INCIDENT_KEYS, "scheduled_for", "scheduled_until"]
    assert (record["status"], record["impact"]) == ("scheduled", "maintenance")
    assert record["scheduled_for"] == record["started_at"]
    assert bodies["status.json"]["status"]["indicator"] == "none"

    start_maintenance(maintenance, "Work has started.", None)
    bodies = fetch_all(client)
    assert places(bodies, mid) == ACTIVE
    components = bodies["components.json"]["components"]
    assert find(components, api.public_id)["status"] == "under_maintenance"
    assert bodies["status.json"]["status"]["indicator"] == "maintenance"

    post_update(maintenance, UpdateInput(status="verifying", body="Checking."), None)
    bodies = fetch_all(client)
    assert places(bodies, mid) == ACTIVE
    record = find(bodies["scheduled-maintenances/active.json"]["scheduled_maintenances"], mid)
    assert record["monitoring_at"] == record["incident_updates"][0]["display_at"]

    resolve_incident(maintenance, "Done.", None)
    bodies = fetch_all(client)
    assert places(bodies, mid) == {"scheduled-maintenances.json:scheduled_maintenances"}
    record = find(bodies["scheduled-maintenances.json"]["scheduled_maintenances"], mid)
    assert statuses(record) == ["completed", "verifying", "in_progress", "scheduled"]
    assert record["resolved_at"] is not None
    assert find(bodies["components.json"]["components"], api.public_id)["status"] == "operational"
    assert bodies["status.json"]["status"]["indicator"] == "none"


def test_internal_updates_never_leave_through_the_api(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    incident = factory.incident(components={api: "degraded_performance"})
    maintenance = factory.maintenance(components=[api])
    secret = "Root cause: the intern dropped prod"
    post_update(incident, UpdateInput(status="identified", body=secret, visibility="internal",
                                      component_statuses={api.id: "major_outage"}), None)
    post_update(maintenance, UpdateInput(status="scheduled", body=secret,
                                         visibility="internal"), None)

    for path in PATHS:
        assert secret.encode() not in client.get(f"/api/v2/{path}").data, path
    bodies = fetch_all(client)
    record = find(bodies["incidents.json"]["incidents"], incident.public_id)
    assert statuses(record) == ["investigating"]
    assert record["status"] == "investigating"
    assert find(bodies["components.json"]["components"], api.public_id)["status"] == (
        "degraded_performance")
    upcoming = bodies["scheduled-maintenances/upcoming.json"]["scheduled_maintenances"]
    assert statuses(find(upcoming, maintenance.public_id)) == ["scheduled"]


def test_keys_come_in_statuspage_order(client: FlaskClient, factory: Factory) -> None:
    group = factory.group("Backend")
    child = factory.component("Queue", group=group)
    factory.incident(components={child: "partial_outage"})
    factory.maintenance(components=[child])
    bodies = fetch_all(client)

    assert list(bodies["summary.json"]) == [
        "page", "components", "incidents", "scheduled_maintenances", "status"]
    assert list(bodies["status.json"]) == ["page", "status"]
    assert list(bodies["components.json"]) == ["page", "components"]
    for path in ("incidents.json", "incidents/unresolved.json"):
        assert list(bodies[path]) == ["page", "incidents"]
    for path in PATHS[5:]:
        assert list(bodies[path]) == ["page", "scheduled_maintenances"]
    for body in bodies.values():
        assert list(body["page"]) == PAGE_KEYS
    assert list(bodies["status.json"]["status"]) == ["indicator", "description"]

    group_obj, child_obj = bodies["components.json"]["components"]
    assert list(group_obj) == [*COMPONENT_KEYS, "components"]
    assert list(child_obj) == COMPONENT_KEYS
    incident = bodies["incidents.json"]["incidents"][0]
    assert list(incident) == INCIDENT_KEYS
    assert list(incident["incident_updates"][0]) == UPDATE_KEYS
    assert list(incident["incident_updates"][0]["affected_components"][0]) == [
        "code", "name", "old_status", "new_status"]
    assert list(incident["components"][0]) == COMPONENT_KEYS
    maintenance = bodies["scheduled-maintenances.json"]["scheduled_maintenances"][0]
    assert list(maintenance) == [*INCIDENT_KEYS, "scheduled_for", "scheduled_until"]


def test_an_empty_page_serves_empty_arrays_never_null(client: FlaskClient) -> None:
    page = get_page()
    db.session.commit()
    bodies = fetch_all(client)
    collections = {key for body in bodies.values() for key in body} - {"page", "status"}
    assert collections == {"components", "incidents", "scheduled_maintenances"}
    for path, body in bodies.items():
        assert body["page"]["id"] == page.public_id
        for key in collections & set(body):
            assert body[key] == [], (path, key)
    assert set(bodies["summary.json"]) >= collections
    assert bodies["status.json"]["status"] == {"indicator": "none",
                                               "description": "All Systems Operational"}


def test_groups_list_their_children_and_children_point_back(
    client: FlaskClient, factory: Factory
) -> None:
    web = factory.component("Website", position=1)
    group = factory.group("Backend", position=2)
    first = factory.component("Fraud Detection", group=group)
    second = factory.component("Payments", group=group)
    components = client.get("/api/v2/components.json").get_json()["components"]

    assert [c["id"] for c in components] == [
        web.public_id, group.public_id, first.public_id, second.public_id]
    by_id = {c["id"]: c for c in components}
    assert by_id[group.public_id]["group"] is True
    assert by_id[group.public_id]["components"] == [first.public_id, second.public_id]
    assert by_id[group.public_id]["group_id"] is None
    for child in (first, second):
        assert by_id[child.public_id]["group"] is False
        assert by_id[child.public_id]["group_id"] == group.public_id
        assert "components" not in by_id[child.public_id]
    assert "components" not in by_id[web.public_id]
    assert [by_id[c.public_id]["position"] for c in (web, group, first, second)] == [1, 2, 1, 2]


def test_affected_components_inside_a_group_are_named_group_dash_component(
    client: FlaskClient, factory: Factory
) -> None:
    group = factory.group("Backend")
    fraud = factory.component("Fraud Detection Service", group=group)
    incident = factory.incident(components={fraud: "major_outage"})
    record = client.get("/api/v2/incidents.json").get_json()["incidents"][0]

    assert record["id"] == incident.public_id
    change = record["incident_updates"][0]["affected_components"][0]
    assert change == {"code": fraud.public_id, "name": "Backend - Fraud Detection Service",
                      "old_status": "operational", "new_status": "major_outage"}
    # The incident's components are plain component objects (groups are not listed).
    assert [(c["id"], c["name"]) for c in record["components"]] == [
        (fraud.public_id, "Fraud Detection Service")]


def test_timestamps_follow_the_page_time_zone_with_milliseconds(
    client: FlaskClient, factory: Factory
) -> None:
    winter = factory.incident(name="Winter", started_at=datetime(2024, 1, 15, 20, 30, 5, 123456,
                                                                 tzinfo=UTC))
    summer = factory.incident(name="Summer", started_at=datetime(2024, 7, 15, 20, 30, 5, 987000,
                                                                 tzinfo=UTC))
    incidents = client.get("/api/v2/incidents.json").get_json()["incidents"]
    assert find(incidents, winter.public_id)["started_at"] == "2024-01-15T20:30:05.123Z"

    page = get_page()
    page.time_zone = "America/Tijuana"
    db.session.commit()
    touch_page()
    db.session.commit()

    body = client.get("/api/v2/incidents.json").get_json()
    assert body["page"]["time_zone"] == "America/Tijuana"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-0[78]:00",
                        body["page"]["updated_at"])
    winter_record = find(body["incidents"], winter.public_id)
    summer_record = find(body["incidents"], summer.public_id)
    assert winter_record["started_at"] == "2024-01-15T12:30:05.123-08:00"
    assert winter_record["incident_updates"][0]["display_at"] == "2024-01-15T12:30:05.123-08:00"
    assert summer_record["started_at"] == "2024-07-15T13:30:05.987-07:00"
    assert summer_record["incident_updates"][0]["display_at"] == "2024-07-15T13:30:05.987-07:00"
