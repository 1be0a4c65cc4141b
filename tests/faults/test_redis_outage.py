"""Redis (the queue) down under a live site: no 500 on the publishing path, /readyz says so, and
delivery resumes within 30 s of Redis returning. Processes: the Procfile's web and worker."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.models import Delivery
from statuspage.models.deliveries import QUEUED, SENDING
from tests.delivery_support import add_subscribers
from tests.factories import Factory
from tests.faults.console import Console
from tests.faults.site import FaultySite, faulty_site, needs_postgres, needs_redis

pytestmark = [pytest.mark.faults, pytest.mark.slow, needs_postgres, needs_redis]
SUBSCRIBERS = 40


@pytest.fixture
def site(tmp_path: Path) -> Iterator[FaultySite]:
    with faulty_site(tmp_path, with_redis=True, WEB_CONCURRENCY="1") as site:
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


def _unsent(site: FaultySite) -> int:
    with site.app.app_context():
        count = db.session.execute(select(func.count()).select_from(Delivery)
                                   .where(Delivery.state.in_([QUEUED, SENDING]))).scalar()
        total = db.session.execute(select(func.count()).select_from(Delivery)).scalar()
        db.session.remove()
    return int(count or 0) if total else -1


@pytest.mark.parametrize("fault", ["cut", "hang"])
def test_publishing_while_redis_is_down_commits_and_delivery_resumes_when_it_returns(
    site: FaultySite, fault: str,
) -> None:
    console = Console(site.url, site.email)  # type: ignore[attr-defined]
    getattr(site.redis, fault)()  # connections reset and refused, or open but silent
    ready = site.get("/readyz")
    assert ready.status == 503 and json.loads(ready.body)["redis"] != "ok"
    assert json.loads(ready.body)["database"] == "ok"
    assert site.get("/").status == 200
    answer = console.post_update(site.incident_id, "Found it.")  # type: ignore[attr-defined]
    assert answer.status_code == 200, answer.text[:3000]
    assert "Update published" in answer.text and "delivery will follow" in answer.text
    assert b"Found it." in site.get(f"/incidents/{site.incident_id}").body  # type: ignore
    time.sleep(3)
    assert _unsent(site) == -1  # nothing expanded while the queue is down

    site.redis.restore()  # type: ignore[union-attr]
    back = time.monotonic()
    while _unsent(site) != 0:
        assert time.monotonic() - back < 30, f"not delivered 30 s after Redis returned\n" \
            f"{site.log_tail()}"
        time.sleep(0.5)
    with site.app.app_context():
        assert db.session.execute(select(func.count()).select_from(Delivery)).scalar() == \
            SUBSCRIBERS
        db.session.remove()
    assert site.get("/readyz").status == 200
    assert " 500 " not in (site.logs / "web.log").read_text()
