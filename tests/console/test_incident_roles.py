"""Console: incident roles (commander, communications lead) and the update cadence marker."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents.roles import assign_roles
from statuspage.models import AuditEntry, Incident, utcnow
from tests.console.conftest_content import as_role, field_error
from tests.factories import Factory
from tests.metrics_support import declared_at


def _incident(name: str) -> Incident:
    db.session.expire_all()
    return db.session.execute(select(Incident).filter_by(name=name)).scalar_one()


def _selected(html: str, name: str) -> str | None:
    """The value of the selected option of <select name=...>."""
    select_tag = re.search(rf'<select[^>]*\bname="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select_tag, f"no select {name}"
    chosen = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"|'
                       r'<option[^>]*value="([^"]*)"[^>]*selected', select_tag.group(1))
    return (chosen.group(1) or chosen.group(2)) if chosen else None


def test_both_roles_are_chosen_when_opening_an_incident(
    client: FlaskClient, factory: Factory,
) -> None:
    commander = factory.user(role="admin", email="cmd@example.com")
    lead = factory.user(role="communicator", email="comms@example.com")
    as_role(client, factory, "communicator")
    form = client.get("/console/incidents/new").get_data(as_text=True)
    assert "comms@example.com" in form and 'name="commander_id"' in form

    response = client.post("/console/incidents/new", data={
        "name": "API errors", "severity": "SEV2", "status": "investigating",
        "body": "Looking.", "commander_id": str(commander.id),
        "comms_lead_id": str(lead.id), "action": "publish"})

    assert response.status_code == 303
    incident = _incident("API errors")
    assert (incident.commander_id, incident.comms_lead_id) == (commander.id, lead.id)
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<dt>Incident commander</dt><dd>cmd@example.com</dd>" in detail
    assert "<dt>Communications lead</dt><dd>comms@example.com</dd>" in detail


def test_roles_change_on_the_detail_page_and_are_audited(
    client: FlaskClient, factory: Factory,
) -> None:
    lead = factory.user(role="communicator", email="comms@example.com")
    incident = factory.incident("DB down")
    actor = as_role(client, factory, "communicator")

    response = client.post(f"/console/incidents/{incident.public_id}/roles",
                           data={"commander_id": str(actor.id), "comms_lead_id": str(lead.id)})

    assert response.status_code == 303
    incident = _incident("DB down")
    assert (incident.commander_id, incident.comms_lead_id) == (actor.id, lead.id)
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "incident.roles")).scalar_one()
    assert entry.actor_id == actor.id and entry.target_id == incident.public_id
    detail = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)
    assert _selected(detail, "comms_lead_id") == str(lead.id)

    cleared = client.post(f"/console/incidents/{incident.public_id}/roles",
                          data={"commander_id": "", "comms_lead_id": ""})
    assert cleared.status_code == 303
    assert (_incident("DB down").commander_id, _incident("DB down").comms_lead_id) == (None, None)


def test_an_inactive_user_is_refused_as_a_role(client: FlaskClient, factory: Factory) -> None:
    gone = factory.user(role="communicator", is_active_user=False)
    incident = factory.incident("DB down")
    as_role(client, factory, "communicator")

    response = client.post(f"/console/incidents/{incident.public_id}/roles",
                           data={"commander_id": "", "comms_lead_id": str(gone.id)})

    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "comms_lead_id") == (
        "Choose an active console user.")
    assert _incident("DB down").comms_lead_id is None


@pytest.mark.parametrize("path", ["/console/incidents/new", "/console/incidents/{id}/roles"])
def test_viewers_cannot_set_roles(client: FlaskClient, factory: Factory, path: str) -> None:
    lead = factory.user(role="communicator")
    incident = factory.incident("DB down")
    as_role(client, factory, "viewer")

    response = client.post(path.format(id=incident.public_id), data={
        "name": "Viewer incident", "severity": "SEV2", "status": "investigating",
        "commander_id": str(lead.id), "comms_lead_id": str(lead.id)})

    assert response.status_code == 403
    assert _incident("DB down").comms_lead_id is None
    assert db.session.execute(select(Incident).filter_by(name="Viewer incident")).first() is None
    detail = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)
    assert "Save roles" not in detail  # and no form to try with


@pytest.mark.parametrize("path", ["/console/", "/console/incidents"])
def test_open_incidents_show_their_cadence_and_an_overdue_marker(
    client: FlaskClient, factory: Factory, path: str,
) -> None:
    # Declared, and first updated publicly, 45 and 10 minutes ago.
    now = utcnow()
    for name, ago in (("Late one", 45), ("On time", 10)):
        at = now - timedelta(minutes=ago)
        declared_at(factory.incident(name, severity="SEV1", started_at=at), at)
    as_role(client, factory, "viewer")

    html = client.get(path).get_data(as_text=True)

    late = html[html.index("Late one"):html.index("</tr>", html.index("Late one"))]
    on_time = html[html.index("On time"):html.index("</tr>", html.index("On time"))]
    assert "Last public update 45 min ago" in late
    assert re.search(r"<strong[^>]*>OVERDUE</strong> by 1[45] min", late)
    assert "OVERDUE" not in on_time
    assert re.search(r"Last public update 1[01] min ago, next due in (19|20) min", on_time)


def test_the_detail_page_shows_the_cadence_once_a_lead_is_set(
    client: FlaskClient, factory: Factory,
) -> None:
    lead = factory.user(role="communicator", email="comms@example.com")
    ago = utcnow() - timedelta(minutes=90)
    incident = declared_at(factory.incident("Late one", severity="SEV2", started_at=ago), ago)
    assign_roles(incident, None, lead.id, None)
    as_role(client, factory, "viewer")

    html = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)

    assert "<dt>Communications lead</dt><dd>comms@example.com</dd>" in html
    assert re.search(r'<dd id="cadence">.*OVERDUE.*an update every 60 min', html, re.S)
