"""Approvals: where the plan asks for it, public updates wait as drafts for a second user."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.incidents.approvals import approve_update, reject_update
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import AuditEntry, Component, FanoutEvent, Incident, User
from statuspage.plan import rules as plan
from statuspage.plan import save as plan_save
from statuspage.plan import yaml_io
from tests.factories import Factory

DRAFT_TEXT = "Secret draft wording about the database"
PUBLIC_SURFACES = ("/", "/history", "/history.rss", "/history.atom", "/api/v2/summary.json",
                   "/api/v2/incidents.json", "/api/v2/incidents/unresolved.json")


@pytest.fixture
def approval_on(app: Flask) -> None:
    """The default plan, with every severity's public updates needing approval."""
    plan_save.seed_default_plan()
    yaml_io.import_yaml(yaml_io.export_yaml().replace("approval: false", "approval: true"), None)
    assert plan.needs_approval("SEV2")


def _events() -> int:
    return db.session.scalar(select(func.count(FanoutEvent.id))) or 0


def _public_text(client: FlaskClient, incident: Incident) -> str:
    pages = [client.get(path) for path in (*PUBLIC_SURFACES, f"/incidents/{incident.public_id}")]
    return "\n".join(p.get_data(as_text=True) for p in pages if p.status_code == 200)


def _people(factory: Factory) -> tuple[User, User]:
    return factory.user(role="communicator"), factory.user(role="communicator")


def test_a_public_update_needing_approval_is_a_draft_shown_nowhere_public(
    client: FlaskClient, factory: Factory,
) -> None:
    api = factory.component("API")
    incident = factory.incident(components={api: "degraded_performance"})
    author, _ = _people(factory)
    plan_save.seed_default_plan()
    yaml_io.import_yaml(yaml_io.export_yaml().replace("approval: false", "approval: true"), None)
    events = _events()

    update = post_update(incident, UpdateInput(
        status="identified", body=DRAFT_TEXT, component_statuses={api.id: "major_outage"}),
        author)

    assert update.state == "draft"
    assert incident.status == "investigating"
    assert db.session.get(Component, api.id).status == "degraded_performance"
    assert _events() == events
    assert update not in incident.public_updates
    assert DRAFT_TEXT not in _public_text(client, incident)
    assert db.session.scalar(select(func.count(AuditEntry.id)).filter_by(
        action="incident.update_draft")) == 1


def test_another_user_approves_and_the_update_publishes_with_a_fanout(
    client: FlaskClient, factory: Factory,
) -> None:
    api = factory.component("API")
    incident = factory.incident(components={api: "degraded_performance"})
    author, reviewer = _people(factory)
    plan_save.seed_default_plan()
    yaml_io.import_yaml(yaml_io.export_yaml().replace("approval: false", "approval: true"), None)
    update = post_update(incident, UpdateInput(
        status="identified", body=DRAFT_TEXT, component_statuses={api.id: "major_outage"}),
        author)
    events = _events()

    approve_update(update, reviewer, "Looks right")

    assert (update.state, update.reviewed_by_id, update.review_comment) == (
        "published", reviewer.id, "Looks right")
    assert update.display_at == update.reviewed_at
    assert incident.status == "identified"
    assert db.session.get(Component, api.id).status == "major_outage"
    assert update.changes[0].old_status == "degraded_performance"
    assert _events() == events + 1
    assert db.session.execute(select(FanoutEvent.update_id).order_by(
        FanoutEvent.id.desc()).limit(1)).scalar() == update.id
    assert DRAFT_TEXT in client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    assert DRAFT_TEXT in client.get("/api/v2/incidents.json").get_data(as_text=True)


def test_nobody_approves_or_rejects_their_own_update(
    factory: Factory, approval_on: None,
) -> None:
    incident = factory.incident()
    author, _ = _people(factory)
    update = post_update(incident, UpdateInput(status="identified", body=DRAFT_TEXT), author)

    with pytest.raises(DomainError, match="You cannot approve your own update"):
        approve_update(update, author, "")
    with pytest.raises(DomainError, match="You cannot reject your own update"):
        reject_update(update, author, "no")
    assert update.state == "draft"


def test_a_viewer_cannot_approve(factory: Factory, approval_on: None) -> None:
    incident = factory.incident()
    author, _ = _people(factory)
    update = post_update(incident, UpdateInput(status="identified", body=DRAFT_TEXT), author)

    with pytest.raises(DomainError, match="communicators and admins"):
        approve_update(update, factory.user(role="viewer"), "")
    assert update.state == "draft"


def test_a_rejected_update_stays_hidden_with_the_comment(
    client: FlaskClient, factory: Factory, approval_on: None,
) -> None:
    incident = factory.incident()
    author, reviewer = _people(factory)
    update = post_update(incident, UpdateInput(status="monitoring", body=DRAFT_TEXT), author)
    events = _events()

    reject_update(update, reviewer, "Too much detail")

    assert (update.state, update.review_comment) == ("rejected", "Too much detail")
    assert incident.status == "investigating"
    assert _events() == events
    assert DRAFT_TEXT not in _public_text(client, incident)
    with pytest.raises(DomainError, match="not waiting"):
        approve_update(update, reviewer, "")


def test_internal_updates_never_wait(factory: Factory, approval_on: None) -> None:
    incident = factory.incident()
    author, _ = _people(factory)

    update = post_update(incident, UpdateInput(status="identified", body="For staff",
                                               visibility="internal"), author)

    assert update.state == "published"


def test_an_incident_opened_under_approval_is_hidden_until_its_opening_is_approved(
    client: FlaskClient, factory: Factory, approval_on: None,
) -> None:
    api = factory.component("API")
    author, reviewer = _people(factory)
    events = _events()
    incident = factory.incident(name="Hidden outage", components={api: "major_outage"})
    incident.updates[0].author_id = author.id
    db.session.commit()

    assert incident.awaiting_approval and incident.updates[0].state == "draft"
    assert db.session.get(Component, api.id).status == "operational"
    assert _events() == events
    assert "Hidden outage" not in _public_text(client, incident)
    assert client.get(f"/incidents/{incident.public_id}").status_code == 404

    approve_update(incident.updates[0], reviewer, "")

    assert not incident.awaiting_approval
    assert db.session.get(Component, api.id).status == "major_outage"
    assert _events() == events + 1
    assert "Hidden outage" in client.get("/").get_data(as_text=True)
    assert client.get(f"/incidents/{incident.public_id}").status_code == 200


def test_with_approval_off_updates_publish_at_once(client: FlaskClient, factory: Factory) -> None:
    plan_save.seed_default_plan()
    incident = factory.incident()
    author, _ = _people(factory)
    events = _events()

    update = post_update(incident, UpdateInput(status="identified", body="Found it"), author)

    assert update.state == "published" and incident.status == "identified"
    assert _events() == events + 1
    assert "Found it" in client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
