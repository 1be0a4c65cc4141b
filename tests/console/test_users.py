"""User administration: create, change role, deactivate, last-admin protection, audit."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage import audit
from statuspage.accounts import users as accounts
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import AuditEntry, User
from tests.console.conftest import LoginHelper
from tests.factories import Factory


def test_admin_creates_a_user_who_can_log_in_with_the_shown_password(
    app: Flask, client: FlaskClient, login: LoginHelper
) -> None:
    admin = login(client, role="admin")
    response = client.post("/console/users/new", data={
        "email": "New.Person@Example.com", "name": "New Person", "role": "communicator"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    password = re.search(r'<code class="secret-value">([^<]+)</code>', html).group(1)
    user = User.query.filter_by(email="new.person@example.com").one()
    assert (user.name, user.role) == ("New Person", "communicator")
    assert password not in user.password_hash

    newcomer = app.test_client()
    assert newcomer.post("/console/login", data={"email": user.email, "password": password}
                         ).status_code == 302
    created = AuditEntry.query.filter_by(action="user.create", target_id=str(user.id)).one()
    assert created.actor_id == admin.id and created.target_id == str(user.id)


def test_creating_a_user_with_a_taken_email_keeps_the_input_and_explains(
    client: FlaskClient, login: LoginHelper, factory: Factory
) -> None:
    login(client, role="admin")
    factory.user(email="taken@example.com")
    response = client.post("/console/users/new", data={
        "email": "taken@example.com", "name": "Someone Else", "role": "viewer"})
    html = response.get_data(as_text=True)
    assert "already exists" in html
    assert 'value="Someone Else"' in html
    assert User.query.filter_by(email="taken@example.com").count() == 1


def test_admin_changes_a_role(client: FlaskClient, login: LoginHelper, factory: Factory) -> None:
    admin = login(client, role="admin")
    user = factory.user(role="viewer")
    response = client.post(f"/console/users/{user.id}", data={"role": "communicator"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role == "communicator"
    entry = AuditEntry.query.filter_by(action="user.role_change").one()
    assert entry.actor_id == admin.id
    assert entry.details["old"] == "viewer" and entry.details["new"] == "communicator"


def test_admin_deactivates_and_reactivates_a_user(
    app: Flask, client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="admin")
    victim_client = app.test_client()
    user = login(victim_client, role="communicator")
    old_token = user.session_token
    response = client.post(f"/console/users/{user.id}/deactivate")
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.is_active_user and user.session_token != old_token
    assert victim_client.get("/console/").status_code == 302
    assert "Deactivated" in client.get("/console/users").get_data(as_text=True)

    client.post(f"/console/users/{user.id}/reactivate")
    db.session.refresh(user)
    assert user.is_active_user
    # Reactivation does not bring the old sessions back.
    assert victim_client.get("/console/").status_code == 302
    actions = {e.action for e in AuditEntry.query.filter_by(target_id=str(user.id))}
    assert {"user.deactivate", "user.reactivate"} <= actions


def test_last_active_admin_cannot_be_demoted_or_deactivated(
    client: FlaskClient, login: LoginHelper, factory: Factory
) -> None:
    admin = login(client, role="admin")
    factory.user(role="admin", is_active_user=False)  # an inactive admin does not count
    demote = client.post(f"/console/users/{admin.id}", data={"role": "viewer"})
    assert "last active admin" in demote.get_data(as_text=True)
    response = client.post(f"/console/users/{admin.id}/deactivate", follow_redirects=True)
    assert "last active admin" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.is_active_user


def test_an_admin_can_step_down_when_another_admin_remains(
    client: FlaskClient, login: LoginHelper, factory: Factory
) -> None:
    admin = login(client, role="admin")
    factory.user(role="admin")
    client.post(f"/console/users/{admin.id}", data={"role": "viewer"})
    db.session.refresh(admin)
    assert admin.role == "viewer"
    assert client.get("/console/users").status_code == 403


def test_last_admin_rule_holds_in_the_use_cases(factory: Factory) -> None:
    admin = factory.user(role="admin")
    with pytest.raises(DomainError, match="last active admin"):
        accounts.change_role(admin, "communicator", admin)
    with pytest.raises(DomainError, match="last active admin"):
        accounts.deactivate(admin, admin)


@pytest.mark.parametrize("role", ["viewer", "communicator"])
def test_non_admins_cannot_manage_users(
    client: FlaskClient, login: LoginHelper, factory: Factory, role: str
) -> None:
    login(client, role=role)
    other = factory.user(role="viewer")
    assert client.get("/console/users").status_code == 403
    assert client.post("/console/users/new", data={
        "email": "sneaky@example.com", "role": "admin"}).status_code == 403
    assert client.post(f"/console/users/{other.id}", data={"role": "admin"}).status_code == 403
    assert client.post(f"/console/users/{other.id}/deactivate").status_code == 403
    db.session.refresh(other)
    assert other.role == "viewer" and other.is_active_user
    assert User.query.filter_by(email="sneaky@example.com").count() == 0


def test_audit_log_lists_entries_newest_first_and_pages(
    client: FlaskClient, login: LoginHelper, factory: Factory
) -> None:
    admin = login(client, role="admin")
    for n in range(55):
        audit.record(admin, "page.update", "page", "main", field=f"value{n:02d}")
        db.session.commit()
    html = client.get("/console/audit").get_data(as_text=True)
    assert html.index("value54") < html.index("value53")
    assert "value04" not in html  # the 50 newest fit on the first page
    assert "Page 1 of 2" in html
    second = client.get("/console/audit?page=2").get_data(as_text=True)
    assert "value00" in second and "login.success" in second
