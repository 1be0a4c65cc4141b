"""The console's postmortem editor, publishing and action items."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import resolve_incident
from statuspage.models import ActionItem, FanoutEvent, Incident
from tests.console.conftest import LoginHelper
from tests.factories import Factory


def _resolved(factory: Factory) -> Incident:
    incident = factory.incident(name="Checkout errors", severity="SEV1")
    resolve_incident(incident, "Fixed.", None)
    return incident


def test_the_incident_page_links_to_its_postmortem(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    incident = _resolved(factory)
    login(client, role="viewer")
    html = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)
    assert f'href="/console/incidents/{incident.public_id}/postmortem"' in html


def test_a_communicator_drafts_previews_and_publishes_with_notification(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    incident = _resolved(factory)
    login(client, role="communicator")
    url = f"/console/incidents/{incident.public_id}/postmortem"

    preview = client.post(url, data={"body": "**Root cause**", "action": "preview"})
    assert "<strong>Root cause</strong>" in preview.get_data(as_text=True)
    assert incident.postmortem_body is None

    assert client.post(url, data={"body": "**Root cause**: a typo.",
                                  "action": "save"}).status_code == 303
    assert "a typo" not in client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)

    response = client.post(f"{url}/publish", data={"publish-notify": "y"})

    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "postmortem"
    assert db.session.scalars(select(FanoutEvent.kind)).all().count("postmortem_published") == 1
    assert "a typo" in client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)


def test_publishing_an_open_incident_is_refused_with_a_message(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    incident = factory.incident()
    login(client, role="communicator")
    url = f"/console/incidents/{incident.public_id}/postmortem"
    client.post(url, data={"body": "Early draft", "action": "save"})

    response = client.post(f"{url}/publish", data={})

    assert response.status_code == 422
    assert "Resolve the incident before publishing" in response.get_data(as_text=True)


def test_action_items_from_the_console(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    incident = _resolved(factory)
    owner = login(client, role="communicator", name="Grace")
    base = f"/console/incidents/{incident.public_id}/actions"

    assert client.post(base, data={"item-title": "Add an alert", "item-owner_id": str(owner.id),
                                   "item-due_date": "2026-12-24"}).status_code == 303
    item = db.session.scalars(select(ActionItem)).one()
    assert (item.owner, item.due_date.isoformat()) == ("Grace", "2026-12-24")
    assert client.post(f"{base}/{item.id}/done", data={"done": "1"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(ActionItem, item.id).done_at is not None
    page = client.get(f"/console/incidents/{incident.public_id}/postmortem")
    assert "Add an alert" in page.get_data(as_text=True)
    assert client.post(base, data={"item-title": ""}).status_code == 422
    assert client.post(f"{base}/{item.id}/delete").status_code == 303
    assert db.session.scalars(select(ActionItem)).all() == []


def test_viewers_read_but_cannot_post(app: Flask, factory: Factory, login: LoginHelper) -> None:
    incident = _resolved(factory)
    item_id = 1
    client = app.test_client()
    login(client, role="viewer")
    url = f"/console/incidents/{incident.public_id}/postmortem"

    assert client.get(url).status_code == 200
    for path in (url, f"{url}/publish", f"{url}/unpublish",
                 f"/console/incidents/{incident.public_id}/actions",
                 f"/console/incidents/{incident.public_id}/actions/{item_id}/done",
                 f"/console/incidents/{incident.public_id}/actions/{item_id}/delete"):
        assert client.post(path, data={"body": "x"}).status_code == 403, path
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).postmortem_body is None
