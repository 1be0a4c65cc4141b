"""Console pages for incidents: list, open, timeline, updates, resolve, markdown preview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Component, Incident, IncidentUpdate
from tests.console.conftest_content import (
    as_role,
    audit_actions,
    field_error,
    input_value,
    set_time_zone,
    textarea_value,
)
from tests.factories import Factory

XSS = '<script>alert(1)</script> <img src=x onerror="alert(2)"> [click](javascript:alert(3))'


def _incident(name: str) -> Incident:
    db.session.expire_all()
    return db.session.execute(select(Incident).filter_by(name=name)).scalar_one()


def test_list_shows_open_incidents_before_recently_resolved_ones(
    client: FlaskClient, factory: Factory
) -> None:
    from statuspage.incidents.lifecycle import resolve_incident

    old = factory.incident("Old outage")
    resolve_incident(old, "Fixed.", None)
    factory.incident("Current outage")
    as_role(client, factory, "viewer")

    html = client.get("/console/incidents").get_data(as_text=True)

    assert html.index("Open") < html.index("Current outage") < html.index(
        "Recently resolved") < html.index("Old outage")
    assert "Open an incident" not in html  # a viewer only reads


def test_open_incident_with_components_and_no_notification(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    web = factory.component("Website")
    as_role(client, factory, "communicator")
    assert "SEV1" in client.get("/console/incidents/new").get_data(as_text=True)

    response = client.post("/console/incidents/new", data={
        "name": "API errors", "severity": "SEV2", "status": "identified",
        "body": "We found **the** cause.", f"component-{api.id}": "partial_outage",
        f"component-{web.id}": "", "action": "publish",
    })

    incident = _incident("API errors")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/console/incidents/{incident.public_id}")
    assert (incident.severity, incident.status) == ("SEV2", "identified")
    assert [c.name for c in incident.components] == ["API"]
    assert db.session.get(Component, api.id).status == "partial_outage"
    assert db.session.get(Component, web.id).status == "operational"
    [update] = incident.updates
    assert update.body == "We found **the** cause." and update.deliver_notifications is False
    assert "incident.open" in audit_actions()
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We found <strong>the</strong> cause." in detail
    assert "API: Operational → Partial Outage" in detail


def test_empty_title_keeps_everything_typed(client: FlaskClient, factory: Factory) -> None:
    api = factory.component("API")
    as_role(client, factory, "communicator")

    response = client.post("/console/incidents/new", data={
        "name": "", "severity": "SEV1", "status": "monitoring", "body": "Typed *body*",
        f"component-{api.id}": "major_outage", "started_at": "2024-03-01T10:15",
    })

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "name") == "Give the incident a title."
    assert textarea_value(html, "body") == "Typed *body*"
    assert input_value(html, "started_at") == "2024-03-01T10:15"
    assert '<option selected value="SEV1">' in html
    assert '<option selected value="monitoring">' in html
    assert '<option value="major_outage" selected>' in html
    assert input_value(html, "deliver_notifications") is not None
    assert 'name="deliver_notifications" type="checkbox" value="y">' in html  # stays unchecked
    assert db.session.execute(select(Incident)).first() is None
    assert db.session.get(Component, api.id).status == "operational"


def test_unknown_severity_is_shown_next_to_the_severity_field(
    client: FlaskClient, factory: Factory
) -> None:
    as_role(client, factory, "admin")

    response = client.post("/console/incidents/new", data={
        "name": "Broken", "severity": "SEV9", "status": "investigating", "body": "x",
    })

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "severity") == "Choose a severity from SEV1 to SEV4."
    assert input_value(html, "name") == "Broken"


def test_back_dated_start_is_read_in_the_page_time_zone_and_stored_in_utc(
    client: FlaskClient, factory: Factory
) -> None:
    set_time_zone("America/New_York")
    as_role(client, factory, "communicator")

    client.post("/console/incidents/new", data={
        "name": "Overnight", "severity": "SEV3", "status": "investigating", "body": "x",
        "started_at": "2024-07-01T22:30",
    })

    incident = _incident("Overnight")
    # 22:30 EDT (UTC-4) is 02:30 UTC the next day.
    assert incident.started_at == datetime(2024, 7, 2, 2, 30, tzinfo=UTC)
    assert incident.updates[0].display_at == incident.started_at
    html = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)
    assert "Jul 01, 2024 22:30 EDT" in html


def test_start_in_the_future_or_in_a_clock_change_gap_is_refused(
    client: FlaskClient, factory: Factory
) -> None:
    set_time_zone("Europe/Berlin")
    as_role(client, factory, "communicator")
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    base = {"name": "X", "severity": "SEV3", "status": "investigating"}

    later = client.post("/console/incidents/new", data={**base, "started_at": future})
    gap = client.post("/console/incidents/new", data={**base, "started_at": "2024-03-31T02:30"})
    garbage = client.post("/console/incidents/new", data={**base, "started_at": "yesterday"})

    assert later.status_code == gap.status_code == garbage.status_code == 422
    assert field_error(later.get_data(as_text=True), "started_at") == (
        "An incident cannot start in the future.")
    assert "does not exist in Europe/Berlin" in field_error(gap.get_data(as_text=True),
                                                           "started_at")
    assert field_error(garbage.get_data(as_text=True), "started_at")
    assert db.session.execute(select(Incident)).first() is None


def test_detail_shows_the_whole_timeline_with_internal_updates_marked(
    client: FlaskClient, factory: Factory
) -> None:
    incident = factory.incident("Outage", body="Public words")
    post_update(incident, UpdateInput(status="identified", body="Secret words",
                                      visibility="internal"), None)
    as_role(client, factory, "viewer")

    html = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)

    assert "Public words" in html and "Secret words" in html
    internal = html[html.index('class="update internal"'):]
    assert internal.index("Internal") < internal.index("Secret words")
    assert "Post an update" not in html  # a viewer gets no composer


def test_post_update_changes_status_and_components_and_can_add_one(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    db_ = factory.component("Database")
    incident = factory.incident("Outage", components={api: "major_outage"})
    as_role(client, factory, "communicator")

    response = client.post(f"/console/incidents/{incident.public_id}/updates", data={
        "status": "monitoring", "body": "A fix is out.", "visibility": "public",
        f"component-{api.id}": "degraded_performance", f"component-{db_.id}": "partial_outage",
        "deliver_notifications": "y",
    })

    assert response.status_code == 303
    incident = _incident("Outage")
    assert incident.status == "monitoring"
    assert {c.name for c in incident.components} == {"API", "Database"}
    assert db.session.get(Component, api.id).status == "degraded_performance"
    assert db.session.get(Component, db_.id).status == "partial_outage"
    assert incident.updates[0].body == "A fix is out."
    assert incident.updates[0].deliver_notifications is True


def test_failed_update_keeps_the_typed_update(client: FlaskClient, factory: Factory) -> None:
    api = factory.component("API")
    incident = factory.incident("Outage", components={api: "major_outage"})
    as_role(client, factory, "communicator")

    response = client.post(f"/console/incidents/{incident.public_id}/updates", data={
        "status": "exploded", "body": "Still typing", f"component-{api.id}": "partial_outage",
    })

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "status") == "Choose a status this incident can have."
    assert textarea_value(html, "body") == "Still typing"
    assert '<option value="partial_outage" selected>' in html
    assert len(_incident("Outage").updates) == 1


@pytest.mark.parametrize(("restore", "expected"), [(True, "operational"),
                                                   (False, "major_outage")])
def test_resolve_returns_components_to_operational_when_asked(
    client: FlaskClient, factory: Factory, restore: bool, expected: str
) -> None:
    api = factory.component("API")
    incident = factory.incident("Outage", components={api: "major_outage"})
    as_role(client, factory, "communicator")
    page = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)
    assert 'checked id="resolve-restore_components"' in page  # checked by default

    data = {"resolve-body": "All good now."}
    if restore:
        data["resolve-restore_components"] = "y"
    response = client.post(f"/console/incidents/{incident.public_id}/resolve", data=data)

    assert response.status_code == 303
    incident = _incident("Outage")
    assert incident.status == "resolved" and incident.resolved_at is not None
    assert incident.updates[0].body == "All good now."
    assert db.session.get(Component, api.id).status == expected


def test_preview_button_renders_the_preview_and_keeps_the_form_without_saving(
    client: FlaskClient, factory: Factory
) -> None:
    as_role(client, factory, "communicator")

    response = client.post("/console/incidents/new", data={
        "name": "Draft", "severity": "SEV2", "status": "investigating",
        "body": "Hello **world**", "action": "preview",
    })

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<div id="preview-new" class="preview-body"><p>Hello <strong>world</strong></p>' in html
    assert input_value(html, "name") == "Draft"
    assert textarea_value(html, "body") == "Hello **world**"
    assert db.session.execute(select(Incident)).first() is None


def test_preview_endpoint_returns_sanitised_html(client: FlaskClient, factory: Factory) -> None:
    as_role(client, factory, "communicator")

    response = client.post("/console/preview", data={"body": "*hi* " + XSS})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "<em>hi</em>" in html
    # Tags come back escaped as text; no element, attribute or link can run.
    assert "<script" not in html and "<img" not in html and 'href="javascript:' not in html
    assert "&lt;script&gt;" in html


def test_script_in_a_body_is_inert_in_timeline_and_preview(
    client: FlaskClient, factory: Factory
) -> None:
    incident = factory.incident("Outage", body=XSS)
    as_role(client, factory, "communicator")

    html = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)
    timeline = html[html.index('id="timeline-title"'):]
    assert "<script>alert(1)" not in timeline and "<img" not in timeline
    assert 'href="javascript:' not in timeline
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in timeline  # shown as text, not run

    preview = client.post(f"/console/incidents/{incident.public_id}/updates",
                          data={"status": "investigating", "body": XSS, "action": "preview"})
    page = preview.get_data(as_text=True)
    box = page[page.index('id="preview-update"'):]
    box = box[:box.index("</section>")]
    assert "<script>alert(1)" not in box and "<img" not in box
    assert "alert(1)" in textarea_value(page, "body")  # the typed text, escaped in the textarea
    assert "<script>alert(1)" not in page


@pytest.mark.parametrize("path", [
    "/console/incidents/new",
    "/console/incidents/{id}/updates",
    "/console/incidents/{id}/resolve",
    "/console/preview",
])
def test_viewer_cannot_post(client: FlaskClient, factory: Factory, path: str) -> None:
    incident = factory.incident("Outage")
    as_role(client, factory, "viewer")

    response = client.post(path.format(id=incident.public_id), data={
        "name": "X", "severity": "SEV1", "status": "identified", "body": "x",
        "resolve-body": "x",
    })

    assert response.status_code == 403
    assert db.session.execute(select(IncidentUpdate)).scalars().all() == incident.updates
    assert _incident("Outage").status == "investigating"


def test_unknown_incident_is_404_and_maintenance_is_not_an_incident(
    client: FlaskClient, factory: Factory
) -> None:
    maintenance = factory.maintenance()
    as_role(client, factory, "admin")

    assert client.get("/console/incidents/nope").status_code == 404
    assert client.get(f"/console/incidents/{maintenance.public_id}").status_code == 404
