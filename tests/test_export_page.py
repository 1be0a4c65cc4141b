"""`flask export-page`: the page, its history, the plan and the subscribers' consent as JSON."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from flask import Flask
from sqlalchemy import update

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Subscriber, utcnow
from statuspage.plan.yaml_io import export_document
from tests.delivery_support import add_subscribers, store_open_plan
from tests.factories import Factory


def test_export_page_writes_components_incidents_plan_and_consent(
        app: Flask, factory: Factory, tmp_path: Path) -> None:
    store_open_plan()
    api = factory.component("API")
    incident = factory.incident("Login failures", components={api: "major_outage"})
    post_update(incident, UpdateInput(status="resolved", body="All fixed."), None)
    incident.postmortem_body = "The certificate expired."
    incident.postmortem_published_at = utcnow()
    active, gone = add_subscribers(1, components=[api])[0], add_subscribers(
        1, state="unsubscribed", start=5)[0]
    db.session.execute(update(Subscriber).where(Subscriber.id == active).values(
        consent_ip="203.0.113.9", code_hash="pbkdf2$secret"))
    db.session.commit()

    path = tmp_path / "page.json"
    result = app.test_cli_runner().invoke(args=["export-page", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 components, 1 incidents and 2 subscribers" in result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    exported = json.loads(path.read_text())

    assert [c["name"] for c in exported["components"]] == ["API"]
    [item] = exported["incidents"]
    assert item["name"] == "Login failures" and item["components"] == [api.public_id]
    assert [u["body"] for u in item["updates"]] == ["We are investigating.", "All fixed."]
    assert item["updates"][0]["changes"][0]["new_status"] == "major_outage"
    assert item["postmortem_body"] == "The certificate expired."
    assert exported["plan"] == json.loads(json.dumps(export_document()))
    by_id = {s["id"]: s for s in exported["subscribers"]}
    assert by_id[active]["address"] == "reader0@example.com"
    assert by_id[active]["consent_ip"] == "203.0.113.9"
    assert by_id[active]["consent_source"] == "test" and by_id[active]["consent_at"]
    assert by_id[active]["components"] == [api.public_id]
    assert by_id[gone]["state"] == "unsubscribed" and by_id[gone]["unsubscribed_at"]
    assert "code_hash" not in by_id[active] and "secret" not in by_id[active]
    assert "pbkdf2$secret" not in path.read_text()
