"""Console fixtures: log a test client in as a user of a given role."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient

from statuspage.accounts import users as accounts
from statuspage.models import User
from tests.factories import PASSWORD, Factory

LoginHelper = Callable[..., User]


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2, with test-sized costs: these tests hash and verify many passwords."""
    monkeypatch.setattr(accounts, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def csrf_token(client: FlaskClient, path: str = "/console/login") -> str:
    """The CSRF token a console form page hands this client."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no csrf_token field on {path}"
    return match.group(1)


@pytest.fixture
def login(factory: Factory) -> LoginHelper:
    """`login(client, role="viewer", **user_fields) -> User`: a new user, logged in for real.

    Pass `user=` to log an existing user in instead. Goes through the login form, so it also
    works on an app with CSRF protection on.
    """

    def _login(client: FlaskClient, role: str = "admin", user: User | None = None,
               password: str = PASSWORD, **fields: Any) -> User:
        if user is None:
            user = factory.user(role=role, password=password, **fields)
        data = {"email": user.email, "password": password}
        if client.application.config["WTF_CSRF_ENABLED"]:
            data["csrf_token"] = csrf_token(client)
        response = client.post("/console/login", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return _login
