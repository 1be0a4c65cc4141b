"""SIGTERM to the worker and sms processes mid fan-out: they stop by themselves, promptly, with
nothing left claimed and nothing accepted unsaved; started again, they send the rest, each
subscriber exactly once (statuspage.tasks.consumer, statuspage.core.shutdown).

Counted at the fake providers, as in tests/test_worker.py. The lease stays at its default
(DELIVERY_LEASE_SECONDS, 300 s) and no recovery is run: the restart can only finish in time if
the stopping processes gave back what they had claimed and enqueued the rest again.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path

import pytest
from werkzeug.wrappers import Response

from statuspage.core.extensions import db
from statuspage.models import Delivery, FanoutEvent, Subscriber
from statuspage.tasks.consumer import EXIT_UNFINISHED, STOP_TIMEOUT_SECONDS
from tests.delivery_support import email, phone
from tests.fakes.providers import FakeTwilio
from tests.fakes.server import RecordedRequest
from tests.faults.delivery_site import SlowSendGrid, seed
from tests.worker_support import (
    WorkerSite,
    private_pg_schema,
    provider_env,
    received_emails,
    received_sms,
    worker_site,
)

pytestmark = pytest.mark.slow

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
ON_PG_AND_REDIS = bool(REDIS_URL and DATABASE_URL.startswith(("postgres://", "postgresql")))

EMAILS, SMS, BATCH, WORKERS = 1500, 120, 50, 4
# Measured at about a second (the slowest call in flight takes 0.5 s): the bound leaves room
# for a busy CI machine and stays far below STOP_TIMEOUT_SECONDS.
STOPS_WITHIN = 8.0


class SlowTwilio(FakeTwilio):
    """A Twilio that takes `seconds` to answer: the pump has a dozen sends in flight."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self._default = self._slow

    def _slow(self, request: RecordedRequest) -> Response:
        time.sleep(self.seconds)
        return FakeTwilio._answer(request)


@pytest.fixture
def slow_sendgrid() -> Iterator[SlowSendGrid]:
    fake = SlowSendGrid(0.5)
    yield fake
    fake.stop()


@pytest.fixture
def slow_twilio() -> Iterator[SlowTwilio]:
    fake = SlowTwilio(0.3)
    yield fake
    fake.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql+redis", marks=pytest.mark.skipif(
    not ON_PG_AND_REDIS, reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (CI's "
    "second pass)"))])
def backend(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """worker_site's database and queue: SQLite files, or PostgreSQL (a private schema) and
    Redis."""
    if request.param == "sqlite":
        yield {}
        return
    with private_pg_schema(DATABASE_URL) as url:
        yield {"database_url": url, "redis_url": REDIS_URL}


def _site(tmp_path: Path, backend: dict[str, str], settings: dict[str, str]
          ) -> AbstractContextManager[WorkerSite]:
    return worker_site(tmp_path, settings, database_url=backend.get("database_url"),
                       redis_url=backend.get("redis_url"))


def _sent_addresses(site: WorkerSite) -> Counter[str]:
    with site.app.app_context():
        rows = db.session.execute(
            db.select(Subscriber.address).join(Delivery, Delivery.subscriber_id == Subscriber.id)
            .where(Delivery.state == "sent")).scalars().all()
        db.session.remove()
    return Counter(rows)


def test_sigterm_mid_fanout_stops_both_processes_cleanly_and_a_restart_sends_the_rest_once(
    tmp_path: Path, backend: dict[str, str], slow_sendgrid: SlowSendGrid, slow_twilio: SlowTwilio,
) -> None:
    total = EMAILS + SMS
    settings = provider_env(slow_sendgrid.url, slow_twilio.url, TWILIO_MAX_PER_SECOND="40",
                            FANOUT_BATCH_SIZE=str(BATCH))
    with _site(tmp_path, backend, settings) as site:
        seed(site, emails=EMAILS, sms=SMS)
        worker = site.start_consumer(workers=WORKERS)
        sms = site.start_sms_consumer()
        site.publish()

        def mid_fanout() -> bool:
            return len(slow_sendgrid.sends) >= 6 and len(slow_twilio.messages) >= 20

        site.wait_until(mid_fanout, 60, "the first sends")
        stops = site.terminate(worker, sms, timeout=STOP_TIMEOUT_SECONDS + 10)

        # Each exits by itself, with status 0, well within the stop timeout.
        assert [status for _, status in stops] == [0, 0], site.log_tail()
        assert max(seconds for seconds, _ in stops) < STOPS_WITHIN, stops
        state, at_stop = site.counts()
        assert 0 < at_stop["sent"] < total, f"the stop came too late: {at_stop}"
        assert len(received_emails(list(slow_sendgrid.requests))) < EMAILS, "emails were done"
        # Nothing is left claimed: what was not sent went back to the queue at once.
        assert at_stop["sending"] == 0, at_stop
        if state == "expanding":
            with site.app.app_context():
                assert db.session.execute(db.select(FanoutEvent.lease_until)).scalar() is None
                db.session.remove()
        # Every call a provider received was answered and saved as sent before the exit:
        # nothing is in the window a kill -9 leaves (accepted, not yet recorded).
        saved = _sent_addresses(site)
        assert received_emails(list(slow_sendgrid.requests)) + received_sms(
            list(slow_twilio.requests)) == saved
        assert max(saved.values()) == 1

        started = time.monotonic()
        site.start_consumer(workers=2)
        site.start_sms_consumer()
        counts = site.wait_all_sent(total, timeout=90)
        resumed = time.monotonic() - started

    assert counts == Counter({"sent": total})
    # Every subscriber exactly once, at the providers: no one skipped, no one twice.
    assert received_emails(list(slow_sendgrid.requests)) == Counter(
        {email(n): 1 for n in range(EMAILS)})
    assert received_sms(list(slow_twilio.requests)) == Counter({phone(n): 1 for n in range(SMS)})
    print(f"\nSIGTERM at {dict(at_stop)} (event {state}); worker stopped in {stops[0][0]:.2f}s, "
          f"sms in {stops[1][0]:.2f}s; the restart finished in {resumed:.1f}s")


def test_a_consumer_stuck_past_its_stop_timeout_exits_anyway_and_says_so(
    tmp_path: Path, fake_twilio: FakeTwilio,
) -> None:
    """A provider call that outlasts `-t` (the stop timeout) does not hold the process: it
    exits after the timeout with EXIT_UNFINISHED, leaving the call to the lease (as kill -9)."""
    with ExitStack() as stack:
        hanging = SlowSendGrid(6.0)
        stack.callback(hanging.stop)
        settings = provider_env(hanging.url, fake_twilio.url, FANOUT_BATCH_SIZE="50")
        site = stack.enter_context(worker_site(tmp_path, settings))
        seed(site, emails=20, sms=1)
        worker = site.start_consumer(workers=1, options=("-t", "1"))
        site.publish()
        site.wait_until(lambda: len(hanging.sends) >= 1, 60, "the first SendGrid call")
        [(seconds, status)] = site.terminate(worker, timeout=10)

    assert status == EXIT_UNFINISHED, site.log_tail()
    assert 1.0 <= seconds < 4.0, seconds
