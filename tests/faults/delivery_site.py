"""An installation for the delivery fault tests: PostgreSQL and Redis reached through FaultProxy.

The consumers (real `huey_consumer` processes, tests/worker_support) talk to a private schema
of the machine's PostgreSQL and to its Redis through one `FaultProxy` each, which the test cuts
and restores; the test itself reads the database directly, past the proxy. The fake providers
run in the test process and record every request with its time.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update
from werkzeug.wrappers import Response

from statuspage.core.extensions import db
from statuspage.models import Delivery, Subscriber
from tests.delivery_support import add_subscribers, store_open_plan
from tests.fakes.providers import FakeSendGrid
from tests.fakes.server import RecordedRequest
from tests.faults.proxy import FaultProxy
from tests.worker_support import WorkerSite, private_pg_schema, worker_site

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")

needs_pg_and_redis = pytest.mark.skipif(
    not (REDIS_URL and DATABASE_URL.startswith(("postgres://", "postgresql"))),
    reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (CI's PostgreSQL + Redis pass)",
)

# An address SendGrid refuses (non-ASCII local part and domain): put in the database directly,
# as an import before the subscribe-time checks would have.
BAD_ADDRESS = "josé@exämple.com"


class SlowSendGrid(FakeSendGrid):
    """A SendGrid that takes `seconds` to answer, so faults catch batches in flight."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self._default = self._slow

    def _slow(self, request: RecordedRequest) -> Response:
        time.sleep(self.seconds)
        return FakeSendGrid._answer(request)


@dataclass
class FaultySite:
    site: WorkerSite
    database: FaultProxy
    redis: FaultProxy


@contextmanager
def faulty_site(tmp_path: Path, settings: dict[str, str]) -> Iterator[FaultySite]:
    """Consumers' database and Redis behind proxies; the test's own reads go direct."""
    redis = urlsplit(REDIS_URL)
    with private_pg_schema(DATABASE_URL) as url, \
            FaultProxy(urlsplit(url).hostname or "127.0.0.1", urlsplit(url).port or 5432) \
            as db_proxy, \
            FaultProxy(redis.hostname or "127.0.0.1", redis.port or 6379) as redis_proxy, \
            worker_site(tmp_path, settings, database_url=url, redis_url=REDIS_URL) as site:
        site.env["DATABASE_URL"] = db_proxy.rewrite(url)
        site.env["REDIS_URL"] = redis_proxy.rewrite(REDIS_URL)
        try:
            yield FaultySite(site, db_proxy, redis_proxy)
        finally:
            db_proxy.restore()
            redis_proxy.restore()


def seed(site: WorkerSite, emails: int, sms: int, bad: int | None = None) -> int | None:
    """The plan and the subscribers; with `bad`, that email subscriber's address is one
    SendGrid refuses. Returns the bad subscriber's id."""
    with site.app.app_context():
        store_open_plan()
        add_subscribers(sms, "sms")
        ids = add_subscribers(emails)
        bad_id = None
        if bad is not None:
            bad_id = ids[bad]
            db.session.execute(update(Subscriber).where(Subscriber.id == bad_id)
                               .values(address=BAD_ADDRESS))
            db.session.commit()
        db.session.remove()
    return bad_id


def accepted_emails(requests: list[RecordedRequest]) -> Counter[str]:
    """How many times each address was in a mail/send call SendGrid accepted."""
    return Counter(p["to"][0]["email"] for r in requests
                   if r.path == "/v3/mail/send" and r.answer_status == 202
                   for p in r.json["personalizations"])


def accepted_sms(requests: list[RecordedRequest]) -> Counter[str]:
    return Counter(r.param("To") for r in requests
                   if r.path.endswith("/Messages.json") and r.answer_status == 201)


def saved_as_sent(site: WorkerSite) -> set[str]:
    with site.app.app_context():
        rows = db.session.execute(
            db.select(Subscriber.address).join(Delivery, Delivery.subscriber_id == Subscriber.id)
            .where(Delivery.state == "sent")).scalars().all()
        db.session.remove()
    return set(rows)


def wait_for(done: object, timeout: float, what: str, site: WorkerSite) -> float:
    """Wait until `done()` is true; the seconds it took."""
    started = time.monotonic()
    site.wait_until(done, timeout, what)  # type: ignore[arg-type]
    return time.monotonic() - started
