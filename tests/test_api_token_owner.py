"""A console-made API token belongs to its creator: it stops working while they are
deactivated, and the console's token list says so. CLI tokens have no creator."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from statuspage.accounts import users as accounts
from statuspage.accounts.api_tokens import create_token
from statuspage.models import User
from tests.api_v1_support import call, new_token
from tests.factories import PASSWORD, Factory


def _admin_client(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    response = client.post("/console/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_token_stops_working_while_its_creator_is_deactivated(
    app: Flask, factory: Factory
) -> None:
    creator, other_admin = factory.user(role="admin"), factory.user(role="admin")
    secret = create_token("Pager bridge", "write", creator).secret
    api = app.test_client()
    assert call(api, "GET", "incidents", secret).status_code == 200

    accounts.deactivate(creator, other_admin)
    refused = call(api, "GET", "incidents", secret)
    assert refused.status_code == 401
    assert "deactivated" in refused.json["message"]
    assert call(api, "POST", "incidents", secret,
                json={"incident": {"name": "From a departed user"}}).status_code == 401
    listing = _admin_client(app, other_admin).get("/console/tokens").get_data(as_text=True)
    assert "Pager bridge" in listing and creator.email in listing
    assert "Suspended: its creator is deactivated" in listing

    accounts.reactivate(creator, other_admin)
    assert call(api, "GET", "incidents", secret).status_code == 200


def test_a_cli_token_has_no_owner_and_keeps_working(app: Flask, factory: Factory) -> None:
    someone = factory.user(role="admin")
    factory.user(role="admin")
    secret = new_token("read")
    accounts.deactivate(someone, None)
    assert call(app.test_client(), "GET", "incidents", secret).status_code == 200
