"""Helpers for the management API tests: tokens, auth headers and page-scoped paths."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from statuspage.accounts.api_tokens import create_token
from statuspage.page.record import get_page


def new_token(scope: str = "write", name: str | None = None) -> str:
    """A fresh token's clear value."""
    return create_token(name or f"{scope}-bot-{_next()}", scope, None).secret


_counter = iter(range(1, 1_000_000))


def _next() -> int:
    return next(_counter)


def auth(secret: str, scheme: str = "Bearer") -> dict[str, str]:
    return {"Authorization": f"{scheme} {secret}"}


def page_path(suffix: str = "") -> str:
    """`/api/v1/pages/<our page id>/<suffix>`."""
    return f"/api/v1/pages/{get_page().public_id}/{suffix}".rstrip("/")


def call(client: FlaskClient, method: str, suffix: str, secret: str,
         json: Any = None, **kwargs: Any) -> TestResponse:
    """One API request with a token, to a path under our page."""
    return client.open(page_path(suffix), method=method, json=json,
                       headers=auth(secret), **kwargs)
