"""Helpers for the content console tests (components, incidents, maintenance).

Imported explicitly by those test modules. Logging in writes Flask-Login's session keys
directly, so these tests exercise the content pages without depending on the login form.
"""

from __future__ import annotations

import re
from html import unescape

from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.models import AuditEntry, User
from statuspage.page.record import get_page
from tests.factories import Factory

ROLES = ("admin", "communicator", "viewer")


def sign_in(client: FlaskClient, user: User) -> User:
    """Log `user` in on `client` the way Flask-Login's login_user would."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return user


def as_role(client: FlaskClient, factory: Factory, role: str) -> User:
    """A new user with `role`, logged in on `client`."""
    return sign_in(client, factory.user(role=role))


def field_error(html: str, name: str) -> str:
    """The error text shown next to field `name` ('' when there is none)."""
    match = re.search(rf'<p class="field-error" id="{re.escape(name)}-error">(.*?)</p>', html,
                      re.S)
    return unescape(match.group(1)).strip() if match else ""


def input_value(html: str, name: str) -> str | None:
    """The value an <input name=...> is rendered with (None when the input is absent)."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    if tag is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else ""


def textarea_value(html: str, name: str) -> str | None:
    match = re.search(rf'<textarea[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</textarea>', html,
                      re.S)
    return unescape(match.group(1)).lstrip("\r\n") if match else None


def set_time_zone(zone: str) -> None:
    get_page().time_zone = zone
    db.session.commit()


def audit_actions() -> list[str]:
    return [entry.action for entry in db.session.query(AuditEntry).order_by(AuditEntry.id)]
