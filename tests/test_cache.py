"""The public response cache: validators, compression, headers, and freshness after a publish.

Most tests serve small views registered on the test app through `@cached`, so each property is
checked in isolation with a render counter; tests/test_cache_routes.py checks the real routes.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Blueprint, Flask, jsonify, request, session
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident
from statuspage.web import cache as cache_module
from statuspage.web import cache_store
from statuspage.web.cache import cached
from statuspage.web.cache_store import ResponseCache
from tests.conftest import make_app
from tests.factories import Factory

FILLER = "All systems are being watched. " * 40  # past the gzip threshold


def add_test_routes(app: Flask, renders: Counter[str]) -> None:
    """Cached views exercising one property each; `renders` counts real renders per view."""

    @cached
    def page() -> str:
        renders["page"] += 1
        names = db.session.execute(select(Incident.name).order_by(Incident.id)).scalars()
        items = "".join(f"<li>{escape(name)}</li>" for name in names)
        return f"<ul>{items}</ul><p>{FILLER}</p>"

    @cached
    def missing() -> tuple[str, int]:
        renders["missing"] += 1
        return "no such thing", 404

    @cached
    def cookie() -> Any:
        renders["cookie"] += 1
        response = app.make_response(f"<p>{FILLER}</p>")
        response.set_cookie("visitor", "first-visitor-only")
        return response

    @cached
    def greeting() -> str:
        renders["greeting"] += 1
        return f"<p>Hello {escape(session.get('name', 'visitor'))}</p>"

    @cached
    def links() -> str:
        renders["links"] += 1
        return f'<a href="{request.host_url}feed">feed</a>'

    @cached
    def slow() -> str:
        renders["slow"] += 1
        time.sleep(0.1)
        return "slow page"

    for view in (page, missing, cookie, greeting, links, slow):
        app.add_url_rule(f"/t/{view.__name__}", f"t_{view.__name__}", view)

    api = Blueprint("t_api", __name__, url_prefix="/t/api")

    @api.after_request
    def _cors(response: Any) -> Any:
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    @api.get("/summary.json")
    @cached
    def summary() -> Any:
        renders["summary"] += 1
        return jsonify(status="ok", filler=FILLER)

    app.register_blueprint(api)


@pytest.fixture
def renders() -> Counter[str]:
    return Counter()


@pytest.fixture
def cached_app(app: Flask, renders: Counter[str]) -> Flask:
    """The test app with the cached test views; the version is re-read only after a commit."""
    add_test_routes(app, renders)
    app.config["CACHE_CHECK_SECONDS"] = 3600
    return app


@pytest.fixture
def web(cached_app: Flask) -> FlaskClient:
    return cached_app.test_client()


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """SQL statements run on the current app's engine while the test runs."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_response_has_an_etag_and_a_matching_if_none_match_gets_304(
    web: FlaskClient, renders: Counter[str]
) -> None:
    first = web.get("/t/page")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('"')

    again = web.get("/t/page", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert "max-age" in again.headers["Cache-Control"]
    assert "Content-Type" not in again.headers and "Content-Encoding" not in again.headers

    other = web.get("/t/page", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data
    assert renders["page"] == 1  # all three served from one render


def test_either_encodings_etag_revalidates(web: FlaskClient) -> None:
    zipped = web.get("/t/page", headers={"Accept-Encoding": "gzip"})
    plain = web.get("/t/page")
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # two representations
    for etag in (zipped.headers["ETag"], plain.headers["ETag"], f"W/{plain.headers['ETag']}"):
        assert web.get("/t/page", headers={"If-None-Match": etag}).status_code == 304


def test_gzip_is_served_only_to_clients_that_accept_it(web: FlaskClient) -> None:
    plain = web.get("/t/page")
    assert "Content-Encoding" not in plain.headers
    assert FILLER.encode() in plain.data

    zipped = web.get("/t/page", headers={"Accept-Encoding": "br, gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data)
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.mimetype == plain.mimetype == "text/html"

    refused = web.get("/t/page", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data


def test_headers_let_browsers_and_cdns_cache_per_encoding_and_language(
    web: FlaskClient,
) -> None:
    response = web.get("/t/page")
    cache_control = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert "public" in cache_control and "max-age=30" in cache_control
    vary = {part.strip() for part in response.headers["Vary"].split(",")}
    assert {"Accept-Encoding", "Accept-Language"} <= vary


def test_head_answers_with_the_get_headers_and_no_body(
    web: FlaskClient, renders: Counter[str]
) -> None:
    get = web.get("/t/page")
    head = web.head("/t/page")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert renders["page"] == 1


def test_publish_is_visible_to_the_next_reader_despite_a_warm_cache(
    cached_app: Flask, web: FlaskClient, factory: Factory, renders: Counter[str]
) -> None:
    web.get("/t/page")
    assert web.get("/t/page").status_code == 200 and renders["page"] == 1  # warm

    incident = factory.incident(name="Checkout is failing")
    assert b"Checkout is failing" in web.get("/t/page").data

    incident.name = "Checkout is slow"  # published with the next update, as the console does
    post_update(incident, UpdateInput(status="monitoring", body="A fix is out."), None)
    assert b"Checkout is slow" in web.get("/t/page").data
    assert renders["page"] == 3


def test_a_version_read_racing_a_local_commit_is_not_trusted(cached_app: Flask) -> None:
    cache: ResponseCache = cached_app.extensions["statuspage_cache"]
    version = cache.version(3600)  # checked; the next call is free
    assert cache.version(3600) == version

    def commit_lands_during_the_read(*args: Any) -> None:
        cache.mark_stale()  # what after_commit does when this process publishes meanwhile

    event.listen(db.engine, "before_cursor_execute", commit_lands_during_the_read, once=True)
    cache.mark_stale()
    cache.version(3600)  # read started before the commit: its answer may predate it
    seen: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    cache.version(3600)
    assert len(seen) == 1  # so the next request reads the version again


def test_rolled_back_publish_does_not_mark_the_cache_stale(
    cached_app: Flask, statements: list[str]
) -> None:
    from statuspage.page.record import get_page, touch_page

    cache: ResponseCache = cached_app.extensions["statuspage_cache"]
    get_page()
    db.session.commit()
    cache.version(3600)
    touch_page()
    db.session.rollback()
    db.session.commit()  # an unrelated later commit
    statements.clear()
    cache.version(3600)
    assert statements == []


def test_publish_through_another_instance_is_served_within_the_check_interval(
    database_url: str, app: Flask, factory: Factory
) -> None:
    renders_b: Counter[str] = Counter()
    other = make_app(database_url, CACHE_CHECK_SECONDS=0.2)
    add_test_routes(other, renders_b)
    reader = other.test_client()
    assert reader.get("/t/page").status_code == 200  # warm instance B

    seen: list[str] = []
    with other.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    started = time.monotonic()
    for _ in range(30):
        assert reader.get("/t/page").status_code == 200
    elapsed = time.monotonic() - started
    assert renders_b["page"] == 1
    # One version read per interval at most, not one per request.
    assert len(seen) <= int(elapsed / 0.2) + 1 < 30

    factory.incident(name="Published through instance A")  # the `app` fixture's instance
    time.sleep(0.25)
    assert b"Published through instance A" in reader.get("/t/page").data


def test_entries_expire_after_cache_max_age(
    web: FlaskClient, renders: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    # The store checks an entry's age; the cache stamps a new entry with the time.
    monkeypatch.setattr(cache_store, "monotonic_now", lambda: clock[0])
    monkeypatch.setattr(cache_module, "monotonic_now", lambda: clock[0])
    web.get("/t/page")
    clock[0] += 29
    web.get("/t/page")
    assert renders["page"] == 1
    clock[0] += 2  # 31 s after the render, past CACHE_MAX_AGE = 30
    web.get("/t/page")
    assert renders["page"] == 2


def test_cache_holds_a_bounded_number_of_entries(
    cached_app: Flask, web: FlaskClient, renders: Counter[str]
) -> None:
    cache: ResponseCache = cached_app.extensions["statuspage_cache"]
    cache.max_entries = 5
    for n in range(40):
        web.get(f"/t/page?utm_source={n}")
    assert len(cache) == 5
    web.get("/t/page?utm_source=39")  # the newest are kept
    assert renders["page"] == 40


def test_cache_holds_a_bounded_number_of_bytes(cached_app: Flask, web: FlaskClient) -> None:
    cache: ResponseCache = cached_app.extensions["statuspage_cache"]
    web.get("/t/page")
    one_page = cache.size_bytes
    cache.max_bytes = 3 * one_page + one_page // 2
    for n in range(10):
        web.get(f"/t/page?utm_source={n}")
    assert len(cache) == 3
    assert cache.size_bytes == 3 * one_page <= cache.max_bytes


def test_error_responses_are_not_cached(web: FlaskClient, renders: Counter[str]) -> None:
    for _ in range(2):
        response = web.get("/t/missing")
        assert response.status_code == 404
        assert "ETag" not in response.headers
        assert "public" not in response.headers.get("Cache-Control", "")
    assert renders["missing"] == 2


def test_304_and_200_carry_headers_set_by_the_blueprints_after_request(
    web: FlaskClient, renders: Counter[str]
) -> None:
    first = web.get("/t/api/summary.json")
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert first.json["status"] == "ok"
    again = web.get("/t/api/summary.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    assert again.headers["ETag"] == first.headers["ETag"]
    assert renders["summary"] == 1


def test_cookie_set_while_rendering_is_never_replayed(
    web: FlaskClient, renders: Counter[str]
) -> None:
    web.get("/t/cookie")
    replay = web.get("/t/cookie")
    assert renders["cookie"] == 1
    assert "Set-Cookie" not in replay.headers


def test_render_that_reads_the_visitors_session_is_not_shared(
    cached_app: Flask, renders: Counter[str]
) -> None:
    alice = cached_app.test_client()
    with alice.session_transaction() as data:
        data["name"] = "Alice"
    assert b"Hello Alice" in alice.get("/t/greeting").data
    stranger = cached_app.test_client().get("/t/greeting")
    assert b"Alice" not in stranger.data and b"Hello visitor" in stranger.data
    assert "public" not in stranger.headers["Cache-Control"]
    assert renders["greeting"] == 2


def test_forged_host_header_cannot_poison_the_shared_entry(web: FlaskClient) -> None:
    forged = web.get("/t/links", headers={"Host": "evil.example"})
    assert b"evil.example" in forged.data
    assert b"evil.example" not in web.get("/t/links").data


def test_concurrent_misses_render_once(cached_app: Flask, renders: Counter[str]) -> None:
    statuses: list[int] = []

    def visit() -> None:
        statuses.append(cached_app.test_client().get("/t/slow").status_code)

    threads = [threading.Thread(target=visit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 6
    assert renders["slow"] == 1


def test_cached_pages_stay_up_when_the_version_check_fails(
    cached_app: Flask, web: FlaskClient
) -> None:
    page = web.get("/t/page").data
    cached_app.config["CACHE_CHECK_SECONDS"] = 0.0

    def database_down(*args: Any) -> None:
        raise OperationalError("SELECT", {}, ConnectionError("connection refused"))

    event.listen(db.engine, "before_cursor_execute", database_down)
    try:
        response = web.get("/t/page")
    finally:
        event.remove(db.engine, "before_cursor_execute", database_down)
    assert response.status_code == 200 and response.data == page
