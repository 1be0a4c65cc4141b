"""The response cache on the real public routes: `/`, `/api/v2/summary.json`, history, feeds.

tests/test_cache.py checks each cache property on small test views; these check that the real
routes get them, and that a publish reaches readers of a warm cache in this instance at once
and in another instance within CACHE_CHECK_SECONDS.
"""

from __future__ import annotations

import gzip
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update, resolve_incident
from statuspage.incidents.updates import UpdateInput
from tests.conftest import make_app
from tests.factories import Factory

ROUTES = ("/", "/api/v2/summary.json")
CACHED = (*ROUTES, "/history", "/history.rss", "/history.atom")


@pytest.fixture
def web(app: Flask, factory: Factory) -> FlaskClient:
    """The app with a component, re-reading the version only after its own commits."""
    factory.component("API")
    app.config["CACHE_CHECK_SECONDS"] = 3600
    return app.test_client()


def incident_names(client: FlaskClient) -> list[str]:
    return [i["name"] for i in client.get("/api/v2/summary.json").get_json()["incidents"]]


@pytest.mark.parametrize("path", CACHED)
def test_public_route_sends_gzip_with_etag_and_answers_304(
    web: FlaskClient, factory: Factory, path: str
) -> None:
    factory.incident(name="Enough history to compress", body="Looking into it. " * 40)
    plain = web.get(path)
    zipped = web.get(path, headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert "public" in plain.headers["Cache-Control"]
    assert "Accept-Encoding" in plain.headers["Vary"]
    assert "Set-Cookie" not in plain.headers and "Cookie" not in plain.headers["Vary"]

    for response, encoding in ((plain, "identity"), (zipped, "gzip")):
        etag = response.headers["ETag"]
        again = web.get(path, headers={"If-None-Match": etag, "Accept-Encoding": encoding})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == etag


def test_summary_304_keeps_the_cors_header(web: FlaskClient) -> None:
    first = web.get("/api/v2/summary.json")
    again = web.get("/api/v2/summary.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert again.headers["Access-Control-Allow-Origin"] == "*"


def test_publish_reaches_the_next_reader_of_page_and_summary(
    web: FlaskClient, factory: Factory
) -> None:
    api = factory.component("Payments")
    for path in ROUTES:
        web.get(path)
    etag = web.get("/").headers["ETag"]

    incident = factory.incident(name="Payments are failing", components={api: "major_outage"})
    page = web.get("/", headers={"If-None-Match": etag})
    assert page.status_code == 200 and b"Payments are failing" in page.data
    assert incident_names(web) == ["Payments are failing"]

    post_update(incident, UpdateInput(status="identified", body="A bad deploy.",
                                      component_statuses={api.id: "partial_outage"}), None)
    summary = web.get("/api/v2/summary.json").get_json()
    assert summary["incidents"][0]["status"] == "identified"
    assert {c["name"]: c["status"] for c in summary["components"]}["Payments"] == "partial_outage"

    resolve_incident(incident, "Fixed.", None)
    assert incident_names(web) == []


def test_another_instance_serves_the_publish_within_the_check_interval(
    database_url: str, web: FlaskClient, factory: Factory
) -> None:
    other = make_app(database_url, CACHE_CHECK_SECONDS=0.2)
    reader = other.test_client()
    for path in ROUTES:
        assert reader.get(path).status_code == 200  # warm instance B

    statements: list[Any] = []
    with other.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    started = time.monotonic()
    for _ in range(20):
        for path in ROUTES:
            assert reader.get(path).status_code == 200
    elapsed = time.monotonic() - started
    # Forty cached answers cost a version read per interval at most, never a render.
    assert len(statements) <= int(elapsed / 0.2) + 1 < 40

    factory.incident(name="Published through instance A")
    time.sleep(0.25)
    assert b"Published through instance A" in reader.get("/").data
    assert incident_names(reader) == ["Published through instance A"]
