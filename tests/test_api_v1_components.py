"""Components through the management API: list, read, create, update, with audit."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import AuditEntry, Component
from tests.api_v1_support import call, new_token
from tests.factories import Factory


@pytest.fixture
def write(app: object) -> str:
    return new_token("write", name="terraform")


def test_a_component_is_created_in_a_group_and_audited(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    group = factory.group("Backend")
    response = call(client, "POST", "components", write, json={"component": {
        "name": "Queue", "description": "Job queue", "status": "degraded_performance",
        "group_id": group.public_id, "showcase": False}})
    assert response.status_code == 201, response.json
    component = db.session.execute(select(Component).where(Component.name == "Queue")
                                   ).scalar_one()
    assert (component.group_id, component.status, component.showcase) == (
        group.id, "degraded_performance", False)
    assert response.json["id"] == component.public_id
    assert response.json["group_id"] == group.public_id
    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.action == "component.create")).scalar_one()
    assert entry.actor_label == "token:terraform"


def test_patch_changes_only_the_fields_given(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    group = factory.group("Backend")
    component = factory.component("API", group=group, description="Public API")
    response = call(client, "PATCH", f"components/{component.public_id}", write, json={
        "component": {"status": "partial_outage"}})
    assert response.status_code == 200, response.json
    db.session.refresh(component)
    assert (component.name, component.description, component.group_id, component.status) == (
        "API", "Public API", group.id, "partial_outage")
    db.session.refresh(group)
    assert group.status == "partial_outage"

    moved = call(client, "PATCH", f"components/{component.public_id}", write, json={
        "component": {"group_id": None, "name": "Public API"}})
    assert moved.json["group_id"] is None and moved.json["name"] == "Public API"


@pytest.mark.parametrize(("fields", "field"), [
    ({"status": "melting"}, "status"),
    ({"group_id": "nosuchgroup1"}, "group_id"),
    ({"name": ""}, "name"),
    ({"showcase": "sometimes"}, "showcase"),
    ({"start_date": "yesterday"}, "start_date"),
])
def test_invalid_component_fields_are_a_422_naming_the_field(
    client: FlaskClient, factory: Factory, write: str, fields: dict[str, object], field: str
) -> None:
    component = factory.component("API")
    response = call(client, "PATCH", f"components/{component.public_id}", write,
                    json={"component": fields})
    assert response.status_code == 422, response.json
    assert response.json["field"] == field
    db.session.refresh(component)
    assert (component.name, component.status) == ("API", "operational")


def test_a_component_cannot_be_put_in_a_component(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    other = factory.component("Other")
    response = call(client, "POST", "components", write, json={"component": {
        "name": "Child", "group_id": other.public_id}})
    assert response.status_code == 422 and response.json["field"] == "group_id"


def test_components_are_listed_in_display_order_with_group_members(
    client: FlaskClient, factory: Factory
) -> None:
    group = factory.group("Backend")
    api = factory.component("API", group=group)
    factory.component("Website")
    read = new_token("read")
    listed = call(client, "GET", "components", read).json
    assert [c["name"] for c in listed] == ["Backend", "API", "Website"]
    assert listed[0]["components"] == [api.public_id]
    one = call(client, "GET", f"components/{group.public_id}", read).json
    assert one["group"] is True and one["components"] == [api.public_id]
    assert call(client, "GET", "components/nosuchthing1", read).status_code == 404
