"""Proposed incidents in the console: on the dashboard, declared through the prefilled
composer (with CSRF on, as in production), dismissed, and the resolution suggestion."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import resolve_incident
from statuspage.models import AlertProposal, AuditEntry, Component, Incident, IncidentUpdate
from tests.alert_support import counts, documented, mapping, post, proposals, resolved, source
from tests.conftest import make_app
from tests.console.conftest import LoginHelper, csrf_token
from tests.console.conftest_content import as_role, input_value, textarea_value
from tests.factories import Factory

pytestmark = pytest.mark.usefixtures("errors")


@pytest.fixture
def csrf_app(database_url: str, app: Flask) -> Flask:
    return make_app(database_url, WTF_CSRF_ENABLED=True)


@pytest.fixture
def firing(client: FlaskClient, factory: Factory) -> AlertProposal:
    """Alertmanager's documented InstanceDown group, mapped to Servers (SEV2, major)."""
    servers = factory.component("Servers")
    factory.component("Website")
    _am, token = source(name="Prometheus")
    mapping("job=node", servers, severity="SEV2", status="major_outage")
    assert post(client, "alertmanager", documented("alertmanager_firing"), token).status_code == 200
    [proposal] = proposals()
    return proposal


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_dashboard_shows_the_proposal_to_everyone_and_the_choice_to_communicators(
        client: FlaskClient, factory: Factory, firing: AlertProposal) -> None:
    as_role(client, factory, "viewer")
    viewer_page = client.get("/console/").get_data(as_text=True)
    assert f'id="proposal-{firing.public_id}"' in viewer_page
    assert "Proposed by monitoring" in viewer_page
    assert "Servers: Major Outage" in viewer_page
    assert "2 firing of 2, from Prometheus" in _text(viewer_page)
    assert "/declare" not in viewer_page

    as_role(client, factory, "communicator")
    live = client.get("/console/dashboard/live").get_data(as_text=True)
    assert f"/console/alerts/proposals/{firing.public_id}/declare" in live
    assert 'name="csrf_token"' not in live  # the self-refreshing block carries no form


def test_the_proposal_page_lists_its_alerts_and_the_note_they_make(
        client: FlaskClient, factory: Factory, firing: AlertProposal) -> None:
    as_role(client, factory, "viewer")

    page = client.get(f"/console/alerts/proposals/{firing.public_id}").get_data(as_text=True)

    text = _text(page)
    assert "Instance example1 down" in text and "Instance example2 down" in text
    assert "description: example1 of job node has been down for more than 5 minutes." in text
    assert "alertname=InstanceDown, instance=example1, job=node, severity=page" in text
    assert "Internal note from the alerts" in text
    assert 'action="/console/alerts/proposals/' not in page  # a viewer cannot dismiss


def test_declaring_from_a_proposal_prefills_the_composer_and_opens_the_incident(
        csrf_app: Flask, login: LoginHelper, factory: Factory, firing: AlertProposal) -> None:
    client = csrf_app.test_client()
    lead = login(client, role="communicator")
    servers = db.session.scalar(select(Component).where(Component.name == "Servers"))
    assert servers is not None
    url = f"/console/alerts/proposals/{firing.public_id}/declare"

    form_page = client.get(url).get_data(as_text=True)

    assert input_value(form_page, "name") == "Instance example1 down"
    assert re.search(r'<option selected value="SEV2">|<option value="SEV2" selected', form_page)
    assert "affecting Servers" in (textarea_value(form_page, "body") or "")
    select_html = form_page.split(f'name="component-{servers.id}"')[1].split("</select>")[0]
    assert '<option value="major_outage" selected>' in select_html
    assert "Internal note from the alerts" in form_page
    assert f'action="{url}"' in form_page

    answer = client.post(url, data={
        "csrf_token": csrf_token(client, url), "name": "Servers down in eu-west",
        "severity": "SEV2", "status": "investigating", "comms_lead_id": str(lead.id),
        "commander_id": "", "body": "We are investigating server outages.",
        f"component-{servers.id}": "major_outage", "deliver_notifications": "y",
        "action": "publish"})

    assert answer.status_code == 303, answer.get_data(as_text=True)
    incident = db.session.scalar(select(Incident))
    assert incident is not None and incident.name == "Servers down in eu-west"
    assert answer.headers["Location"].endswith(f"/console/incidents/{incident.public_id}")
    db.session.expire_all()
    proposal = db.session.get(AlertProposal, firing.id)
    assert proposal is not None
    assert (proposal.status, proposal.incident_id, proposal.decided_by_id) == (
        "accepted", incident.id, lead.id)
    assert db.session.get(Component, servers.id).status == "major_outage"  # type: ignore[union-attr]
    [note] = db.session.scalars(select(IncidentUpdate).where(
        IncidentUpdate.visibility == "internal")).all()
    assert "example2 of job node has been down for more than 5 minutes." in note.body
    assert note.deliver_notifications is False
    actions = [a for a, in db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id))]
    assert "alert_proposal.accept" in actions and "incident.open" in actions
    assert proposal not in [p for p in proposals() if p.status == "open"]

    again = client.post(url, data={"csrf_token": csrf_token(client, "/console/"),
                                   "name": "Twice", "severity": "SEV2",
                                   "status": "investigating", "body": "x", "action": "publish"})
    assert again.status_code == 303
    assert counts()["incidents"] == 1


def test_a_refused_declaration_keeps_the_proposal_undecided(
        client: FlaskClient, factory: Factory, firing: AlertProposal) -> None:
    as_role(client, factory, "communicator")

    answer = client.post(f"/console/alerts/proposals/{firing.public_id}/declare", data={
        "name": "", "severity": "SEV2", "status": "investigating", "body": "x",
        "action": "publish"})

    assert answer.status_code == 422
    assert "Give the incident a title." in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AlertProposal, firing.id).status == "open"  # type: ignore[union-attr]
    assert counts()["incidents"] == 0


def test_viewers_cannot_declare_or_dismiss(client: FlaskClient, factory: Factory,
                                           firing: AlertProposal) -> None:
    as_role(client, factory, "viewer")
    base = f"/console/alerts/proposals/{firing.public_id}"

    assert client.get(f"{base}/declare").status_code == 403
    assert client.post(f"{base}/declare", data={"name": "x"}).status_code == 403
    assert client.post(f"{base}/dismiss", data={"reason": "no"}).status_code == 403
    assert db.session.get(AlertProposal, firing.id).status == "open"  # type: ignore[union-attr]


def test_dismissing_needs_the_csrf_token_and_is_audited(
        csrf_app: Flask, login: LoginHelper, firing: AlertProposal) -> None:
    client = csrf_app.test_client()
    login(client, role="communicator")
    url = f"/console/alerts/proposals/{firing.public_id}/dismiss"

    assert client.post(url, data={"reason": "forged"}).status_code == 400
    assert db.session.get(AlertProposal, firing.id).status == "open"  # type: ignore[union-attr]

    page = f"/console/alerts/proposals/{firing.public_id}"
    answer = client.post(url, data={"csrf_token": csrf_token(client, page),
                                    "reason": "Planned reboot of example1"})

    assert answer.status_code == 303
    db.session.expire_all()
    proposal = db.session.get(AlertProposal, firing.id)
    assert proposal is not None
    assert (proposal.status, proposal.dismiss_reason) == ("dismissed", "Planned reboot of example1")
    [entry] = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "alert_proposal.dismiss")).all()
    assert entry.details["reason"] == "Planned reboot of example1"
    assert f'id="proposal-{firing.public_id}"' not in client.get("/console/").get_data(
        as_text=True)
    twice = client.post(url, data={"csrf_token": csrf_token(client, page)},
                        follow_redirects=True)
    assert "already dismissed" in twice.get_data(as_text=True)


def test_alerts_resolving_after_the_declaration_suggest_resolving_the_incident(
        client: FlaskClient, factory: Factory) -> None:
    from statuspage.alerts.decisions import accept, prefill
    from statuspage.incidents.lifecycle import IncidentInput
    from statuspage.incidents.updates import UpdateInput

    servers = factory.component("Servers")
    _am, token = source()
    mapping("job=node", servers)
    payload = documented("alertmanager_firing")
    post(client, "alertmanager", payload, token)
    [proposal] = proposals()
    start = prefill(proposal)
    incident = accept(proposal, IncidentInput(name=start.name, severity=start.severity,
                                              update=UpdateInput(status="investigating",
                                                                 body=start.body)),
                      factory.user(role="communicator"))
    as_role(client, factory, "viewer")
    assert f'id="proposal-{proposal.public_id}"' not in client.get("/console/").get_data(
        as_text=True)

    post(client, "alertmanager", resolved(payload), token)

    page = _text(client.get("/console/").get_data(as_text=True))
    assert "Every alert has resolved: consider resolving the incident." in page
    assert incident.name in page
    resolve_incident(db.session.get(Incident, incident.id), "Fixed.", None)  # type: ignore[arg-type]
    assert "consider resolving" not in client.get("/console/").get_data(as_text=True)
