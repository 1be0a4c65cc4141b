"""Component groups, component deletion and paging, uptime and the page profile through the
management API: what each changes, and the refusals that change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import AuditEntry, Component, Page, Subscriber
from statuspage.models.subscribers import subscriber_component
from statuspage.page.record import get_page
from tests.api_v1_support import call, new_token, page_path
from tests.factories import Factory


@pytest.fixture
def write(app: Flask) -> str:
    return new_token("write", name="terraform")


def _layout() -> dict[str, tuple[str | None, int]]:
    db.session.expire_all()
    return {c.name: (c.group.name if c.group else None, c.position)
            for c in db.session.execute(select(Component)).scalars()}


def test_a_group_holds_exactly_the_components_named_in_that_order(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    api, queue, web = (factory.component(n) for n in ("API", "Queue", "Website"))
    created = call(client, "POST", "component-groups", write, json={
        "description": "Behind the API",
        "component_group": {"name": "Backend", "components": [queue.public_id, api.public_id]}})
    assert created.status_code == 201, created.json
    assert created.json["components"] == [queue.public_id, api.public_id]
    assert _layout() == {"Website": (None, 1), "Backend": (None, 2), "Queue": ("Backend", 1),
                         "API": ("Backend", 2)}
    group_id = created.json["id"]
    patched = call(client, "PATCH", f"component-groups/{group_id}", write, json={
        "component_group": {"components": [web.public_id, queue.public_id]}})
    assert patched.status_code == 200, patched.json
    assert (patched.json["name"], patched.json["description"]) == ("Backend", "Behind the API")
    # API left the group for the end of the page; Website joined it.
    assert _layout() == {"Backend": (None, 1), "API": (None, 2), "Website": ("Backend", 1),
                         "Queue": ("Backend", 2)}
    deleted = call(client, "DELETE", f"component-groups/{group_id}", write)
    assert deleted.json["components"] == [web.public_id, queue.public_id]
    assert _layout() == {"API": (None, 1), "Website": (None, 2), "Queue": (None, 3)}


def test_group_refusals_change_nothing(client: FlaskClient, factory: Factory,
                                       write: str) -> None:
    group = factory.group("Backend")
    api = factory.component("API", group=group)
    before = _layout()
    for body, field in (
        ({"component_group": {"components": [api.public_id]}}, "name"),
        ({"component_group": {"name": "X", "components": [group.public_id]}}, "components"),
        ({"component_group": {"name": "X", "components": ["nosuchid"]}}, "components"),
        ({"component_group": {"name": "X", "description": "inside"}}, "description"),
        ({"component_group": {"name": "X"}, "position": 1}, "position"),
    ):
        response = call(client, "POST", "component-groups", write, json=body)
        assert (response.status_code, response.json["field"]) == (422, field), body
    assert call(client, "POST", "component-groups", write, json={
        "name": "X"}).status_code == 422
    assert call(client, "POST", "component-groups", write, json={
        "component_group": "X"}).status_code == 400
    assert call(client, "GET", f"component-groups/{api.public_id}", write).status_code == 404
    assert call(client, "DELETE", f"component-groups/{api.public_id}", write).status_code == 404
    assert _layout() == before


def test_components_page_and_delete(client: FlaskClient, factory: Factory, write: str) -> None:
    group = factory.group("Backend")
    factory.component("API", group=group)
    web = factory.component("Website")
    second = call(client, "GET", "components?page=2&per_page=2", write)
    assert [c["name"] for c in second.json] == ["Website"]
    for bad in ("page=0", "per_page=101", "per_page=x"):
        assert call(client, "GET", f"components?{bad}", write).status_code == 422
    fan = Subscriber(channel="email", address="fan@example.com", components=[web])
    db.session.add(fan)
    db.session.commit()
    assert call(client, "DELETE", f"components/{web.public_id}", write).status_code == 204
    # Its subscribers' choice of it goes with it (as PostgreSQL's ON DELETE CASCADE would).
    assert db.session.execute(select(subscriber_component)).all() == []
    assert call(client, "GET", f"components/{web.public_id}", write).status_code == 404
    assert call(client, "DELETE", f"components/{group.public_id}", write).status_code == 204
    assert _layout() == {"API": (None, 1)}
    assert call(client, "DELETE", "components/nosuchid",
                new_token("read")).status_code == 403


def test_uptime_counts_an_outage_and_names_its_incident(client: FlaskClient, factory: Factory,
                                                        write: str) -> None:
    group = factory.group("Backend")
    api = factory.component("API", group=group, start_date=datetime.now(UTC).date()
                            - timedelta(days=10))
    factory.component("Queue", group=group)
    incident = factory.incident(components={api: "major_outage"},
                                started_at=datetime.now(UTC) - timedelta(hours=12))
    one = call(client, "GET", f"components/{api.public_id}/uptime", write).json
    assert one["uptime_percentage"] < 100.0
    assert one["major_outage"] >= 12 * 3600 - 60
    assert one["related_events"] == [{"id": incident.public_id}]
    assert one["range_start"] == api.start_date.isoformat()
    both = call(client, "GET", f"component-groups/{group.public_id}/uptime", write).json
    assert both["uptime_percentage"] == pytest.approx((100 + one["uptime_percentage"]) / 2,
                                                      abs=0.01)
    year = datetime.now(UTC).year
    assert call(client, "GET", f"components/{api.public_id}/uptime?start={year - 1}-12&end="
                f"{year - 1}", write).json["range_end"] == f"{year - 1}-12-31"
    for query, field in (("end=2999-01-01", "end"), ("start=2020-01-01", "start"),
                         ("start=2024-02-30", "start"), ("end=yesterday", "end"),
                         (f"start={year}-12-31&end={year}-01-01", "start")):
        refused = call(client, "GET", f"components/{api.public_id}/uptime?{query}", write)
        assert (refused.status_code, refused.json["field"]) == (422, field), query


def test_the_page_profile_changes_through_the_settings_use_case(
    client: FlaskClient, write: str
) -> None:
    profile = call(client, "GET", "", write)
    assert profile.status_code == 200
    assert profile.json["id"] == get_page().public_id
    assert profile.json["allow_page_subscribers"] is True
    changed = client.patch(page_path(), json={"page": {
        "name": "Acme status", "accent_color": "#AA0000", "allow_chat_subscribers": "false"}},
        headers={"Authorization": f"OAuth {write}"})
    assert changed.status_code == 200, changed.json
    assert (changed.json["accent_color"], changed.json["allow_chat_subscribers"]) == (
        "#aa0000", False)
    for fields, field in (({"domain": "status.acme.example"}, "domain"),
                          ({"url": "ftp://status.acme.example"}, "url"),
                          ({"url": "https://status.acme.example/ x"}, "url"),
                          ({"time_zone": "Mars/Olympus"}, "time_zone"),
                          ({"notifications_email_footer": "x" * 2001},
                           "notifications_email_footer"),
                          ({"accent_color": "red"}, "accent_color"),
                          ({"name": " "}, "name")):
        refused = call(client, "PATCH", "", write, json={"page": fields})
        assert (refused.status_code, refused.json["field"]) == (422, field), fields
    page = db.session.execute(select(Page)).scalar_one()
    db.session.refresh(page)
    assert (page.name, page.accent_color, page.allow_chat_subscribers) == (
        "Acme status", "#aa0000", False)
    assert call(client, "PATCH", "", new_token("read"), json={"page": {
        "name": "No"}}).status_code == 403
    assert client.get("/api/v1/pages/nosuchpage", headers={
        "Authorization": f"Bearer {write}"}).status_code == 404
    entries = db.session.execute(select(AuditEntry.actor_label).where(
        AuditEntry.action == "page.settings")).scalars().all()
    assert entries == ["token:terraform"]
