from __future__ import annotations

from flask.testing import FlaskClient

from statuspage.models import ComponentDay
from statuspage.page.uptime import uptime_bars
from tests.factories import Factory


def test_healthz_and_readyz(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ok"}


def test_incident_lifecycle_updates_components_and_rollups(factory: Factory) -> None:
    from statuspage.incidents.lifecycle import resolve_incident

    api = factory.component("API")
    incident = factory.incident(components={api: "major_outage"})
    assert api.status == "major_outage"
    resolve_incident(incident, "Fixed.", None)
    assert api.status == "operational"
    assert incident.status == "resolved" and incident.resolved_at is not None
    assert ComponentDay.query.filter_by(component_id=api.id).count() >= 1
    from statuspage.models import utcnow

    bars = uptime_bars([api], utcnow().date())
    assert bars[api.id].days[-1].status.value == "major_outage"
    assert bars[api.id].days[-1].incidents == ["Something is broken"]


def test_page_id_is_stable_from_the_first_read(client: FlaskClient) -> None:
    first = client.get("/api/v2/status.json").json["page"]["id"]
    assert client.get("/api/v2/components.json").json["page"]["id"] == first


def test_public_responses_do_not_vary_on_cookie(client: FlaskClient) -> None:
    response = client.get("/api/v2/summary.json")
    assert "Cookie" not in response.headers.get("Vary", "")
    assert response.headers["Cache-Control"].startswith("public")
