"""Fault injection on real worker processes: nothing lost, nothing sent twice, no long silence.

Real `huey_consumer` processes (the Procfile's `worker` and `sms`) on PostgreSQL and Redis,
each reached through a FaultProxy the test cuts and restores (the machine's servers are never
stopped); the real SendGrid and Twilio SDKs against the local fakes, which record every
request. The default lease (DELIVERY_LEASE_SECONDS, 300 s) is kept where the test is about
resuming: finishing within 30 s of the fault ending cannot come from lease recovery.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from statuspage.core.extensions import db
from statuspage.models import Delivery, Subscriber
from tests.delivery_support import email, phone
from tests.fakes.providers import FakeTwilio
from tests.faults.delivery_site import (
    BAD_ADDRESS,
    SlowSendGrid,
    accepted_emails,
    accepted_sms,
    faulty_site,
    needs_pg_and_redis,
    saved_as_sent,
    seed,
)
from tests.worker_support import provider_env, received_emails, received_sms

pytestmark = [pytest.mark.faults, pytest.mark.slow, needs_pg_and_redis]

EMAILS, SMS, BATCH = 2000, 30, 100
RESUME_WITHIN = 30.0


@pytest.fixture
def slow_sendgrid() -> Iterator[SlowSendGrid]:
    fake = SlowSendGrid(0.3)
    yield fake
    fake.stop()


def _settings(sendgrid: SlowSendGrid, twilio: FakeTwilio, **extra: str) -> dict[str, str]:
    return provider_env(sendgrid.url, twilio.url, TWILIO_MAX_PER_SECOND="10",
                        FANOUT_BATCH_SIZE=str(BATCH), SENDGRID_TIMEOUT_SECONDS="2",
                        TWILIO_TIMEOUT_SECONDS="2", **extra)


def _assert_everyone_once(sendgrid: SlowSendGrid, twilio: FakeTwilio, in_flight: int) -> None:
    """Every subscriber reached; duplicates at most one in-flight chunk's worth."""
    emails = accepted_emails(list(sendgrid.requests))
    texts = accepted_sms(list(twilio.requests))
    assert set(emails) == {email(n) for n in range(EMAILS)}, "an email was lost"
    assert set(texts) == {phone(n) for n in range(SMS)}, "an SMS was lost"
    twice = [a for a, n in emails.items() if n > 1] + [a for a, n in texts.items() if n > 1]
    assert len(twice) <= in_flight and max([*emails.values(), *texts.values()]) <= 2, twice


@pytest.mark.parametrize("target", ["database", "redis"])
def test_a_cut_connection_mid_fanout_loses_nothing_and_work_resumes_within_30s(
    tmp_path: Path, slow_sendgrid: SlowSendGrid, fake_twilio: FakeTwilio, target: str,
) -> None:
    with faulty_site(tmp_path, _settings(slow_sendgrid, fake_twilio)) as faulty:
        site = faulty.site
        seed(site, EMAILS, SMS)
        site.start_consumer(workers=3)
        site.start_sms_consumer()
        site.publish()
        site.wait_until(lambda: len(slow_sendgrid.sends) >= 2 and fake_twilio.messages, 60,
                        "the first sends")

        proxy = faulty.database if target == "database" else faulty.redis
        proxy.cut()
        time.sleep(8)
        cut_at = site.counts()
        proxy.restore()
        restored = time.time()

        counts = site.wait_all_sent(EMAILS + SMS, timeout=RESUME_WITHIN)
        finished = time.time() - restored

    assert counts == Counter({"sent": EMAILS + SMS})
    assert cut_at[1]["sent"] < EMAILS + SMS, "the fault came after the fan-out"
    assert finished <= RESUME_WITHIN
    # With every acceptance kept (retried or journaled), nothing at all is sent twice.
    _assert_everyone_once(slow_sendgrid, fake_twilio, in_flight=0)
    print(f"\n{target} cut for 8 s at {cut_at}; all sent {finished:.1f}s after the restore")


def test_a_worker_killed_mid_fanout_resends_at_most_its_in_flight_chunks(
    tmp_path: Path, slow_sendgrid: SlowSendGrid, fake_twilio: FakeTwilio,
) -> None:
    workers = 3
    settings = _settings(slow_sendgrid, fake_twilio, DELIVERY_LEASE_SECONDS="6")
    with faulty_site(tmp_path, settings) as faulty:
        site = faulty.site
        seed(site, EMAILS, SMS)
        first = site.start_consumer(workers=workers)
        first_sms = site.start_sms_consumer()
        site.publish()
        site.wait_until(lambda: len(slow_sendgrid.sends) >= 3 and fake_twilio.messages, 60,
                        "the first sends")
        site.kill(first)  # SIGKILL: no clean-up, leases and the pump's lock left behind
        site.kill(first_sms)
        saved = saved_as_sent(site)
        # Sent, or on their way (the fake has the request, its answer is still to come).
        in_flight = (set(received_emails(list(slow_sendgrid.requests))) |
                     set(received_sms(list(fake_twilio.requests)))) - saved

        site.start_consumer(workers=2)
        site.start_sms_consumer()
        time.sleep(6.5)  # the dead worker's leases run out
        site.recover()
        counts = site.wait_all_sent(EMAILS + SMS, timeout=90)

    assert counts == Counter({"sent": EMAILS + SMS})
    _assert_everyone_once(slow_sendgrid, fake_twilio, in_flight=workers * BATCH + 10)
    emails = accepted_emails(list(slow_sendgrid.requests))
    texts = accepted_sms(list(fake_twilio.requests))
    twice = {a for a, n in (emails + texts).items() if n > 1}
    assert twice <= in_flight, "something not in flight at the kill was sent twice"


def test_provider_faults_and_a_refused_address_deliver_to_everyone_else(
    tmp_path: Path, slow_sendgrid: SlowSendGrid, fake_twilio: FakeTwilio,
) -> None:
    slow_sendgrid.seconds = 0.05
    # The first calls meet a 500, a 429 and a hang (longer than SENDGRID_TIMEOUT_SECONDS).
    slow_sendgrid.respond_with(500, {"errors": [{"message": "internal error"}]})
    slow_sendgrid.respond_rate_limited(retry_after=1)
    slow_sendgrid.respond_with(503, {"errors": [{"message": "late"}]}, delay=4)
    fake_twilio.respond_with(503, {"code": 20503, "message": "Service unavailable",
                                   "status": 503}, times=2)
    with faulty_site(tmp_path, _settings(slow_sendgrid, fake_twilio)) as faulty:
        site = faulty.site
        bad_id = seed(site, EMAILS, SMS, bad=BATCH // 2)
        site.start_consumer(workers=3)
        site.start_sms_consumer()
        site.publish()
        counts = site.wait_all_sent(EMAILS + SMS, timeout=75)
        with site.app.app_context():
            bad = db.session.get(Subscriber, bad_id)
            assert bad is not None
            refused = db.session.execute(
                db.select(Delivery).where(Delivery.subscriber_id == bad_id)).scalar_one()
            suppressed, error = bad.suppression_reason, refused.error_code
            db.session.remove()

    assert counts == Counter({"sent": EMAILS + SMS - 1, "failed": 1})
    assert (suppressed, error) == ("provider_error", "invalid_address")
    emails = accepted_emails(list(slow_sendgrid.requests))
    assert BAD_ADDRESS not in emails
    assert emails == Counter({email(n): 1 for n in range(EMAILS) if n != BATCH // 2})
    texts = accepted_sms(list(fake_twilio.requests))
    assert texts == Counter({phone(n): 1 for n in range(SMS)})
    # An SMS refused with a 503 came back after its computed backoff (7.5 to 15 s), not at
    # the once-a-minute recovery.
    refused_sms = [r for r in fake_twilio.messages if r.answer_status == 503]
    for failed in refused_sms:
        retry = min(r.at for r in fake_twilio.messages
                    if r.param("To") == failed.param("To") and r.at > failed.at)
        assert retry - failed.at <= 17, f"retried {retry - failed.at:.1f}s later"
