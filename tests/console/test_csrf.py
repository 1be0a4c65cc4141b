"""With CSRF protection on, console POSTs without the form's token are refused and do nothing."""

from __future__ import annotations

import pytest
from flask import Flask

from statuspage.core.extensions import db
from statuspage.models import AuditEntry, User
from tests.conftest import make_app
from tests.console.conftest import LoginHelper, csrf_token
from tests.factories import PASSWORD, Factory


@pytest.fixture
def csrf_app(database_url: str, app: Flask) -> Flask:
    """A CSRF-protected app on the same database. Its requests get their own app context
    (and `g`, where Flask-WTF caches the token), as they would in production."""
    return make_app(database_url, WTF_CSRF_ENABLED=True)


def test_login_without_token_is_refused(csrf_app: Flask, factory: Factory) -> None:
    user = factory.user()
    client = csrf_app.test_client()
    client.get("/console/login")
    response = client.post("/console/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/console/").status_code == 302
    assert AuditEntry.query.filter_by(action="login.success").count() == 0

    token = csrf_token(client)
    response = client.post("/console/login", data={"email": user.email, "password": PASSWORD,
                                                   "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/console/").status_code == 200


def test_logout_without_token_is_refused(csrf_app: Flask, login: LoginHelper) -> None:
    client = csrf_app.test_client()
    login(client, role="viewer")
    assert client.post("/console/logout").status_code == 400
    assert client.get("/console/").status_code == 200  # still logged in

    token = csrf_token(client, "/console/")
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/").status_code == 302


def test_user_admin_posts_without_token_are_refused(
    csrf_app: Flask, login: LoginHelper, factory: Factory
) -> None:
    client = csrf_app.test_client()
    login(client, role="admin")
    other = factory.user(role="viewer")
    assert client.post("/console/users/new", data={
        "email": "forged@example.com", "role": "admin"}).status_code == 400
    assert client.post(f"/console/users/{other.id}", data={"role": "admin"}).status_code == 400
    assert client.post(f"/console/users/{other.id}/deactivate").status_code == 400
    db.session.refresh(other)
    assert other.role == "viewer" and other.is_active_user
    assert User.query.filter_by(email="forged@example.com").count() == 0

    token = csrf_token(client, f"/console/users/{other.id}")
    response = client.post(f"/console/users/{other.id}",
                           data={"role": "communicator", "csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(other)
    assert other.role == "communicator"


def test_password_change_without_token_is_refused(csrf_app: Flask, login: LoginHelper) -> None:
    client = csrf_app.test_client()
    user = login(client, role="viewer")
    new = "another long passphrase"
    data = {"current_password": PASSWORD, "new_password": new, "confirm_password": new}
    assert client.post("/console/account/password", data=data).status_code == 400
    old_hash = user.password_hash
    db.session.refresh(user)
    assert user.password_hash == old_hash
