"""HTTP behaviour of the v2 API: JSON encoding, CORS, HEAD, limits and bounded queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update, resolve_incident
from statuspage.incidents.updates import UpdateInput
from tests.factories import Factory
from tests.test_api_v2 import PATHS


def test_markup_in_titles_and_bodies_comes_back_as_the_same_json_strings(
    client: FlaskClient, factory: Factory
) -> None:
    payloads = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                "[x](javascript:alert(1))"]
    for payload in payloads:
        factory.incident(name=payload, body=payload)

    for path in ("incidents.json", "summary.json", "incidents/unresolved.json"):
        response = client.get(f"/api/v2/{path}")
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        # Angle brackets travel as \u003c escapes: no byte sequence a browser could run.
        assert b"<script" not in response.data and b"<img" not in response.data
        records = response.get_json()["incidents"]
        assert sorted(r["name"] for r in records) == sorted(payloads)
        assert sorted(r["incident_updates"][0]["body"] for r in records) == sorted(payloads)


def test_cors_is_open_on_success_head_not_modified_and_errors(
    client: FlaskClient, factory: Factory
) -> None:
    factory.component("API")
    ok = client.get("/api/v2/summary.json")
    not_modified = client.get("/api/v2/summary.json", headers={"If-None-Match": ok.headers["ETag"]})
    missing = client.get("/api/v2/nope.json")
    wrong_method = client.post("/api/v2/summary.json")

    assert not_modified.status_code == 304
    assert missing.status_code == 404 and missing.content_type == "application/json"
    assert missing.get_json()["error"] == "Not Found"
    assert wrong_method.status_code == 405
    for response in (ok, not_modified, missing, wrong_method):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    # Only the API is opened to other origins.
    assert "Access-Control-Allow-Origin" not in client.get("/healthz").headers


def test_head_on_components_answers_200_without_a_body(
    client: FlaskClient, factory: Factory
) -> None:
    factory.component("API")
    response = client.head("/api/v2/components.json")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.content_type == "application/json"


def test_lists_stop_at_the_50_most_recent(client: FlaskClient, factory: Factory) -> None:
    start = datetime.now(UTC) - timedelta(days=10)
    opened = [factory.incident(name=f"Incident {n}", started_at=start + timedelta(minutes=n))
              for n in range(51)]
    for incident in opened:
        resolve_incident(incident, "Fixed.", None)
    scheduled = [factory.maintenance(name=f"Window {n}", starts_in=timedelta(hours=n + 1))
                 for n in range(51)]

    incidents = client.get("/api/v2/incidents.json").get_json()["incidents"]
    assert [i["id"] for i in incidents] == [i.public_id for i in reversed(opened[1:])]
    windows = client.get("/api/v2/scheduled-maintenances.json").get_json()
    ids = [m["id"] for m in windows["scheduled_maintenances"]]
    assert ids == [m.public_id for m in reversed(scheduled[1:])]
    # The endpoints that filter by status are not cut at 50.
    upcoming = client.get("/api/v2/scheduled-maintenances/upcoming.json").get_json()
    assert len(upcoming["scheduled_maintenances"]) == 51


def _statements(client: FlaskClient, path: str) -> int:
    """How many SQL statements one request runs."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_query_count_does_not_grow_with_the_page(client: FlaskClient, factory: Factory) -> None:
    def add_group_with_incident(n: int) -> None:
        group = factory.group(f"Region {n}")
        parts = [factory.component(f"Part {n}.{k}", group=group) for k in range(2)]
        incident = factory.incident(name=f"Outage {n}", components={parts[0]: "major_outage"})
        post_update(incident, UpdateInput(status="identified", body="Found.",
                                          component_statuses={parts[1].id: "partial_outage"}),
                    None)
        factory.maintenance(name=f"Window {n}", components=parts)

    add_group_with_incident(0)
    before = {path: _statements(client, f"/api/v2/{path}") for path in PATHS}
    for n in range(1, 5):
        add_group_with_incident(n)
    after = {path: _statements(client, f"/api/v2/{path}") for path in PATHS}
    assert after == before
