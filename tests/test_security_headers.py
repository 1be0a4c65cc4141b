"""Security headers: a strict policy on the console, Referrer-Policy on public pages, nosniff on
feeds, calendars, CSS and JSON, HSTS when the public URL is https; embedding and public caching
unchanged."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.models import Subscriber
from statuspage.subscriptions.links import manage_path
from tests.conftest import make_app
from tests.delivery_support import add_subscribers
from tests.factories import Factory


def test_public_pages_send_a_referrer_policy_and_stay_cacheable_and_embeddable(
    client: FlaskClient, factory: Factory
) -> None:
    factory.component("API")
    page = client.get("/")
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert page.headers["Cache-Control"].startswith("public")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    embed = client.get("/embed")
    assert embed.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    assert embed.headers["Cache-Control"].startswith("public")
    again = client.get("/", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("path", [
    "/history.rss", "/history.atom", "/maintenance.ics", "/theme.css", "/badge.svg",
    "/api/v2/summary.json", "/static/public.css", "/embed.js", "/healthz",
])
def test_feeds_calendars_css_and_json_are_not_sniffed(
    client: FlaskClient, factory: Factory, path: str
) -> None:
    factory.component("API")
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_an_incident_ics_is_not_sniffed(client: FlaskClient, factory: Factory) -> None:
    incident = factory.maintenance("Database upgrade")
    response = client.get(f"/incidents/{incident.public_id}.ics")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_when_the_public_url_is_https(database_url: str, app: Flask) -> None:
    secure = make_app(database_url, PUBLIC_BASE_URL="https://status.example.com")
    plain = make_app(database_url, PUBLIC_BASE_URL="http://127.0.0.1:5000")
    for path in ("/healthz", "/console/login"):
        assert secure.test_client().get(path).headers[
            "Strict-Transport-Security"] == "max-age=31536000"
        assert "Strict-Transport-Security" not in plain.test_client().get(path).headers


def test_personal_pages_keep_their_stricter_referrer_policy(client: FlaskClient) -> None:
    (subscriber_id,) = add_subscribers(1, address=lambda n: "reader@example.org")
    subscriber = db.session.get(Subscriber, subscriber_id)
    response = client.get(manage_path(subscriber))
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
