"""Sessions end on the server at logout, password checks behind a session are throttled, a
pending login allows a bounded number of second-factor codes, and passwords must be strong."""

from __future__ import annotations

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.accounts import twofactor
from statuspage.accounts import users as accounts
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import User
from tests.conftest import make_app
from tests.console.conftest import LoginHelper
from tests.factories import PASSWORD, Factory


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_a_copied_session_cookie_stops_working_after_logout(
    app: Flask, client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="viewer")
    copied = _session_cookie(client)
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/console/account").status_code == 200  # the copy works while logged in
    assert client.post("/console/logout").status_code == 302
    assert client.get("/console/account").status_code == 302
    replay = thief.get("/console/account")
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/console/login")


def test_logging_in_again_after_logout_works(client: FlaskClient, login: LoginHelper) -> None:
    user = login(client, role="viewer")
    client.post("/console/logout")
    login(client, user=user)
    assert client.get("/console/account").status_code == 200


@pytest.fixture
def limited_app(database_url: str, app: Flask) -> Flask:
    return make_app(database_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")


@pytest.mark.parametrize("path,field", [
    ("/console/account/password", "current_password"),
    ("/console/account/totp/disable", "password"),
])
def test_password_checks_behind_a_session_are_throttled_per_user(
    limited_app: Flask, factory: Factory, path: str, field: str
) -> None:
    user = factory.user(role="viewer", totp_secret=pyotp.random_base32())
    stolen = limited_app.test_client()
    _logged_in_session(stolen, user)
    new = "a much better passphrase"
    for _ in range(3):
        wrong = stolen.post(path, data={field: "a wrong guess!!", "new_password": new,
                                        "confirm_password": new})
        assert wrong.status_code == 200
        assert "not correct" in wrong.get_data(as_text=True)
    blocked = stolen.post(path, data={field: PASSWORD, "new_password": new,
                                      "confirm_password": new})
    assert blocked.status_code == 429
    db.session.refresh(user)
    assert accounts.verify_password(user, PASSWORD) and user.totp_secret is not None
    # The limit follows the user, not the session or address: another session is held too.
    other = limited_app.test_client()
    _logged_in_session(other, user)
    assert other.post(path, data={field: PASSWORD, "new_password": new,
                                  "confirm_password": new},
                      environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 429
    # Someone else's checks are not affected.
    bystander = factory.user(role="viewer", totp_secret=pyotp.random_base32())
    third = limited_app.test_client()
    _logged_in_session(third, bystander)
    assert third.post(path, data={field: "a wrong guess!!", "new_password": new,
                                  "confirm_password": new}).status_code == 200


def _logged_in_session(client: FlaskClient, user: User) -> None:
    """A session as Flask-Login writes it after a full login (password and second factor)."""
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True


@pytest.fixture
def totp_user(app: Flask, factory: Factory) -> tuple[User, str]:
    user = factory.user(role="communicator")
    enrolment = twofactor.begin_enrolment(user, "Acme")
    twofactor.confirm_enrolment(user, enrolment.secret, pyotp.TOTP(enrolment.secret).now())
    return user, enrolment.secret


def test_a_pending_login_allows_a_bounded_number_of_codes(
    app: Flask, client: FlaskClient, totp_user: tuple[User, str]
) -> None:
    user, secret = totp_user
    step = client.post("/console/login", data={"email": user.email, "password": PASSWORD})
    assert step.headers["Location"] == "/console/login/totp"
    pending_copy = _session_cookie(client)
    for _ in range(twofactor.MAX_TRIES_PER_LOGIN - 1):
        assert client.post("/console/login/totp", data={"code": "000000"}).status_code == 200
    last = client.post("/console/login/totp", data={"code": "000000"})
    assert last.status_code == 302 and last.headers["Location"] == "/console/login"
    # The pending login is gone: even the right code now sends the user back to the password.
    right = client.post("/console/login/totp", data={"code": pyotp.TOTP(secret).now()})
    assert right.headers["Location"] == "/console/login"
    assert client.get("/console/account").status_code == 302
    # Replaying the cookie from before the wrong codes does not buy more tries.
    replay = app.test_client()
    replay.set_cookie("session", pending_copy)
    again = replay.post("/console/login/totp", data={"code": pyotp.TOTP(secret).now()})
    assert again.headers["Location"] == "/console/login"
    assert replay.get("/console/account").status_code == 302
    # Entering the password again starts a new pending login, with its own tries.
    fresh = app.test_client()
    fresh.post("/console/login", data={"email": user.email, "password": PASSWORD})
    done = fresh.post("/console/login/totp", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and done.headers["Location"] == "/console/"


@pytest.mark.parametrize("weak,why", [
    ("short pw", "at least 12 characters"),
    ("password12345", "too easy to guess"),
    ("qwertyuiop123", "too easy to guess"),
    ("aaaaaaaaaaaaaaaa", "too easy to guess"),
    ("jane.doe@example.com", "email address or name"),
    ("jane.doe-2024-!", "email address or name"),
])
def test_weak_passwords_are_refused_with_advice(factory: Factory, weak: str, why: str) -> None:
    with pytest.raises(DomainError) as refused:
        accounts.create_user("jane.doe@example.com", "Jane Doe", "viewer", weak, None)
    assert why in refused.value.message and refused.value.field == "password"
    assert accounts.find_user("jane.doe@example.com") is None


def test_the_change_password_form_refuses_a_weak_password_and_says_why(
    client: FlaskClient, login: LoginHelper
) -> None:
    user = login(client, role="viewer", name="Kari Nordmann")
    for weak in ("password123456", "kari nordmann 1"):
        refused = client.post("/console/account/password", data={
            "current_password": PASSWORD, "new_password": weak, "confirm_password": weak})
        html = refused.get_data(as_text=True)
        assert "too easy to guess" in html or "email address or name" in html
    db.session.refresh(user)
    assert accounts.verify_password(user, PASSWORD)


def test_the_cli_refuses_a_weak_admin_password(app: Flask, monkeypatch) -> None:
    monkeypatch.setenv("ADMIN_EMAIL", "ops@example.com")
    monkeypatch.setenv("ADMIN_PASSWORD", "password1234")
    result = app.test_cli_runner().invoke(args=["create-admin"])
    assert result.exit_code != 0
    assert "ADMIN_PASSWORD" in result.output and "too easy to guess" in result.output
    assert accounts.find_user("ops@example.com") is None


def test_generated_passwords_pass_the_check(app: Flask) -> None:
    for n in range(20):
        user, password = accounts.create_user(f"gen{n}@example.com", "", "viewer", None, None)
        assert accounts.verify_password(user, password)
