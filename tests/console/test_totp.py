"""TOTP enrolment from the account page, and logging in with a code or a recovery code."""

from __future__ import annotations

import re

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.accounts import twofactor
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import AuditEntry, RecoveryCode, User
from tests.console.conftest import LoginHelper
from tests.factories import PASSWORD, Factory


def _enrol(client: FlaskClient) -> tuple[str, list[str]]:
    """Enable TOTP through the account pages; returns the secret and the recovery codes."""
    assert client.post("/console/account/totp/begin").status_code == 302
    setup = client.get("/console/account/totp").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', setup).group(1)
    shown = client.post("/console/account/totp", data={"code": pyotp.TOTP(secret).now()})
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", shown.get_data(as_text=True))
    return secret, codes


@pytest.fixture
def totp_user(app: Flask, factory: Factory) -> tuple[User, str, list[str]]:
    user = factory.user(role="communicator")
    enrolment = twofactor.begin_enrolment(user, "Acme")
    codes = twofactor.confirm_enrolment(user, enrolment.secret,
                                        pyotp.TOTP(enrolment.secret).now())
    return user, enrolment.secret, codes


def _password_step(client: FlaskClient, user: User, next_url: str = "") -> None:
    response = client.post("/console/login", data={"email": user.email, "password": PASSWORD,
                                                   "next": next_url})
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/login/totp"


def test_enrolment_shows_secret_and_uri_and_needs_a_valid_code(
    client: FlaskClient, login: LoginHelper
) -> None:
    user = login(client, role="viewer")
    client.post("/console/account/totp/begin")
    setup = client.get("/console/account/totp").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', setup).group(1)
    assert "otpauth://totp/" in setup and f"secret={secret}" in setup
    refused = client.post("/console/account/totp", data={"code": "000000"})
    assert "not valid" in refused.get_data(as_text=True)
    db.session.refresh(user)
    assert user.totp_secret is None  # not active until a correct code is given

    confirmed = client.post("/console/account/totp", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", confirmed.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.refresh(user)
    assert user.totp_secret == secret
    stored = {r.code_hash for r in RecoveryCode.query.filter_by(user_id=user.id)}
    assert len(stored) == 10 and not stored & set(codes)  # only hashes are kept
    # The codes are shown once: the setup page now just leads back to the account.
    assert client.get("/console/account/totp").status_code == 302
    assert "10 unused recovery codes" in client.get("/console/account").get_data(as_text=True)
    assert AuditEntry.query.filter_by(action="totp.enable", actor_id=user.id).count() == 1


def test_login_with_totp_needs_the_code_after_the_password(
    client: FlaskClient, totp_user: tuple[User, str, list[str]]
) -> None:
    user, secret, _ = totp_user
    _password_step(client, user, "/console/account")
    assert client.get("/console/").status_code == 302  # not logged in yet
    response = client.post("/console/login/totp", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/account"
    assert client.get("/console/").status_code == 200
    success = AuditEntry.query.filter_by(action="login.success").one()
    assert success.details == {"method": "totp"}


def test_wrong_totp_code_is_refused(
    client: FlaskClient, totp_user: tuple[User, str, list[str]]
) -> None:
    user, secret, _ = totp_user
    _password_step(client, user)
    wrong = str((int(pyotp.TOTP(secret).now()) + 500000) % 1000000).zfill(6)
    response = client.post("/console/login/totp", data={"code": wrong})
    assert response.status_code == 200
    assert "That code is not valid" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302
    failure = AuditEntry.query.filter_by(action="login.failure").one()
    assert failure.details["reason"] == "bad_second_factor"


def test_totp_step_without_a_password_step_goes_back_to_login(
    client: FlaskClient, totp_user: tuple[User, str, list[str]]
) -> None:
    _, secret, _ = totp_user
    response = client.post("/console/login/totp", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/login"
    assert client.get("/console/").status_code == 302


def test_recovery_code_logs_in_once(
    app: Flask, totp_user: tuple[User, str, list[str]]
) -> None:
    user, _, codes = totp_user
    first = app.test_client()
    _password_step(first, user)
    response = first.post("/console/login/totp", data={"code": codes[3].upper()})
    assert response.status_code == 302
    assert first.get("/console/").status_code == 200
    used = AuditEntry.query.filter_by(action="totp.recovery_code_used").one()
    assert used.details == {"remaining": 9}

    second = app.test_client()
    _password_step(second, user)
    again = second.post("/console/login/totp", data={"code": codes[3]})
    assert "That code is not valid" in again.get_data(as_text=True)
    assert second.get("/console/").status_code == 302


def test_enrolment_through_the_pages_then_login(
    app: Flask, client: FlaskClient, login: LoginHelper
) -> None:
    user = login(client, role="viewer")
    secret, codes = _enrol(client)
    assert len(codes) == 10
    other = app.test_client()
    _password_step(other, user)
    assert other.post("/console/login/totp",
                      data={"code": pyotp.TOTP(secret).now()}).status_code == 302


def test_disabling_totp_needs_the_password(
    client: FlaskClient, login: LoginHelper
) -> None:
    user = login(client, role="viewer")
    _enrol(client)
    refused = client.post("/console/account/totp/disable", data={"password": "not my password"})
    assert "password is not correct" in refused.get_data(as_text=True)
    db.session.refresh(user)
    assert user.totp_secret is not None
    response = client.post("/console/account/totp/disable", data={"password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.totp_secret is None
    assert RecoveryCode.query.filter_by(user_id=user.id).count() == 0
    assert AuditEntry.query.filter_by(action="totp.disable").count() == 1


def test_confirming_with_a_code_from_another_secret_fails(factory: Factory) -> None:
    user = factory.user()
    enrolment = twofactor.begin_enrolment(user, "Acme")
    with pytest.raises(DomainError):
        twofactor.confirm_enrolment(user, enrolment.secret,
                                    pyotp.TOTP(pyotp.random_base32()).now())
    assert user.totp_secret is None


def test_second_factor_guesses_are_rate_limited(
    database_url: str, totp_user: tuple[User, str, list[str]]
) -> None:
    from tests.conftest import make_app

    user, secret, _ = totp_user
    limited = make_app(database_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    _password_step(client, user)  # attempt 1 for this address and account
    for _ in range(2):
        assert client.post("/console/login/totp", data={"code": "000000"}).status_code == 200
    blocked = client.post("/console/login/totp", data={"code": pyotp.TOTP(secret).now()})
    assert blocked.status_code == 429
    assert "Too many login attempts" in blocked.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_a_totp_code_cannot_be_replayed(app) -> None:
    import pyotp

    from statuspage.accounts.twofactor import verify_second_factor
    from statuspage.core.errors import DomainError
    from tests.factories import Factory

    user = Factory().user(role="viewer")
    user.totp_secret = pyotp.random_base32()
    from statuspage.core.extensions import db

    db.session.commit()
    code = pyotp.TOTP(user.totp_secret).now()
    assert verify_second_factor(user, code) == "totp"
    import pytest

    with pytest.raises(DomainError):
        verify_second_factor(user, code)
