"""While the database is unavailable, public pages answer from the cache or with a clean 503.

The outage is an OperationalError raised on every statement (as psycopg raises for a refused
or dropped connection); tests/faults/ cut and hang a real PostgreSQL connection.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from statuspage.core.extensions import db
from statuspage.models import Incident
from tests.factories import PASSWORD, Factory
from tests.test_cache import add_test_routes


def _refuse(*args: Any) -> None:
    raise OperationalError("SELECT", {}, ConnectionError("connection refused"))


@pytest.fixture
def web(app: Flask) -> FlaskClient:
    add_test_routes(app, Counter())

    @app.get("/t/uncached")
    def uncached() -> str:
        return str(db.session.execute(select(Incident.id)).first())

    app.config["CACHE_CHECK_SECONDS"] = 0.0
    app.config["CACHE_MAX_AGE"] = 0  # every entry is past its age at once
    return app.test_client()


@pytest.fixture
def database_down(app: Flask) -> Iterator[None]:
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", _refuse)


def test_the_last_rendered_page_is_served_however_old(web: FlaskClient, app: Flask) -> None:
    page = web.get("/t/page").data
    summary = web.get("/t/api/summary.json").json
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _refuse)
    try:
        assert web.get("/t/page").data == page
        assert web.get("/t/api/summary.json").json == summary
    finally:
        event.remove(engine, "before_cursor_execute", _refuse)


@pytest.mark.usefixtures("database_down")
def test_a_page_never_rendered_gets_a_clean_503(web: FlaskClient,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    html = web.get("/t/page")
    assert html.status_code == 503 and html.mimetype == "text/html"
    assert b"cannot be shown right now" in html.data and b"Traceback" not in html.data
    assert web.get("/t/api/summary.json").status_code == 503
    api = web.get("/api/v2/summary.json")  # a real cached API route: JSON, not a page
    assert api.status_code == 503 and api.json["error"] == "Service Unavailable"
    assert not any(record.exc_info for record in caplog.records)


@pytest.mark.usefixtures("database_down")
def test_any_route_whose_database_is_unavailable_answers_503(web: FlaskClient) -> None:
    response = web.get("/t/uncached")
    assert response.status_code == 503 and b"Traceback" not in response.data
    assert b"cannot be shown right now" in response.data
    assert web.get("/healthz").status_code == 200
    ready = web.get("/readyz")
    assert ready.status_code == 503 and ready.json["database"] == "OperationalError"


def test_a_signed_in_console_user_gets_the_503_page_too(app: Flask, factory: Factory) -> None:
    incident = factory.incident().public_id
    user = factory.user(role="admin")
    console = app.test_client()
    assert console.post("/console/login", data={"email": user.email,
                                                "password": PASSWORD}).status_code == 302
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _refuse)
    try:
        for path in ("/console/", f"/console/incidents/{incident}"):
            response = console.get(path)
            assert response.status_code == 503, path
            assert b"cannot be shown right now" in response.data
    finally:
        event.remove(engine, "before_cursor_execute", _refuse)


def test_healthz_reads_nothing_from_the_database_even_for_a_signed_in_user(
    app: Flask, factory: Factory
) -> None:
    user = factory.user(role="admin")
    console = app.test_client()
    assert console.post("/console/login", data={"email": user.email,
                                                "password": PASSWORD}).status_code == 302
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert console.get("/healthz").status_code == 200
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements == []
