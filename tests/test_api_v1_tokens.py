"""Creating and revoking API tokens: the CLI command and the console pages (admin only)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.accounts import users as accounts
from statuspage.core.extensions import db
from statuspage.models import ApiToken, AuditEntry, User
from tests.api_v1_support import call
from tests.factories import PASSWORD, Factory

SECRET = re.compile(r'<code class="secret-value">(sp_[^<]+)</code>')


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(accounts, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield


def _login(client: FlaskClient, factory: Factory, role: str) -> User:
    user = factory.user(role=role)
    response = client.post("/console/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return user


def test_the_cli_prints_a_token_that_works_with_its_scope(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["create-token", "deploy", "--scope", "write"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert re.fullmatch(r"sp_[A-Za-z0-9_-]{43}", secret)
    assert "shown once" in result.stderr
    token = db.session.execute(select(ApiToken)).scalar_one()
    assert (token.name, token.scope, token.created_by_id) == ("deploy", "write", None)

    client = app.test_client()
    response = call(client, "POST", "incidents", secret, json={"incident": {"name": "Deploy"}})
    assert response.status_code == 201


def test_the_cli_defaults_to_read_scope_and_refuses_bad_input(app: Flask) -> None:
    runner = app.test_cli_runner()
    secret = runner.invoke(args=["create-token", "dashboards"]).stdout.strip()
    client = app.test_client()
    assert call(client, "GET", "incidents", secret).status_code == 200
    assert call(client, "POST", "incidents", secret,
                json={"incident": {"name": "x"}}).status_code == 403

    duplicate = runner.invoke(args=["create-token", "dashboards"])
    assert duplicate.exit_code != 0 and "already has this name" in duplicate.output
    bad_scope = runner.invoke(args=["create-token", "x", "--scope", "admin"])
    assert bad_scope.exit_code != 0
    assert db.session.execute(select(ApiToken.name)).scalars().all() == ["dashboards"]


def test_an_admin_creates_a_token_shown_once_which_then_works(
    client: FlaskClient, factory: Factory
) -> None:
    admin = _login(client, factory, "admin")
    created = client.post("/console/tokens", data={"name": "Pager bridge", "scope": "write"})
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(created.get_data(as_text=True)).group(1)
    token = db.session.execute(select(ApiToken)).scalar_one()
    assert (token.name, token.scope, token.created_by_id) == ("Pager bridge", "write", admin.id)

    listing = client.get("/console/tokens").get_data(as_text=True)
    assert "Pager bridge" in listing and f"{token.prefix}…" in listing
    assert secret not in listing

    api = client.application.test_client()
    assert call(api, "POST", "incidents", secret,
                json={"incident": {"name": "From the bridge"}}).status_code == 201
    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.action == "api_token.create")).scalar_one()
    assert entry.actor_id == admin.id and entry.details == {"name": "Pager bridge",
                                                            "scope": "write"}


def test_an_admin_revokes_a_token_and_it_stops_working(
    client: FlaskClient, factory: Factory
) -> None:
    _login(client, factory, "admin")
    page = client.post("/console/tokens", data={"name": "Old CI", "scope": "read"})
    secret = SECRET.search(page.get_data(as_text=True)).group(1)
    token = db.session.execute(select(ApiToken)).scalar_one()

    response = client.post(f"/console/tokens/{token.public_id}/revoke")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/console/tokens")
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert "Revoked" in client.get("/console/tokens").get_data(as_text=True)
    assert call(client.application.test_client(), "GET", "incidents", secret).status_code == 401
    assert db.session.execute(select(AuditEntry.action).where(
        AuditEntry.target_id == token.public_id)).scalars().all() == [
        "api_token.create", "api_token.revoke"]


def test_a_token_without_a_name_is_refused_with_the_form_kept(
    client: FlaskClient, factory: Factory
) -> None:
    _login(client, factory, "admin")
    response = client.post("/console/tokens", data={"name": " ", "scope": "write"})
    assert response.status_code == 422
    assert "Give the token a name" in response.get_data(as_text=True)
    assert db.session.execute(select(ApiToken)).first() is None


@pytest.mark.parametrize("role", ["communicator", "viewer"])
def test_only_admins_manage_tokens(client: FlaskClient, factory: Factory, role: str) -> None:
    _login(client, factory, role)
    assert client.get("/console/tokens").status_code == 403
    assert client.post("/console/tokens", data={"name": "x", "scope": "write"}
                       ).status_code == 403
    assert db.session.execute(select(ApiToken)).first() is None
