"""The postmortem (draft -> published) and the incident's follow-up action items."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.incidents import postmortems
from statuspage.incidents.lifecycle import resolve_incident
from statuspage.models import ActionItem, AuditEntry, FanoutEvent, Incident
from tests.factories import Factory

DRAFT = "## What happened\n\nA **bad** deploy. <script>alert(1)</script>"


def _resolved(factory: Factory, name: str = "Login failures") -> Incident:
    incident = factory.incident(name=name, severity="SEV1")
    resolve_incident(incident, "Fixed.", None)
    return incident


def _api_status(client: FlaskClient, public_id: str) -> str:
    incidents = client.get("/api/v2/incidents.json").get_json()["incidents"]
    return next(i["status"] for i in incidents if i["id"] == public_id)


def test_a_draft_is_invisible_on_the_page_feeds_and_api(
    client: FlaskClient, factory: Factory
) -> None:
    incident = _resolved(factory)
    postmortems.save_draft(incident, DRAFT, None)

    page = client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    rss = client.get("/history.rss").get_data(as_text=True)

    assert incident.postmortem_body is not None and incident.postmortem_published_at is None
    assert "What happened" not in page and "Postmortem" not in page
    assert "Postmortem" not in rss and "bad deploy" not in rss
    assert _api_status(client, incident.public_id) == "resolved"


def test_a_published_postmortem_shows_sanitised_on_the_page_feeds_and_api(
    client: FlaskClient, factory: Factory
) -> None:
    incident = _resolved(factory)
    postmortems.save_draft(incident, DRAFT, None)

    postmortems.publish(incident, notify=False, actor=None)

    assert incident.status == "postmortem"
    page = client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)
    assert '<h2 id="postmortem">Postmortem</h2>' in page
    assert "<strong>bad</strong> deploy" in page
    assert "<script>alert(1)</script>" not in page
    rss = client.get("/history.rss").get_data(as_text=True)
    assert "&lt;strong&gt;Postmortem&lt;/strong&gt; - " in rss
    atom = client.get("/history.atom").get_data(as_text=True)
    assert "&lt;strong&gt;Postmortem&lt;/strong&gt; - " in atom
    # The postmortem paragraph heads the trail (newest first), before the resolution.
    assert atom.index("Postmortem") < atom.index("Resolved")
    assert _api_status(client, incident.public_id) == "postmortem"
    unresolved = client.get("/api/v2/incidents/unresolved.json").get_json()["incidents"]
    assert unresolved == []


def test_only_a_resolved_incident_can_have_its_postmortem_published(factory: Factory) -> None:
    incident = factory.incident(severity="SEV2")
    postmortems.save_draft(incident, "Too early.", None)

    with pytest.raises(DomainError) as refused:
        postmortems.publish(incident, notify=True, actor=None)

    assert refused.value.field == "status"
    db.session.refresh(incident)
    assert incident.status == "investigating"
    assert incident.postmortem_published_at is None
    assert db.session.scalars(select(FanoutEvent).where(
        FanoutEvent.kind == "postmortem_published")).all() == []


def test_an_empty_postmortem_cannot_be_published(factory: Factory) -> None:
    incident = _resolved(factory)
    with pytest.raises(DomainError) as refused:
        postmortems.publish(incident, notify=False, actor=None)
    assert refused.value.field == "body"


def test_publishing_with_notify_commits_one_postmortem_fanout_event(factory: Factory) -> None:
    component = factory.component("API")
    incident = factory.incident(severity="SEV1", components={component: "major_outage"})
    resolve_incident(incident, "Fixed.", None)
    postmortems.save_draft(incident, "Root cause: a config typo.", None)

    postmortems.publish(incident, notify=True, actor=None)

    events = db.session.scalars(select(FanoutEvent).where(
        FanoutEvent.kind == "postmortem_published")).all()
    assert len(events) == 1
    assert events[0].incident_id == incident.id and events[0].update_id is None
    assert events[0].component_ids == [component.id]
    assert incident.postmortem_notified is True
    # Unpublished and published again: subscribers are not told twice.
    postmortems.unpublish(incident, None)
    assert incident.status == "resolved"
    postmortems.publish(incident, notify=True, actor=None)
    assert len(db.session.scalars(select(FanoutEvent).where(
        FanoutEvent.kind == "postmortem_published")).all()) == 1


def test_publishing_without_notify_creates_no_event(factory: Factory) -> None:
    incident = _resolved(factory)
    postmortems.save_draft(incident, "Quiet.", None)
    postmortems.publish(incident, notify=False, actor=None)
    assert db.session.scalars(select(FanoutEvent).where(
        FanoutEvent.kind == "postmortem_published")).all() == []
    assert incident.postmortem_notified is False


def test_publishing_is_audited(factory: Factory) -> None:
    user = factory.user(role="communicator")
    incident = _resolved(factory)
    postmortems.save_draft(incident, "Text.", user)
    postmortems.publish(incident, notify=False, actor=user)
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.actor_id == user.id).order_by(AuditEntry.id)).all()
    assert actions == ["postmortem.save", "postmortem.publish"]


def test_action_items_are_added_completed_and_deleted(factory: Factory) -> None:
    owner = factory.user(role="communicator", name="Ada")
    incident = _resolved(factory)

    first = postmortems.add_action_item(incident, "Add a config linter", "", date(2026, 12, 1),
                                        None, owner_id=owner.id)
    second = postmortems.add_action_item(incident, "Page on error rate", "SRE team", None, None)
    postmortems.set_action_item_done(incident, first.id, True, None)

    items = postmortems.action_items(incident)
    assert [(i.title, i.owner, i.is_done) for i in items] == [
        ("Page on error rate", "SRE team", False),
        ("Add a config linter", "Ada", True),
    ]
    assert items[1].owner_id == owner.id and items[1].due_date == date(2026, 12, 1)

    postmortems.delete_action_item(incident, second.id, None)
    assert db.session.scalars(select(ActionItem.title)).all() == ["Add a config linter"]


def test_action_items_refuse_a_blank_title_and_a_foreign_incident(factory: Factory) -> None:
    incident = _resolved(factory)
    other = _resolved(factory, "Other")
    with pytest.raises(DomainError) as refused:
        postmortems.add_action_item(incident, "  ", "", None, None)
    assert refused.value.field == "title"
    item = postmortems.add_action_item(other, "Elsewhere", "", None, None)
    with pytest.raises(NotFound):
        postmortems.set_action_item_done(incident, item.id, True, None)
