"""Real Huey consumers deliver a published update: each subscriber exactly once, even after kill -9.

Counted where it matters, at the fake providers: what SendGrid and Twilio were asked to send.
"""

from __future__ import annotations

import math
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.wrappers import Response

from statuspage.core.extensions import db
from statuspage.delivery.sms.pump import concurrency_for
from statuspage.delivery.sms.send import SAVE_EVERY_SECONDS
from statuspage.models import Delivery, Subscriber
from tests.delivery_support import add_subscribers, email, phone, store_open_plan
from tests.fakes.providers import FakeSendGrid, FakeTwilio, FakeWebhookReceiver
from tests.fakes.server import RecordedRequest
from tests.worker_support import (
    WorkerSite,
    private_pg_schema,
    provider_env,
    received_emails,
    received_sms,
    worker_site,
)

pytestmark = pytest.mark.slow


class SlowSendGrid(FakeSendGrid):
    """A SendGrid that takes its time to answer: a crash catches batches in flight."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self._default = self._slow

    def _slow(self, request: RecordedRequest) -> Response:
        time.sleep(self.seconds)
        return FakeSendGrid._answer(request)


@pytest.fixture
def slow_sendgrid() -> Iterator[SlowSendGrid]:
    fake = SlowSendGrid(0.3)
    yield fake
    fake.stop()


def _seed(site: WorkerSite, emails: int, sms: int, hooks: int = 0,
          hook_url: str = "") -> list[str]:
    with site.app.app_context():
        store_open_plan()
        add_subscribers(sms, "sms")
        add_subscribers(emails)
        if hooks:
            add_subscribers(hooks, "webhook", address=lambda n: f"{hook_url}/hook/{n}")
        db.session.remove()
    return [phone(n) for n in range(sms)]


def test_a_consumer_delivers_a_published_update_to_every_subscriber_once(
    tmp_path: Path, fake_sendgrid: FakeSendGrid, fake_twilio: FakeTwilio,
    fake_webhook: FakeWebhookReceiver,
) -> None:
    settings = provider_env(fake_sendgrid.url, fake_twilio.url, TWILIO_MAX_PER_SECOND="50",
                            FANOUT_BATCH_SIZE="400")
    with worker_site(tmp_path, settings) as site:
        _seed(site, emails=1200, sms=40, hooks=5, hook_url=fake_webhook.url)
        site.start_consumer(workers=2)
        site.start_sms_consumer()

        site.publish()
        counts = site.wait_all_sent(1245)

        assert counts == Counter({"sent": 1245})
        assert received_emails(list(fake_sendgrid.requests)) == Counter(
            {email(n): 1 for n in range(1200)})
        assert received_sms(list(fake_twilio.requests)) == Counter(
            {phone(n): 1 for n in range(40)})
        hooks = sorted(r.path for r in fake_webhook.requests)
        assert hooks == sorted(f"/hook/{n}" for n in range(5))
        # Batches of at most FANOUT_BATCH_SIZE (400): never more than SendGrid's 1,000.
        assert max(len(r.json["personalizations"]) for r in fake_sendgrid.sends) <= 400


def test_killing_a_consumer_mid_fanout_skips_no_one_and_resends_only_what_was_in_flight(
    tmp_path: Path, slow_sendgrid: SlowSendGrid, fake_twilio: FakeTwilio,
) -> None:
    email_count, sms_count, batch, workers = 3000, 150, 50, 4
    settings = provider_env(slow_sendgrid.url, fake_twilio.url, TWILIO_MAX_PER_SECOND="40",
                            FANOUT_BATCH_SIZE=str(batch), DELIVERY_LEASE_SECONDS="5")
    with worker_site(tmp_path, settings) as site:
        _seed(site, emails=email_count, sms=sms_count)
        first = site.start_consumer(workers=workers)
        first_sms = site.start_sms_consumer()
        site.publish()
        # Kill while the expansion is still running and emails and SMS are on their way
        # (or, should the expansion win the race, while sends are).
        def mid_fanout() -> bool:
            sends, texts = len(slow_sendgrid.sends), len(fake_twilio.messages)
            if not (sends and texts):
                return False
            return site.counts()[0] == "expanding" or sends >= 6

        site.wait_until(mid_fanout, 60, "the first sends")
        site.kill(first)
        site.kill(first_sms)  # the SMS pump dies with its lock held
        killed_at = site.counts()
        before_kill = list(slow_sendgrid.requests), list(fake_twilio.requests)
        saved = _saved_as_sent(site)
        assert killed_at[1]["sent"] < email_count + sms_count, "the crash came too late"

        # Sent, or claimed and lost with the worker: nothing else may be sent twice.
        in_flight_email = set(received_emails(before_kill[0])) - saved
        in_flight_sms = set(received_sms(before_kill[1])) - saved
        assert len(in_flight_email) <= workers * batch
        # One pump, with at most concurrency_for(rate) messages awaiting Twilio's answer and
        # two save rounds' worth accepted but not yet saved (one waiting, one committing).
        assert len(in_flight_sms) <= concurrency_for(40.0) + math.ceil(
            40.0 * 2 * SAVE_EVERY_SECONDS)

        site.start_consumer(workers=2)
        site.start_sms_consumer()
        time.sleep(5.5)  # the dead worker's leases (DELIVERY_LEASE_SECONDS=5) run out
        site.recover()
        counts = site.wait_all_sent(email_count + sms_count, timeout=180)

    assert counts == Counter({"sent": email_count + sms_count})
    emails = received_emails(list(slow_sendgrid.requests))
    texts = received_sms(list(fake_twilio.requests))
    assert set(emails) == {email(n) for n in range(email_count)}, "a subscriber was skipped"
    assert set(texts) == {phone(n) for n in range(sms_count)}, "a subscriber was skipped"
    assert {a for a, n in emails.items() if n > 1} <= in_flight_email
    assert {a for a, n in texts.items() if n > 1} <= in_flight_sms
    assert max(emails.values()) <= 2 and max(texts.values()) <= 2
    print(f"\nkilled at {killed_at}; resent {sum(n > 1 for n in emails.values())} emails "
          f"(in flight {len(in_flight_email)}), {sum(n > 1 for n in texts.values())} SMS")


def _saved_as_sent(site: WorkerSite) -> set[str]:
    with site.app.app_context():
        rows = db.session.execute(
            db.select(Subscriber.address).join(Delivery, Delivery.subscriber_id == Subscriber.id)
            .where(Delivery.state == "sent")).scalars().all()
        db.session.remove()
    return set(rows)


@pytest.mark.skipif(
    not (os.environ.get("REDIS_URL")
         and os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql"))),
    reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (CI's second pass)",
)
def test_two_consumers_on_redis_and_postgresql_share_one_fanout_without_duplicates(
    tmp_path: Path, fake_sendgrid: FakeSendGrid, fake_twilio: FakeTwilio,
    fake_webhook: FakeWebhookReceiver,
) -> None:
    settings = provider_env(fake_sendgrid.url, fake_twilio.url, TWILIO_MAX_PER_SECOND="100",
                            FANOUT_BATCH_SIZE="250")
    with private_pg_schema(os.environ["DATABASE_URL"]) as url, worker_site(
            tmp_path, settings, database_url=url, redis_url=os.environ["REDIS_URL"]) as site:
        _seed(site, emails=2500, sms=100, hooks=20, hook_url=fake_webhook.url)
        site.start_consumer(workers=2)
        site.start_consumer(workers=2)
        site.start_sms_consumer()
        site.start_sms_consumer()  # the second finds the pump's lock taken, or takes turns

        site.publish()
        counts = site.wait_all_sent(2620)

        assert counts == Counter({"sent": 2620})
        assert received_emails(list(fake_sendgrid.requests)) == Counter(
            {email(n): 1 for n in range(2500)})
        assert received_sms(list(fake_twilio.requests)) == Counter(
            {phone(n): 1 for n in range(100)})
        assert Counter(r.path for r in fake_webhook.requests) == Counter(
            {f"/hook/{n}": 1 for n in range(20)})
        # Both consumers took part in the work.
        logs = [p.read_text() for p in sorted(tmp_path.glob("consumer-*.log"))]
        assert all("Executing" in log for log in logs), logs
