"""Console: drafts awaiting approval on the dashboard and the incident page; approve, reject."""

from __future__ import annotations

from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident, IncidentUpdate, User
from statuspage.plan import save as plan_save
from statuspage.plan import yaml_io
from tests.console.conftest_content import as_role, sign_in
from tests.factories import Factory

DRAFT_TEXT = "Draft wording for review"


def require_approval() -> None:
    """From now on every severity's public updates need approval (incidents opened earlier
    are public already)."""
    plan_save.seed_default_plan()
    yaml_io.import_yaml(yaml_io.export_yaml().replace("approval: false", "approval: true"), None)


def _draft(factory: Factory) -> tuple[Incident, IncidentUpdate, User]:
    incident = factory.incident(name="Slow checkout")
    require_approval()
    author = factory.user(role="communicator")
    update = post_update(incident, UpdateInput(status="identified", body=DRAFT_TEXT), author)
    return incident, update, author


def test_posting_from_the_composer_saves_a_draft_and_tells_the_author(
    client: FlaskClient, factory: Factory,
) -> None:
    incident = factory.incident(name="Slow checkout")
    require_approval()
    as_role(client, factory, "communicator")

    response = client.post(f"/console/incidents/{incident.public_id}/updates", data={
        "status": "identified", "body": DRAFT_TEXT, "visibility": "public",
        "deliver_notifications": "y", "action": "publish"}, follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "Update submitted for approval; it is not public" in html
    assert "Your update is waiting for approval" in html
    assert "Approve and publish" not in html
    assert incident.updates[0].state == "draft"


def test_other_communicators_see_drafts_on_the_dashboard_with_approve_and_reject(
    client: FlaskClient, factory: Factory,
) -> None:
    _, update, _ = _draft(factory)
    as_role(client, factory, "communicator")

    html = client.get("/console/").get_data(as_text=True)

    assert "Awaiting approval" in html and DRAFT_TEXT in html
    assert f"/console/updates/{update.public_id}/approve" in html
    assert f"/console/updates/{update.public_id}/reject" in html


def test_approving_from_the_console_publishes_the_update(
    client: FlaskClient, factory: Factory,
) -> None:
    incident, update, _ = _draft(factory)
    as_role(client, factory, "admin")

    response = client.post(f"/console/updates/{update.public_id}/approve",
                           data={"comment": "ok"})

    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(IncidentUpdate, update.id).state == "published"
    assert DRAFT_TEXT in client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)


def test_the_author_cannot_approve_from_the_console(
    client: FlaskClient, factory: Factory,
) -> None:
    _, update, author = _draft(factory)
    sign_in(client, author)

    response = client.post(f"/console/updates/{update.public_id}/approve",
                           follow_redirects=True)

    assert "You cannot approve your own update" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(IncidentUpdate, update.id).state == "draft"


def test_a_viewer_is_refused_approval(
    client: FlaskClient, factory: Factory,
) -> None:
    _, update, _ = _draft(factory)
    as_role(client, factory, "viewer")

    assert client.post(f"/console/updates/{update.public_id}/approve").status_code == 403
    db.session.expire_all()
    assert db.session.get(IncidentUpdate, update.id).state == "draft"


def test_rejecting_keeps_the_update_off_the_page_with_the_comment(
    client: FlaskClient, factory: Factory,
) -> None:
    incident, update, _ = _draft(factory)
    as_role(client, factory, "communicator")

    client.post(f"/console/updates/{update.public_id}/reject", data={"comment": "Too vague"})

    db.session.expire_all()
    stored = db.session.get(IncidentUpdate, update.id)
    assert (stored.state, stored.review_comment) == ("rejected", "Too vague")
    assert DRAFT_TEXT not in client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    detail = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)
    assert "Rejected: Too vague" in detail


def test_an_incident_awaiting_approval_is_in_the_console_but_not_public(
    client: FlaskClient, factory: Factory,
) -> None:
    require_approval()
    incident = factory.incident(name="Quiet outage")
    as_role(client, factory, "communicator")

    assert "Quiet outage" in client.get("/console/incidents").get_data(as_text=True)
    detail = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)
    assert "Not public yet" in detail and "Approve and publish" in detail
    assert client.get(f"/incidents/{incident.public_id}").status_code == 404
