"""Each process type stands alone: a worker killed with SIGKILL leaves the web serving, and a
worker started again (as systemd's Restart= does) picks up what was published meanwhile."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.models import Delivery, FanoutEvent
from statuspage.models.deliveries import QUEUED, SENDING
from tests.delivery_support import add_subscribers
from tests.factories import Factory
from tests.faults.console import Console
from tests.faults.site import FaultySite, faulty_site, needs_postgres

pytestmark = [pytest.mark.faults, pytest.mark.slow, needs_postgres]
SUBSCRIBERS = 25


@pytest.fixture
def site(tmp_path: Path) -> Iterator[FaultySite]:
    # No REDIS_URL: the queue is the embedded SQLite file in the shared instance folder.
    with faulty_site(tmp_path, WEB_CONCURRENCY="1") as site:
        with site.app.app_context():
            factory = Factory()
            site.incident_id = factory.incident().public_id  # type: ignore[attr-defined]
            site.email = factory.user(role="admin").email  # type: ignore[attr-defined]
            add_subscribers(SUBSCRIBERS)
            db.session.commit()
            db.session.remove()
        site.start("web")
        site.start("worker")
        site.wait_ready()
        yield site


def _progress(site: FaultySite) -> tuple[int, int]:
    """(deliveries made, deliveries still to send) read fresh."""
    with site.app.app_context():
        total = db.session.execute(select(func.count()).select_from(Delivery)).scalar() or 0
        unsent = db.session.execute(select(func.count()).select_from(Delivery).where(
            Delivery.state.in_([QUEUED, SENDING]))).scalar() or 0
        db.session.remove()
    return int(total), int(unsent)


def test_the_web_serves_without_its_worker_and_a_restarted_worker_catches_up(
    site: FaultySite,
) -> None:
    console = Console(site.url, site.email)  # type: ignore[attr-defined]
    site.kill("worker")
    for path in ("/healthz", "/readyz", "/", "/history"):
        assert site.get(path).status == 200, path
    answer = console.post_update(site.incident_id, "Found it.")  # type: ignore[attr-defined]
    assert answer.status_code == 200 and "Update published" in answer.text
    time.sleep(2)
    assert _progress(site) == (0, 0)  # nobody consumes the queue
    with site.app.app_context():
        latest = select(FanoutEvent.state).order_by(FanoutEvent.id.desc()).limit(1)
        assert db.session.execute(latest).scalar() == "pending"
        db.session.remove()
    assert site.procs["web"].poll() is None  # the web process did not follow the worker down

    site.start("worker")
    started = time.monotonic()
    while _progress(site) != (SUBSCRIBERS, 0):
        assert time.monotonic() - started < 30, site.log_tail()
        time.sleep(0.5)
