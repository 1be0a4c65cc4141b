"""The management API never publishes what it did not understand (issue 10, item 9).

`visibility: "internal"` posts an internal update, as the console does; a field an operation
does not take is a 422 naming it; Statuspage's `backfilled` records a past, resolved incident
that notifies no one; states the target refuses are a 409; a 405 says what is allowed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.models import Delivery, FanoutEvent, Incident, OutboxMessage, utcnow
from statuspage.page.queries import unresolved_incidents
from tests.api_v1_support import call, new_token, page_path
from tests.delivery_support import add_subscribers
from tests.factories import Factory

pytestmark = pytest.mark.usefixtures("errors")


@pytest.fixture
def write(app: object) -> str:
    return new_token("write", name="ops-bot")


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count(model.id))) or 0


def _incidents() -> list[Incident]:
    return list(db.session.execute(select(Incident)).scalars().all())


def test_visibility_internal_posts_an_internal_update_that_stays_off_the_public_page(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident(body="Public note.")
    add_subscribers(3)
    before = (_count(FanoutEvent), _count(OutboxMessage))
    response = call(client, "PATCH", f"incidents/{incident.public_id}", write, json={
        "incident": {"status": "identified", "body": "Internal: the vendor is at fault.",
                     "visibility": "internal"}})
    assert response.status_code == 200, response.json
    db.session.refresh(incident)
    newest = max(incident.updates, key=lambda u: u.id)
    assert (newest.visibility, newest.body) == ("internal", "Internal: the vendor is at fault.")
    # The public status is untouched, and no subscriber hears of it.
    assert incident.status == "investigating"
    assert [u["body"] for u in response.json["incident_updates"]] == ["Public note."]
    assert (_count(OutboxMessage)) == before[1]
    page = client.get(f"/incidents/{incident.public_id}")
    assert page.status_code == 200 and b"vendor is at fault" not in page.data


def test_visibility_public_or_missing_publishes_and_anything_else_is_refused(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident(body="Public note.")
    public = call(client, "PATCH", f"incidents/{incident.public_id}", write, json={
        "incident": {"status": "identified", "body": "Found it.", "visibility": "public"}})
    assert public.status_code == 200 and public.json["status"] == "identified"
    odd = call(client, "PATCH", f"incidents/{incident.public_id}", write, json={
        "incident": {"status": "monitoring", "body": "Hmm.", "visibility": "staff"}})
    assert odd.status_code == 422 and odd.json["field"] == "visibility"
    db.session.refresh(incident)
    assert incident.status == "identified" and len(incident.updates) == 2


@pytest.mark.parametrize(("method", "suffix", "payload", "field"), [
    ("POST", "incidents", {"incident": {"name": "Outage", "publish_at": "later"}},
     "publish_at"),
    ("POST", "incidents", {"incident": {"name": "Outage"}, "notify": False}, "notify"),
    # A maintenance-only field without scheduled_for is not silently dropped either.
    ("POST", "incidents", {"incident": {"name": "Outage", "scheduled_auto_completed": True}},
     "scheduled_auto_completed"),
    ("POST", "incidents", {"incident": {"name": "Outage", "visibility": "internal"}},
     "visibility"),
    ("POST", "incidents", {"incident": {"name": "Outage", "reminder_intervals": [15]}},
     "reminder_intervals"),
    ("POST", "components", {"component": {"name": "Queue", "colour": "red"}}, "colour"),
])
def test_a_field_the_operation_does_not_take_is_a_422_naming_it(
    client: FlaskClient, write: str, method: str, suffix: str, payload: dict[str, Any],
    field: str
) -> None:
    response = call(client, method, suffix, write, json=payload)
    assert response.status_code == 422, response.json
    assert response.json["field"] == field and field in response.json["message"]
    assert _incidents() == []


def test_patch_refuses_fields_it_does_not_take_and_posts_nothing(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident()
    add_subscribers(2)
    before = _count(FanoutEvent)
    response = call(client, "PATCH", f"incidents/{incident.public_id}", write, json={
        "incident": {"status": "resolved", "wants_twitter_update": True}})
    assert response.status_code == 422 and response.json["field"] == "wants_twitter_update"
    db.session.refresh(incident)
    assert incident.status == "investigating" and len(incident.updates) == 1
    assert _count(FanoutEvent) == before


def test_backfilled_records_a_past_resolved_incident_that_notifies_no_one(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    add_subscribers(3)
    add_subscribers(1, "webhook")
    day = (utcnow() - timedelta(days=40)).date()
    response = call(client, "POST", "incidents", write, json={"incident": {
        "name": "Old outage", "body": "Recorded after the fact.", "backfilled": True,
        "backfill_date": day.isoformat(), "impact_override": "major",
        # What Atlassian's client sends on every body; a backfill still notifies no one.
        "deliver_notifications": True}})
    assert response.status_code == 201, response.json
    [incident] = _incidents()
    at = datetime(day.year, day.month, day.day, tzinfo=UTC)  # the test page is in UTC
    assert (incident.status, incident.severity) == ("resolved", "SEV2")
    assert incident.started_at.replace(tzinfo=UTC) == at
    assert incident.resolved_at.replace(tzinfo=UTC) == at
    [update] = incident.updates
    assert update.display_at.replace(tzinfo=UTC) == at and not update.deliver_notifications
    # No delivery of any kind, no webhook; not among the active incidents.
    assert (_count(FanoutEvent), _count(Delivery), _count(OutboxMessage)) == (0, 0, 0)
    assert incident not in unresolved_incidents()
    assert response.json["resolved_at"] is not None
    # The history lists it in its month; its page shows it resolved.
    history = client.get("/history").get_data(as_text=True)
    month = history[history.index(f"{day:%Y-%m}"):]
    assert "Old outage" in month
    page = client.get(f"/incidents/{incident.public_id}")
    assert page.status_code == 200 and b"Recorded after the fact." in page.data
    front = client.get("/")
    assert b"Old outage" not in front.data


@pytest.mark.parametrize(("fields", "field"), [
    ({}, "backfill_date"),
    ({"backfill_date": (date.today() + timedelta(days=3)).isoformat()}, "backfill_date"),
    ({"backfill_date": "2024-01-02", "components": {}}, "components"),
    # deliver_notifications is taken (Atlassian's client always sends it) and ignored: a
    # backfill notifies no one, as on Statuspage. Live fields are not.
    ({"backfill_date": "2024-01-02", "component_ids": []}, "component_ids"),
    ({"backfill_date": "2024-01-02", "status": "investigating"}, "status"),
    ({"backfill_date": "0001-01-01"}, "backfill_date"),
])
def test_a_backfill_needs_a_past_date_and_takes_no_live_fields(
    client: FlaskClient, write: str, fields: dict[str, Any], field: str
) -> None:
    response = call(client, "POST", "incidents", write, json={"incident": {
        "name": "Old outage", "backfilled": True, **fields}})
    assert response.status_code == 422, response.json
    assert response.json["field"] == field
    assert _incidents() == []


def test_states_the_incident_refuses_are_a_409(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident()
    resolved = call(client, "PATCH", f"incidents/{incident.public_id}", write,
                    json={"incident": {"status": "resolved"}})
    assert resolved.status_code == 200
    reopened = call(client, "PATCH", f"incidents/{incident.public_id}", write,
                    json={"incident": {"status": "investigating"}})
    assert reopened.status_code == 409 and reopened.json["field"] == "status"
    maintenance = factory.maintenance()
    wrong_kind = call(client, "PATCH", f"incidents/{maintenance.public_id}", write,
                      json={"incident": {"status": "identified"}})
    assert wrong_kind.status_code == 409 and wrong_kind.json["error"] == "Conflict"


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": "Bad\x00title"}, "name"),
    ({"name": "Two\nlines"}, "name"),
    ({"name": "Fine", "body": "Bell\x07"}, "body"),
    ({"name": "Delete\x7f"}, "name"),
    ({"name": "Fine", "deliver_notifications": "yes"}, "deliver_notifications"),
])
def test_control_characters_and_loose_types_are_refused(
    client: FlaskClient, write: str, fields: dict[str, Any], field: str
) -> None:
    response = call(client, "POST", "incidents", write, json={"incident": fields})
    # (The field may be named by its path in the body, incident.<field>.)
    assert response.status_code == 422
    assert response.json["field"] in (field, f"incident.{field}")
    assert _incidents() == []


def test_multi_line_bodies_keep_their_newlines(client: FlaskClient, write: str) -> None:
    response = call(client, "POST", "incidents", write, json={"incident": {
        "name": "Fine", "body": "Line one\r\n\tLine two"}})
    assert response.status_code == 201, response.json


@pytest.mark.parametrize("query", [
    "limit=%C2%B2", "limit=%EF%BC%95", "page=99999999999999999999999", "page=0", "limit=",
    "limit=1.5", "q=%00",
])
def test_odd_list_parameters_are_a_422(client: FlaskClient, write: str, query: str) -> None:
    response = call(client, "GET", f"incidents?{query}", write)
    # A control character in any query string may be refused before the view, as a 400.
    assert response.status_code in ((400, 422) if query.startswith("q=") else (422,))
    assert response.json["message"] and response.json.get("field", "q") in ("limit", "page", "q")


def test_a_wrong_method_is_a_405_with_allow(client: FlaskClient, write: str) -> None:
    response = client.delete(page_path("incidents"),
                             headers={"Authorization": f"Bearer {write}"})
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert response.json["error"] == "Method Not Allowed"
