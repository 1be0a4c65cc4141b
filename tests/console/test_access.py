"""Every console route, walked from the URL map, for every role and method.

New console views are picked up automatically: a view without `required_role` (set by
`require_role` or `public_console_route`) fails here, as does one that lets a role in that
is below what it declares, or one that answers an anonymous visitor.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.routing.converters import (
    AnyConverter,
    NumberConverter,
    PathConverter,
    UUIDConverter,
)

from statuspage.console.access import ALLOWED
from statuspage.web.url_rules import converter_of
from tests.console.conftest import LoginHelper

ROLES = ("viewer", "communicator", "admin")
# POST routes a viewer may use: their own session and account (password, two-factor).
SELF_SERVICE = ("console.logout", "console.account")
# A number or id that names nothing, so an allowed request cannot change a real object.
MISSING_INT, MISSING_ID = 987654321, "xxxxxxxxxxxx"


def _placeholder(rule: Rule, name: str) -> object:
    converter = converter_of(rule, name)
    if isinstance(converter, NumberConverter):
        return MISSING_INT
    if isinstance(converter, UUIDConverter):
        return UUID(int=0)
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    if isinstance(converter, PathConverter):
        return "x/" + MISSING_ID
    return MISSING_ID


def console_requests(app: Flask) -> Iterator[tuple[str, str, str]]:
    """(endpoint, method, url) for every console rule and method."""
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if not rule.endpoint.startswith("console."):
                continue
            values = {name: _placeholder(rule, name) for name in rule.arguments}
            url = adapter.build(rule.endpoint, values, force_external=False)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, url


def _role_of(app: Flask, endpoint: str) -> str | None:
    return app.view_functions[endpoint].required_role


def test_every_console_view_declares_its_role(app: Flask) -> None:
    endpoints = {e for e, _, _ in console_requests(app)}
    assert {"console.dashboard", "console.login", "console.users"} <= endpoints
    undeclared = [e for e in endpoints if not hasattr(app.view_functions[e], "required_role")]
    assert undeclared == [], f"console views without require_role: {undeclared}"
    unknown = [e for e in endpoints if _role_of(app, e) not in (*ALLOWED, None)]
    assert unknown == []
    public = sorted(e for e in endpoints if _role_of(app, e) is None)
    assert public == ["console.login", "console.login_totp"]


def test_anonymous_visitors_are_sent_to_the_login_page(app: Flask) -> None:
    client = app.test_client()
    for endpoint, method, url in console_requests(app):
        response = client.open(url, method=method)
        if _role_of(app, endpoint) is None:
            assert response.status_code < 500, (method, url)
            continue
        assert response.status_code == 302, (method, url, response.status_code)
        location = response.headers["Location"]
        assert location.startswith("/console/login?next="), (method, url, location)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_the_view_requires(
    app: Flask, login: LoginHelper, role: str
) -> None:
    logged_in = app.test_client()
    login(logged_in, role=role)
    cookie = logged_in.get_cookie("session")
    assert cookie is not None
    # Logout ends the session on the server, so it goes last.
    requests = sorted(console_requests(app), key=lambda r: r[0] == "console.logout")
    for endpoint, method, url in requests:
        required = _role_of(app, endpoint)
        if required is None:
            continue
        # A fresh client with the same session for each request, so a changed password in
        # one request cannot affect the next.
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
        response = client.open(url, method=method)
        allowed = role in ALLOWED[required]
        if allowed:
            assert response.status_code != 403, (role, method, url)
            assert response.status_code < 500, (role, method, url, response.status_code)
            assert not response.headers.get("Location", "").startswith("/console/login?"), (
                role, method, url)
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)


def test_viewers_cannot_post_anywhere_but_their_own_account(app: Flask, login: LoginHelper) -> None:
    client = app.test_client()
    login(client, role="viewer")
    posts = [(e, url) for e, method, url in console_requests(app) if method == "POST"]
    assert posts, "no console POST routes found"
    for endpoint, url in posts:
        if _role_of(app, endpoint) is None or endpoint.startswith(SELF_SERVICE):
            continue
        assert _role_of(app, endpoint) != "viewer", f"{endpoint} lets viewers change things"
        assert client.post(url).status_code == 403, url

