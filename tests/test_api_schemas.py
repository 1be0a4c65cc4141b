"""The /api/v2 JSON Schemas (tests/schemas/) hold for real Statuspage captures and for our output.

The schemas were written from the captured responses in ../shared/fixtures/statuspage/; a
schema that rejected a real page would be wrong, and our output must pass the same schemas.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from statuspage.incidents.lifecycle import resolve_incident
from statuspage.incidents.maintenance import start_maintenance
from tests.factories import Factory

SCHEMAS = Path(__file__).parent / "schemas"
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "statuspage"
GITHUB_SUMMARY = "sergeyshevch-statuspage-exporter__githubstatus-summary__2022-11-25.json"
DISCORD_ALL = "Dziurwa14-discord-undoc__discordstatus-api-v2-endpoints__2022-02.json"

# Endpoint path (as the Discord capture keys them) -> schema file.
ENDPOINT_SCHEMAS = {
    "/api/v2/summary.json": "summary.json",
    "/api/v2/status.json": "status.json",
    "/api/v2/components.json": "components.json",
    "/api/v2/incidents.json": "incidents.json",
    "/api/v2/incidents/unresolved.json": "incidents-unresolved.json",
    "/api/v2/scheduled-maintenances.json": "scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json": "scheduled-maintenances-upcoming.json",
    "/api/v2/scheduled-maintenances/active.json": "scheduled-maintenances-active.json",
}

needs_fixtures = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason=f"Statuspage captures not found at {FIXTURES}"
)


def _load_schemas() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}


_ALL = _load_schemas()
_REGISTRY: Registry = Registry().with_resources(
    (schema["$id"], Resource.from_contents(schema)) for schema in _ALL.values()
)


def validator(schema_file: str) -> Draft202012Validator:
    return Draft202012Validator(_ALL[schema_file], registry=_REGISTRY)


def errors(schema_file: str, document: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator(schema_file).iter_errors(document)
    ]


@pytest.mark.parametrize("name", sorted(_ALL))
def test_every_schema_is_valid_draft_2020_12(name: str) -> None:
    Draft202012Validator.check_schema(_ALL[name])
    assert _ALL[name]["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_there_is_one_schema_per_endpoint() -> None:
    assert set(ENDPOINT_SCHEMAS.values()) | {"defs.json"} == set(_ALL)


@needs_fixtures
def test_github_summary_capture_matches_the_summary_schema() -> None:
    document = json.loads((FIXTURES / GITHUB_SUMMARY).read_text())
    assert errors("summary.json", document) == []


@needs_fixtures
@pytest.mark.parametrize("path", sorted(ENDPOINT_SCHEMAS))
def test_discord_capture_matches_each_endpoint_schema(path: str) -> None:
    captures = json.loads((FIXTURES / DISCORD_ALL).read_text())
    assert errors(ENDPOINT_SCHEMAS[path], captures[path]) == []


@needs_fixtures
def test_schemas_reject_a_capture_that_breaks_the_contract() -> None:
    """Guard against schemas so loose they accept anything."""
    document = json.loads((FIXTURES / GITHUB_SUMMARY).read_text())
    document["components"][0]["status"] = "down"
    document["incidents"][0]["incident_updates"][0]["created_at"] = "2022-11-25T15:50:04Z"
    document["incidents"][0]["id"] = "LJWDK6QML8Z8"
    document["status"]["indicator"] = "red"
    del document["page"]["time_zone"]
    found = errors("summary.json", document)
    assert any(e.startswith("components/0/status") for e in found)
    assert any(e.startswith("incidents/0/incident_updates/0/created_at") for e in found)
    assert any(e.startswith("incidents/0/id") for e in found)
    assert any(e.startswith("status/indicator") for e in found)
    assert any("time_zone" in e for e in found)


@pytest.fixture
def populated(factory: Factory) -> None:
    """Components, a group, an open and a resolved incident, scheduled + running maintenance."""
    group = factory.group("Backend")
    fraud = factory.component("Fraud Detection", group=group, description="Scores payments")
    factory.component("Search", group=group)
    api = factory.component("API")
    factory.incident(name="Checkout errors", components={fraud: "partial_outage"})
    old = factory.incident(name="Slow API", severity="SEV3",
                           components={api: "degraded_performance"})
    resolve_incident(old, "Fixed.", None)
    factory.maintenance(name="Index rebuild", components=[api])
    running = factory.maintenance(name="Failover test", starts_in=timedelta(minutes=-5),
                                  components=[fraud])
    start_maintenance(running, "Started.", None)


@pytest.mark.usefixtures("populated")
@pytest.mark.parametrize("path", sorted(ENDPOINT_SCHEMAS))
def test_our_output_matches_the_schema(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    document = response.get_json()
    assert errors(ENDPOINT_SCHEMAS[path], document) == []
    # The populated page must exercise the collection the endpoint serves.
    payload = [k for k in document if k not in ("page", "status")]
    for key in payload:
        assert document[key], f"{path} served an empty {key}"
