"""Console privacy page: an admin looks one person up, downloads what is held about them and
erases it after a confirmation step; both audited with the address masked. Nobody else may."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import AuditEntry
from tests.conftest import make_app
from tests.console.conftest import LoginHelper, csrf_token
from tests.console.subscriber_helpers import make_subscriber
from tests.privacy_support import where_text_is
from tests.subscription_support import NO_MOBILE, reloaded

ADDRESS = "jane.doe@example.com"


def _audit(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.execute(select(AuditEntry).where(AuditEntry.action == action))
                .scalars())


def test_the_page_is_labelled_and_reached_from_a_subscriber(
        client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="admin")
    jane = make_subscriber(ADDRESS)

    detail = client.get(f"/console/subscribers/{jane.public_id}").get_data(as_text=True)
    assert f'href="/console/privacy?subscriber={jane.public_id}"' in detail
    html = client.get(f"/console/privacy?subscriber={jane.public_id}").get_data(as_text=True)

    assert re.search(r'<label for="address">Email address, phone number or webhook URL'
                     r'</label>', html)
    assert f'value="{ADDRESS}"' in html  # filled in, never put in a URL
    assert 'href="/console/privacy"' in html  # in the navigation


def test_lookup_shows_what_is_held_and_export_downloads_it(
        client: FlaskClient, login: LoginHelper) -> None:
    admin = login(client, role="admin")
    make_subscriber(NO_MOBILE, channel="sms", consent_ip="198.51.100.23")

    html = client.post("/console/privacy", data={"address": "+47 406 12 345"}
                       ).get_data(as_text=True)
    assert f"Held about {NO_MOBILE}" in html and "state-active" in html
    response = client.post("/console/privacy/export", data={"address": "0047 40612345"})

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="personal-data-')
    document = json.loads(response.get_data(as_text=True))
    assert document["subscription"]["address"] == NO_MOBILE
    assert document["subscription"]["consent"]["ip"] == "198.51.100.23"
    [entry] = _audit("privacy.export")
    assert (entry.actor_id, entry.details["address"]) == (admin.id, "+47***45")
    assert NO_MOBILE not in json.dumps(entry.details)


def test_erase_asks_first_then_erases_and_is_audited(
        client: FlaskClient, login: LoginHelper) -> None:
    admin = login(client, role="admin")
    jane = make_subscriber(ADDRESS)

    confirm = client.post("/console/privacy/erase", data={"address": ADDRESS})
    assert confirm.status_code == 200
    assert "Erase everything held about jane.doe@example.com?" in confirm.get_data(as_text=True)
    assert reloaded(jane).erased_at is None and _audit("privacy.erase") == []

    done = client.post("/console/privacy/erase", data={"address": ADDRESS, "confirm": "yes"})

    assert done.status_code == 303 and done.headers["Location"].endswith("/console/privacy")
    assert where_text_is(ADDRESS) == []
    [entry] = _audit("privacy.erase")
    assert (entry.actor_id, entry.details["address"]) == (admin.id, "j***@e***.com")
    page = client.get("/console/privacy").get_data(as_text=True)
    assert "Everything held about j***@e***.com was erased." in page


def test_a_bad_address_is_refused_on_the_field(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="admin")
    response = client.post("/console/privacy/erase", data={"address": "nonsense",
                                                           "confirm": "yes"})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert _audit("privacy.erase") == []


@pytest.mark.parametrize("role", ["communicator", "viewer", None])
def test_only_admins_may_look_up_export_or_erase(
        client: FlaskClient, login: LoginHelper, role: str | None) -> None:
    if role:
        login(client, role=role)
    jane = make_subscriber(ADDRESS)
    expected = 403 if role else 302  # anonymous: to the login page
    assert client.get("/console/privacy").status_code == expected
    for path in ("/console/privacy", "/console/privacy/export", "/console/privacy/erase"):
        response = client.post(path, data={"address": ADDRESS, "confirm": "yes"})
        assert response.status_code == expected, path
    assert reloaded(jane).erased_at is None
    assert _audit("privacy.export") == _audit("privacy.erase") == []


@pytest.fixture
def csrf_app(database_url: str, app: Flask) -> Flask:
    return make_app(database_url, WTF_CSRF_ENABLED=True)


def test_erase_and_export_need_the_forms_csrf_token(csrf_app: Flask,
                                                    login: LoginHelper) -> None:
    client = csrf_app.test_client()
    login(client, role="admin")
    jane = make_subscriber(ADDRESS)

    for path in ("/console/privacy/export", "/console/privacy/erase"):
        response = client.post(path, data={"address": ADDRESS, "confirm": "yes"})
        assert response.status_code == 400, path
    assert reloaded(jane).erased_at is None and _audit("privacy.export") == []

    token = csrf_token(client, "/console/privacy")
    response = client.post("/console/privacy/erase",
                           data={"address": ADDRESS, "confirm": "yes", "csrf_token": token})
    assert response.status_code == 303
    assert reloaded(jane).erased_at is not None
