"""The postmortem editor starts from a scaffold, previews headings and tables, and manages
which action items show publicly."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents import postmortems
from statuspage.incidents.lifecycle import post_update, resolve_incident
from statuspage.incidents.updates import UpdateInput
from statuspage.models import ActionItem, Incident
from statuspage.page.record import get_page
from tests.console.conftest import LoginHelper
from tests.factories import Factory

START = datetime(2026, 1, 15, 13, 0, tzinfo=UTC)


def _resolved(factory: Factory) -> Incident:
    get_page().time_zone = "Europe/Oslo"
    incident = factory.incident(name="Checkout errors", severity="SEV1", display_at=START,
                                body="Payments fail. We are on it.")
    post_update(incident, UpdateInput(status="identified", visibility="internal",
                                      display_at=START + timedelta(minutes=5),
                                      body="Rolling back payments-svc."), None)
    resolve_incident(incident, "Fixed.", None, display_at=START + timedelta(minutes=30))
    return incident


def _textarea(page: str) -> str:
    match = re.search(r"<textarea[^>]*name=\"body\"[^>]*>(.*?)</textarea>", page, re.S)
    assert match, "no editor"
    return html.unescape(match.group(1)).removeprefix("\r\n")  # as WTForms writes it


def test_the_editor_starts_from_the_scaffold_when_no_draft_is_saved(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    incident = _resolved(factory)
    postmortems.add_action_item(incident, "Canary releases", "SRE", None, None)
    login(client, role="communicator")
    url = f"/console/incidents/{incident.public_id}/postmortem"

    body = _textarea(client.get(url).get_data(as_text=True))

    assert body.startswith("## Summary")
    assert "## Root cause and contributing factors" in body
    assert "| 2026-01-15 14:00 CET | Investigating | Payments fail. |" in body
    assert "| 2026-01-15 14:05 CET | Identified (internal) | Rolling back payments-svc. |" in body
    assert "- Canary releases" in body
    assert "Not saved yet" in client.get(url).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).postmortem_body is None  # nothing saved


def test_a_saved_draft_replaces_the_scaffold(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    incident = _resolved(factory)
    login(client, role="communicator")
    url = f"/console/incidents/{incident.public_id}/postmortem"

    client.post(url, data={"body": "## Summary\n\nOur own words.", "action": "save"})

    page = client.get(url).get_data(as_text=True)
    assert _textarea(page) == "## Summary\n\nOur own words."
    assert "Not saved yet" not in page


def test_the_preview_renders_headings_lists_and_tables_sanitised(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    incident = _resolved(factory)
    login(client, role="communicator")
    body = ("## Summary\n\n- one\n- two\n\n| When | What |\n| --- | --- |\n"
            "| 14:00 | <script>alert(1)</script><b onclick=x>y</b> |")

    page = client.post(f"/console/incidents/{incident.public_id}/postmortem",
                       data={"body": body, "action": "preview"}).get_data(as_text=True)
    live = client.post("/console/postmortem-preview", data={"body": body})

    preview = page.split('id="preview-postmortem"', 1)[1].split("</section>", 1)[0]
    for fragment in (preview, live.get_data(as_text=True)):
        # Under the preview's own h3: the postmortem's headings start at h4.
        assert "<h4>Summary</h4>" in fragment
        assert "<li>one</li>" in fragment and "<td>14:00</td>" in fragment
        assert "<script" not in fragment and re.search(r"<b\b", fragment) is None
    assert live.headers["Cache-Control"] == "no-store"
    assert client.post("/console/postmortem-preview",
                       data={"body": "x" * (postmortems.MAX_BODY + 1)}).status_code == 422


def test_a_viewer_reads_the_saved_postmortem_with_its_headings(
    app: Flask, factory: Factory, login: LoginHelper
) -> None:
    incident = _resolved(factory)
    postmortems.save_draft(incident, "## Summary\n\nA faulty release.", None)
    client = app.test_client()
    login(client, role="viewer")

    page = client.get(f"/console/incidents/{incident.public_id}/postmortem")

    text = page.get_data(as_text=True)
    assert "<h3>Summary</h3>" in text and "<textarea" not in text
    assert client.post("/console/postmortem-preview", data={"body": "x"}).status_code == 403


def test_action_items_are_added_public_and_toggled(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    incident = _resolved(factory)
    login(client, role="communicator")
    base = f"/console/incidents/{incident.public_id}/actions"

    assert client.post(base, data={"item-title": "Canary releases",
                                   "item-public": "y"}).status_code == 303
    assert client.post(base, data={"item-title": "Rotate keys"}).status_code == 303
    shown, hidden = db.session.scalars(select(ActionItem).order_by(ActionItem.id)).all()
    assert (shown.public, hidden.public) == (True, False)
    page = client.get(f"/console/incidents/{incident.public_id}/postmortem")
    assert "Once published" in page.get_data(as_text=True)  # shown after publishing

    assert client.post(f"{base}/{shown.id}/public", data={"public": "0"}).status_code == 303
    assert client.post(f"{base}/{hidden.id}/public", data={"public": "1"}).status_code == 303
    db.session.expire_all()
    assert (db.session.get(ActionItem, shown.id).public,
            db.session.get(ActionItem, hidden.id).public) == (False, True)
    assert client.post(f"{base}/987654/public", data={"public": "1"}).status_code == 404


def test_viewers_cannot_change_what_shows_publicly(
    app: Flask, factory: Factory, login: LoginHelper
) -> None:
    incident = _resolved(factory)
    item = postmortems.add_action_item(incident, "Canary releases", "", None, None)
    client = app.test_client()
    login(client, role="viewer")

    response = client.post(f"/console/incidents/{incident.public_id}/actions/{item.id}/public",
                           data={"public": "1"})

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(ActionItem, item.id).public is False


def test_a_saved_draft_still_holding_prompts_is_flagged(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    incident = _resolved(factory)
    login(client, role="communicator")
    url = f"/console/incidents/{incident.public_id}/postmortem"
    scaffolded = _textarea(client.get(url).get_data(as_text=True))
    assert "Still the scaffold" not in client.get(url).get_data(as_text=True)  # unsaved

    saved = client.post(url, data={"body": scaffolded.replace("\n", "\r\n"), "action": "save"})
    assert saved.status_code == 303, saved.get_data(as_text=True)

    page = client.get(url).get_data(as_text=True)
    assert "Still the scaffold's prompts: Summary, Customer impact" in page
