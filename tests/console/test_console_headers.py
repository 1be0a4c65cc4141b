"""The console's security headers: a strict Content-Security-Policy (no inline script), never
framed, never stored, no referrer to other sites; and templates that need no inline script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from statuspage import ROOT
from tests.console.conftest import LoginHelper
from tests.factories import Factory


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in policy.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


def _assert_console_headers(response: TestResponse) -> None:
    csp = _directives(response.headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["default-src"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert response.headers["Cache-Control"] == "no-store"


def test_console_pages_send_a_strict_policy_and_are_never_stored(
    client: FlaskClient, login: LoginHelper, factory: Factory
) -> None:
    _assert_console_headers(client.get("/console/login"))
    login(client, role="admin")
    incident = factory.incident("Checkout errors")
    for path in ("/console/", "/console/outbox", "/console/users", "/console/account",
                 f"/console/incidents/{incident.public_id}", "/console/no-such-page"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        _assert_console_headers(response)


TEMPLATES = Path(ROOT) / "templates"
CONSOLE_TEMPLATES = [*sorted((TEMPLATES / "console").glob("*.html")), TEMPLATES / "error.html"]
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize("template", CONSOLE_TEMPLATES, ids=lambda p: p.name)
def test_console_templates_need_no_inline_script(template: Path) -> None:
    """What the console's script-src 'self' would block: inline scripts, handlers, js: URLs."""
    text = template.read_text()
    assert not _INLINE_SCRIPT.search(text)
    assert not _HANDLER.search(text)
    assert "javascript:" not in text.lower()
