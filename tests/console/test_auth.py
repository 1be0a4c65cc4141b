"""Console login and logout, open-redirect protection, rate limits, session invalidation."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.accounts.users import GENERIC_LOGIN_ERROR, deactivate
from statuspage.core.extensions import db
from statuspage.models import AuditEntry
from tests.conftest import make_app
from tests.console.conftest import LoginHelper
from tests.factories import PASSWORD, Factory


def _audit_actions() -> list[str]:
    return [e.action for e in AuditEntry.query.order_by(AuditEntry.id)]


def test_login_with_the_right_password_opens_the_dashboard(
    client: FlaskClient, factory: Factory
) -> None:
    user = factory.user(role="viewer", email="ana@example.com")
    response = client.post("/console/login",
                           data={"email": "  Ana@Example.com ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"
    dashboard = client.get("/console/")
    assert dashboard.status_code == 200
    assert "ana@example.com" in dashboard.get_data(as_text=True)
    db.session.refresh(user)
    assert user.last_login_at is not None
    assert "login.success" in _audit_actions()


def test_session_cookie_is_httponly_and_samesite_lax(
    client: FlaskClient, factory: Factory
) -> None:
    user = factory.user()
    response = client.post("/console/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_and_unknown_email_get_the_same_generic_error(
    client: FlaskClient, factory: Factory
) -> None:
    user = factory.user(email="bo@example.com")
    wrong = client.post("/console/login", data={"email": user.email, "password": "nope" * 4})
    unknown = client.post("/console/login",
                          data={"email": "nobody@example.com", "password": PASSWORD})
    for response in (wrong, unknown):
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert GENERIC_LOGIN_ERROR in html
    # What was typed comes back, except the password.
    html = wrong.get_data(as_text=True)
    assert 'value="bo@example.com"' in html
    assert "nopenope" not in html
    assert client.get("/console/").status_code == 302
    failures = AuditEntry.query.filter_by(action="login.failure").all()
    assert {f.details["email"] for f in failures} == {"bo@example.com", "nobody@example.com"}


def test_inactive_user_cannot_log_in(client: FlaskClient, factory: Factory) -> None:
    user = factory.user(is_active_user=False)
    response = client.post("/console/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "deactivated" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_logout_ends_the_session(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="viewer")
    assert client.get("/console/").status_code == 200
    response = client.post("/console/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/login"
    assert client.get("/console/").status_code == 302


def test_logout_is_post_only(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="viewer")
    assert client.get("/console/logout").status_code == 405
    assert client.get("/console/").status_code == 200


def test_anonymous_visit_redirects_to_login_and_back(
    client: FlaskClient, factory: Factory
) -> None:
    response = client.get("/console/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login?next=")
    user = factory.user(role="viewer")
    response = client.post("/console/login?next=/console/account",
                           data={"email": user.email, "password": PASSWORD,
                                 "next": "/console/account"})
    assert response.headers["Location"] == "/console/account"


@pytest.mark.parametrize("target", [
    "https://evil.example.com/console/",
    "//evil.example.com/console/",
    "/\\evil.example.com",
    "/public-page",
    "/console/../evil",
    "javascript:alert(1)",
])
def test_next_outside_the_console_is_refused(
    client: FlaskClient, factory: Factory, target: str
) -> None:
    user = factory.user()
    response = client.post("/console/login",
                           data={"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"


def test_deactivation_logs_the_user_out_everywhere(
    app: Flask, login: LoginHelper, factory: Factory
) -> None:
    laptop, phone = app.test_client(), app.test_client()
    user = login(laptop, role="communicator")
    login(phone, user=user)
    assert laptop.get("/console/").status_code == 200
    deactivate(user, factory.user(role="admin"))
    for client in (laptop, phone):
        response = client.get("/console/")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/console/login")


@pytest.fixture
def limited_app(database_url: str, app: Flask) -> Flask:
    """An app with login limits on: 3 attempts a minute per address and per account."""
    return make_app(database_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")


def test_login_attempts_are_limited_per_address(
    limited_app: Flask, factory: Factory
) -> None:
    user = factory.user()
    client = limited_app.test_client()
    for n in range(3):
        response = client.post("/console/login",
                               data={"email": f"guess{n}@example.com", "password": "x" * 12})
        assert response.status_code == 200
    # A fourth try from that address is refused, even for another account, even when right.
    blocked = client.post("/console/login", data={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many login attempts" in blocked.get_data(as_text=True)
    assert blocked.headers["Retry-After"] == "60"
    assert client.get("/console/").status_code == 302
    # The form page itself still opens, and other addresses are not affected.
    assert client.get("/console/login").status_code == 200
    other = limited_app.test_client()
    response = other.post("/console/login", data={"email": user.email, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "192.0.2.77"})
    assert response.status_code == 302


def test_login_attempts_are_limited_per_account(
    limited_app: Flask, factory: Factory
) -> None:
    user = factory.user(email="target@example.com")
    client = limited_app.test_client()
    for n in range(3):
        response = client.post("/console/login",
                               data={"email": "TARGET@example.com", "password": "x" * 12},
                               environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"})
        assert response.status_code == 200
    blocked = client.post("/console/login", data={"email": user.email, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "198.51.100.200"})
    assert blocked.status_code == 429
    assert "Too many login attempts" in blocked.get_data(as_text=True)
    assert 'value="target@example.com"' in blocked.get_data(as_text=True)
    db.session.refresh(user)
    assert user.last_login_at is None
    # Another account from a fresh address can still log in.
    other = factory.user()
    response = client.post("/console/login", data={"email": other.email, "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "198.51.100.201"})
    assert response.status_code == 302


def test_password_change_needs_the_current_password_and_ends_other_sessions(
    app: Flask, login: LoginHelper
) -> None:
    here, elsewhere = app.test_client(), app.test_client()
    user = login(here, role="viewer")
    login(elsewhere, user=user)
    new = "a much better passphrase"
    refused = here.post("/console/account/password", data={
        "current_password": "wrong password!", "new_password": new, "confirm_password": new})
    assert "current password is not correct" in refused.get_data(as_text=True)
    response = here.post("/console/account/password", data={
        "current_password": PASSWORD, "new_password": new, "confirm_password": new})
    assert response.status_code == 302
    assert here.get("/console/account").status_code == 200
    assert elsewhere.get("/console/account").status_code == 302
    fresh = app.test_client()
    assert fresh.post("/console/login", data={"email": user.email, "password": new}
                      ).status_code == 302


def test_dashboard_lists_open_incidents_and_upcoming_maintenance(
    client: FlaskClient, login: LoginHelper, factory: Factory
) -> None:
    from statuspage.incidents.lifecycle import resolve_incident

    api = factory.component("API")
    open_one = factory.incident("Checkout errors", components={api: "partial_outage"})
    closed = factory.incident("Old outage")
    resolve_incident(closed, "Fixed.", None)
    upcoming = factory.maintenance("Database upgrade", components=[api])
    login(client, role="viewer")
    html = client.get("/console/").get_data(as_text=True)
    assert "Checkout errors" in html and "Database upgrade" in html
    assert "Old outage" not in html
    assert f'id="incident-{open_one.public_id}"' in html
    assert f'id="maintenance-{upcoming.public_id}"' in html
    if "console.incident_detail" in client.application.view_functions:
        from flask import url_for

        with client.application.test_request_context():
            assert url_for("console.incident_detail", public_id=open_one.public_id) in html
