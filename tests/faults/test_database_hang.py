"""A hung database does not hang the web tier (the Procfile's gunicorn on PostgreSQL).

The web process reaches PostgreSQL through a FaultProxy; `hang()` keeps its connections open
while nothing passes (what no server-side timeout can end), `cut()` resets them.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from statuspage.core.extensions import db
from tests.factories import Factory
from tests.faults.console import Console
from tests.faults.site import FaultySite, faulty_site, needs_postgres

pytestmark = [pytest.mark.faults, pytest.mark.slow, needs_postgres]


@pytest.fixture
def site(tmp_path: Path) -> FaultySite:
    # One web worker: the response cache is per process, and which of two workers answers a
    # request is up to the kernel, so a page warmed in one could be asked of the other.
    with faulty_site(tmp_path, DATABASE_CHECK_TIMEOUT_SECONDS="1", CACHE_CHECK_SECONDS="0.2",
                     WEB_CONCURRENCY="1") as site:
        with site.app.app_context():
            incident = Factory().incident(name="Checkout is slow")
            site.incident_id = incident.public_id  # type: ignore[attr-defined]
            site.email = Factory().user(role="admin").email  # type: ignore[attr-defined]
            db.session.remove()
        site.start("web")
        site.wait_ready()
        yield site


def _wait_ready(site: FaultySite) -> None:
    deadline = time.monotonic() + 30
    while site.get("/readyz").status != 200:
        assert time.monotonic() < deadline, site.log_tail()
        time.sleep(0.2)


def test_while_the_database_hangs_probes_answer_and_cached_pages_are_served(
    site: FaultySite,
) -> None:
    front = site.get("/")
    history = site.get("/history")
    assert front.status == history.status == 200 and b"Checkout is slow" in front.body
    console = Console(site.url, site.email)  # type: ignore[attr-defined]
    site.pg.hang()
    time.sleep(1.2)  # past the check intervals: the next request asks the database

    # The first request to meet the hang needs the database (a signed-in console page): it
    # checks first, within the deadline, and answers 503 instead of holding the worker.
    started = time.monotonic()
    answer = console.http.get(f"{site.url}/console/", timeout=40)
    assert answer.status_code == 503 and time.monotonic() - started < 3
    site.pg.restore()
    _wait_ready(site)
    site.pg.hang()
    time.sleep(1.2)

    # The first visitor meets the hang: answered from the cache once the check's deadline
    # passes. Later visitors are answered at once.
    for path, before in (("/", front), ("/history", history), ("/", front)):
        answer = site.get(path)
        assert (answer.status, answer.body) == (200, before.body), path
        assert answer.seconds < 3, (path, answer.seconds)
    healthz = site.get("/healthz")
    assert healthz.status == 200 and healthz.seconds < 1
    ready = site.get("/readyz")
    assert ready.status == 503 and ready.seconds < 3
    assert json.loads(ready.body)["database"] != "ok"
    # Never rendered: a clean 503 page, not a hang or a traceback; so is any page needing
    # the database (the console's login reads the page's settings).
    for path in ("/history.rss", f"/incidents/{site.incident_id}",  # type: ignore[attr-defined]
                 "/console/login"):
        answer = site.get(path)
        assert answer.status == 503 and answer.seconds < 3, (path, answer)
        assert b"Traceback" not in answer.body
    # A signed-in console user too: the error page does not load the user from the database.
    for path in ("/console/", f"/console/incidents/{site.incident_id}"):  # type: ignore
        started = time.monotonic()
        answer = console.http.get(site.url + path, timeout=40)
        assert answer.status_code == 503 and time.monotonic() - started < 3, (path, site.log_tail())

    # Many visitors at once: every one answered quickly, /healthz included.
    answers: list[tuple[str, int, float]] = []

    def visit(path: str) -> None:
        answer = site.get(path)
        answers.append((path, answer.status, answer.seconds))

    threads = [threading.Thread(target=visit, args=(path,))
               for path in ["/", "/history", "/healthz", "/console/login"] * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 12 and all(seconds < 3 for _, _, seconds in answers), answers
    assert {status for path, status, _ in answers if path != "/console/login"} == {200}

    # The database comes back: ready again, and pages show what was published meanwhile.
    site.pg.restore()
    _wait_ready(site)
    assert site.get("/console/login").status == 200
    with site.app.app_context():
        Factory().incident(name="Search is down")
        db.session.remove()
    deadline = time.monotonic() + 10
    while b"Search is down" not in site.get("/").body:
        assert time.monotonic() < deadline, site.log_tail()
        time.sleep(0.2)
    assert "Traceback" not in site.log_tail()


def test_while_the_database_is_cut_cached_pages_are_served_and_the_rest_is_503(
    site: FaultySite,
) -> None:
    front = site.get("/")
    site.pg.cut()
    time.sleep(0.3)
    answer = site.get("/")
    assert (answer.status, answer.body) == (200, front.body) and answer.seconds < 3
    assert site.get("/history.rss").status == 503
    assert site.get("/readyz").status == 503
    assert site.get("/healthz").status == 200
    site.pg.restore()
    deadline = time.monotonic() + 30
    while site.get("/history.rss").status != 200:
        assert time.monotonic() < deadline, site.log_tail()
        time.sleep(0.2)
    assert "Traceback" not in site.log_tail()
