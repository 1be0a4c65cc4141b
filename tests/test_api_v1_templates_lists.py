"""The incident lists (unresolved, upcoming, scheduled, active_maintenance) and the incident
templates of the management API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents import lifecycle, maintenance
from statuspage.models import AuditEntry, MessageTemplate
from tests.api_v1_support import call, new_token
from tests.factories import Factory


@pytest.fixture
def write(app: object) -> str:
    return new_token("write", name="tmpl-bot")


def _names(client: FlaskClient, suffix: str, secret: str) -> list[str]:
    response = call(client, "GET", suffix, secret)
    assert response.status_code == 200, response.json
    return [i["name"] for i in response.json]


def test_each_list_holds_what_statuspage_s_does(client: FlaskClient, factory: Factory) -> None:
    read = new_token("read")
    factory.incident(name="Open incident")
    closed = factory.incident(name="Resolved incident")
    lifecycle.resolve_incident(closed, "Fixed.", None)
    factory.maintenance(name="Later window", starts_in=timedelta(days=2))
    factory.maintenance(name="Sooner window", starts_in=timedelta(days=1))
    running = factory.maintenance(name="Running window", starts_in=timedelta(minutes=-5))
    maintenance.start_maintenance(running, "Started.", None)
    assert _names(client, "incidents/unresolved", read) == ["Open incident"]
    assert _names(client, "incidents/upcoming", read) == ["Sooner window", "Later window"]
    assert _names(client, "incidents/active_maintenance", read) == ["Running window"]
    assert _names(client, "incidents/scheduled", read) == [
        "Later window", "Sooner window", "Running window"]
    assert _names(client, "incidents/scheduled?per_page=2&page=2", read) == ["Running window"]
    bad = call(client, "GET", "incidents/upcoming?per_page=0", read)
    assert bad.status_code == 422 and bad.json["field"] == "per_page"


def test_a_list_s_path_is_never_taken_for_an_incident_id(
    client: FlaskClient, write: str
) -> None:
    for name in ("unresolved", "upcoming", "scheduled", "active_maintenance"):
        response = call(client, "DELETE", f"incidents/{name}", write)
        assert response.status_code == 405
        assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_templates_are_created_and_listed_in_statuspage_s_shape(
    client: FlaskClient, write: str
) -> None:
    response = call(client, "POST", "incident_templates", write, json={"template": {
        "name": "Window starts", "title": "{incident_title}",
        "body": "Work on {affected_components} has begun.", "update_status": "in_progress",
        "group_id": None, "component_ids": [], "should_send_notifications": True,
        "should_tweet": False, "sms_body": "{page_name}: work started."}})
    assert response.status_code == 201, response.json
    record = response.json
    assert (record["update_status"], record["components"], record["group_id"]) == (
        "in_progress", [], None)
    template = db.session.scalars(select(MessageTemplate).filter_by(name="Window starts")).one()
    assert (template.phase, template.sms_body) == ("maintenance_started",
                                                   "{page_name}: work started.")
    listed = call(client, "GET", "incident_templates?per_page=100", write).json
    assert {"name": "Window starts", "update_status": "in_progress"}.items() <= next(
        t for t in listed if t["name"] == "Window starts").items()
    entry = db.session.scalars(select(AuditEntry).filter_by(action="template.create")).one()
    assert entry.actor_label == "token:tmpl-bot"
    taken = call(client, "POST", "incident_templates", write, json={"template": {
        "name": "WINDOW STARTS", "body": "Again."}})
    assert taken.status_code == 409 and taken.json["field"] == "name"


@pytest.mark.parametrize(("fields", "field"), [
    ({"update_status": "verifying"}, "update_status"),
    ({"group_id": "abc123"}, "group_id"),
    ({"component_ids": ["abc123"]}, "component_ids"),
    ({"should_send_notifications": False}, "should_send_notifications"),
    ({"should_tweet": True}, "should_tweet"),
    ({"body": "Hello {customer_name}"}, "body"),
    ({"body": "   "}, "body"),
])
def test_template_fields_we_cannot_keep_are_refused_not_dropped(
    client: FlaskClient, write: str, fields: dict[str, Any], field: str
) -> None:
    response = call(client, "POST", "incident_templates", write, json={"template": {
        "name": "Refused", "body": "Text.", **fields}})
    assert response.status_code == 422 and response.json["field"] == field, response.json
    assert db.session.scalars(select(MessageTemplate).filter_by(name="Refused")).first() \
        is None
