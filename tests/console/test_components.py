"""Console pages for components and groups: list, create, edit, reorder, delete."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import Component, ComponentChange, ComponentDay, Incident
from tests.conftest import make_app
from tests.console.conftest_content import (
    as_role,
    audit_actions,
    field_error,
    input_value,
    sign_in,
    textarea_value,
)
from tests.factories import Factory


def _positions(parent: Component | None) -> list[tuple[str, int]]:
    db.session.expire_all()
    where = Component.group_id.is_(None) if parent is None else Component.group_id == parent.id
    rows = db.session.execute(
        select(Component).where(where).order_by(Component.position)
    ).scalars()
    return [(c.name, c.position) for c in rows]


def test_list_shows_groups_with_their_children_in_display_order(
    client: FlaskClient, factory: Factory
) -> None:
    web = factory.component("Website", position=2)
    group = factory.group("Backend", position=1)
    factory.component("API", group=group, status="major_outage")
    factory.component("Workers", group=group)
    as_role(client, factory, "viewer")

    html = client.get("/console/components").get_data(as_text=True)

    assert html.index("Backend") < html.index("API") < html.index("Workers") < html.index(
        web.name)
    assert "Major Outage" in html
    # A viewer sees the list but none of the buttons that change it.
    assert "/move" not in html and "New component" not in html


def test_anonymous_visitor_is_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/console/components")
    assert response.status_code == 302
    assert "/console/login" in response.headers["Location"]


def test_create_component_in_group_goes_last_and_is_audited(
    client: FlaskClient, factory: Factory
) -> None:
    group = factory.group("Backend")
    factory.component("API", group=group)
    as_role(client, factory, "communicator")

    response = client.post("/console/components/new", data={
        "name": "Queue", "description": "Jobs", "group_id": str(group.id),
        "status": "degraded_performance", "showcase": "y", "start_date": "2024-01-02",
    })

    assert response.status_code == 302
    queue = db.session.execute(select(Component).filter_by(name="Queue")).scalar_one()
    assert (queue.group_id, queue.position, queue.description) == (group.id, 2, "Jobs")
    assert queue.start_date == date(2024, 1, 2) and queue.showcase
    assert not queue.only_show_if_degraded
    db.session.refresh(group)
    assert group.status == "degraded_performance"  # a group shows its worst child
    assert "component.create" in audit_actions()
    assert "Queue" in client.get("/console/components").get_data(as_text=True)


def test_empty_name_keeps_what_was_typed_and_shows_the_error_next_to_it(
    client: FlaskClient, factory: Factory
) -> None:
    as_role(client, factory, "admin")

    response = client.post("/console/components/new", data={
        "name": "  ", "description": "Keeps <this>", "status": "partial_outage",
    })

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "name") == "Give it a name."
    assert textarea_value(html, "description") == "Keeps <this>"
    assert '<option selected value="partial_outage">' in html
    assert db.session.execute(select(Component)).first() is None


def test_start_date_in_the_future_is_refused(client: FlaskClient, factory: Factory) -> None:
    as_role(client, factory, "admin")
    tomorrow = (date.today() + timedelta(days=2)).isoformat()

    response = client.post("/console/components/new", data={
        "name": "API", "status": "operational", "start_date": tomorrow,
    })

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "start_date") == "The start date cannot be in the future."
    assert input_value(html, "name") == "API"
    assert input_value(html, "start_date") == tomorrow


def test_create_group_moves_the_chosen_components_into_it(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    factory.component("Website")
    db_ = factory.component("Database")
    as_role(client, factory, "admin")

    response = client.post("/console/components/groups/new", data={
        "name": "Backend", "components": [str(db_.id), str(api.id)],
    })

    assert response.status_code == 302
    group = db.session.execute(select(Component).filter_by(name="Backend")).scalar_one()
    assert group.is_group
    assert _positions(group) == [("Database", 1), ("API", 2)]
    assert _positions(None) == [("Website", 1), ("Backend", 2)]
    assert "group.create" in audit_actions()


def test_edit_moves_a_component_to_another_group_and_renumbers_the_old_one(
    client: FlaskClient, factory: Factory
) -> None:
    old = factory.group("Old")
    new = factory.group("New")
    first = factory.component("First", group=old)
    factory.component("Second", group=old)
    factory.component("Third", group=old)
    factory.component("Existing", group=new)
    as_role(client, factory, "communicator")

    page = client.get(f"/console/components/{first.public_id}/edit").get_data(as_text=True)
    assert input_value(page, "name") == "First"
    response = client.post(f"/console/components/{first.public_id}/edit", data={
        "name": "First renamed", "group_id": str(new.id), "status": "major_outage",
        "showcase": "y",
    })

    assert response.status_code == 302
    assert _positions(old) == [("Second", 1), ("Third", 2)]
    assert _positions(new) == [("Existing", 1), ("First renamed", 2)]
    assert db.session.get(Component, new.id).status == "major_outage"
    assert "component.update" in audit_actions()


def test_a_group_cannot_be_nested_in_another_group(
    client: FlaskClient, factory: Factory
) -> None:
    outer = factory.group("Outer")
    inner = factory.group("Inner")
    as_role(client, factory, "admin")
    # The form offers no group select for a group; a crafted post is refused by the use-case.
    from statuspage.components.editing import ComponentInput, update_component
    from statuspage.core.errors import DomainError

    with pytest.raises(DomainError) as error:
        update_component(inner, ComponentInput(name="Inner", group_id=outer.id), None)
    assert error.value.field == "group_id"


def test_move_up_and_down_swaps_neighbours_and_renumbers_one_to_n(
    client: FlaskClient, factory: Factory
) -> None:
    factory.component("A", position=1)
    factory.component("B", position=5)
    c = factory.component("C", position=9)
    as_role(client, factory, "communicator")

    response = client.post(f"/console/components/{c.public_id}/move", data={"direction": "up"})

    assert response.status_code == 303
    assert _positions(None) == [("A", 1), ("C", 2), ("B", 3)]
    client.post(f"/console/components/{c.public_id}/move", data={"direction": "up"})
    client.post(f"/console/components/{c.public_id}/move", data={"direction": "up"})
    assert _positions(None) == [("C", 1), ("A", 2), ("B", 3)]  # the top stays the top
    client.post(f"/console/components/{c.public_id}/move", data={"direction": "down"})
    assert _positions(None) == [("A", 1), ("C", 2), ("B", 3)]
    assert audit_actions().count("component.move") == 4


def test_explicit_reorder_sets_positions_and_refuses_a_stale_list(factory: Factory) -> None:
    from statuspage.components.ordering import reorder_components
    from statuspage.core.errors import DomainError

    group = factory.group("G")
    a = factory.component("A", group=group)
    b = factory.component("B", group=group)
    c = factory.component("C", group=group)

    reorder_components(group, [c.id, a.id, b.id], None)
    assert _positions(group) == [("C", 1), ("A", 2), ("B", 3)]
    with pytest.raises(DomainError):
        reorder_components(group, [a.id, b.id], None)


def test_delete_asks_for_confirmation_and_only_the_post_deletes(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    factory.component("Website")
    as_role(client, factory, "admin")

    page = client.get(f"/console/components/{api.public_id}/delete")

    assert page.status_code == 200
    assert "Are you sure?" in page.get_data(as_text=True)
    assert db.session.get(Component, api.id) is not None
    response = client.post(f"/console/components/{api.public_id}/delete")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.execute(select(Component).filter_by(name="API")).first() is None
    assert _positions(None) == [("Website", 1)]
    assert "component.delete" in audit_actions()


def test_deleting_a_group_moves_its_components_to_the_top_level_by_default(
    client: FlaskClient, factory: Factory
) -> None:
    factory.component("Website")
    group = factory.group("Backend")
    factory.component("API", group=group)
    factory.component("Workers", group=group)
    as_role(client, factory, "admin")

    page = client.get(f"/console/components/{group.public_id}/delete").get_data(as_text=True)
    assert "API, Workers" in page
    client.post(f"/console/components/{group.public_id}/delete", data={"children": "ungroup"})

    assert _positions(None) == [("Website", 1), ("API", 2), ("Workers", 3)]


def test_deleting_a_group_can_delete_its_components_and_their_history(
    client: FlaskClient, factory: Factory
) -> None:
    group = factory.group("Backend")
    api = factory.component("API", group=group)
    incident = factory.incident(components={api: "major_outage"})
    as_role(client, factory, "admin")

    client.post(f"/console/components/{group.public_id}/delete", data={"children": "delete"})

    db.session.expire_all()
    assert db.session.execute(select(Component)).first() is None
    assert db.session.execute(select(ComponentChange)).first() is None
    assert db.session.execute(select(ComponentDay)).first() is None
    assert db.session.get(Incident, incident.id).components == []
    # The incident itself stays, and its console page still renders.
    detail = client.get(f"/console/incidents/{incident.public_id}")
    assert detail.status_code == 200


@pytest.mark.parametrize("path", [
    "/console/components/new",
    "/console/components/groups/new",
    "/console/components/{id}/edit",
    "/console/components/{id}/move",
    "/console/components/{id}/delete",
])
def test_viewer_cannot_change_components(
    client: FlaskClient, factory: Factory, path: str
) -> None:
    api = factory.component("API")
    as_role(client, factory, "viewer")

    response = client.post(path.format(id=api.public_id),
                           data={"name": "Hacked", "direction": "down"})

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Component, api.id).name == "API"


def test_forms_carry_a_csrf_token_and_posts_without_it_are_refused(
    database_url: str, factory: Factory
) -> None:
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        user = factory.user(role="admin")
        sign_in(client, user)

    assert client.post("/console/components/new", data={"name": "API"}).status_code == 400
    page = client.get("/console/components/new").get_data(as_text=True)
    token = input_value(page, "csrf_token")
    assert token
    response = client.post("/console/components/new",
                           data={"name": "API", "status": "operational", "csrf_token": token})
    assert response.status_code == 302


def test_every_content_route_requires_a_role_and_posts_need_a_communicator(
    client: FlaskClient,
) -> None:
    app = client.application
    mine = ("/console/components", "/console/incidents", "/console/maintenance",
            "/console/preview")
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith(mine)]
    assert len(rules) >= 14
    for rule in rules:
        role = app.view_functions[rule.endpoint].required_role
        expected = "communicator" if "POST" in (rule.methods or ()) else "viewer"
        assert role == expected, rule.rule
