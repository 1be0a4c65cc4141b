"""A caught database fault does not leave work for the lease: the task carries on when it can.

Statements fail as a dropped connection makes them fail (tests/delivery_faults_support); the
fan-out must finish in the same run, not five minutes later. An SMS the provider refused for
now is tried again after its computed backoff, not at the next periodic recovery.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask

from statuspage.core.extensions import db
from statuspage.delivery import faults as delivery_faults
from statuspage.delivery.sms.pump import run_sms_pump
from statuspage.models import FanoutEvent, utcnow
from statuspage.tasks.queues import huey, sms_huey
from tests.delivery_faults_support import failing
from tests.delivery_support import (
    add_subscribers,
    deliveries,
    only_event,
    open_plan,  # noqa: F401 (a fixture, used by pytestmark)
    provider_settings,
    queued_tasks,
    run_worker,
    task_errors,
)
from tests.factories import Factory
from tests.fakes.providers import FakeSendGrid, FakeTwilio

pytestmark = pytest.mark.usefixtures("open_plan")


@pytest.fixture(autouse=True)
def errors() -> Iterator[list[BaseException]]:
    huey.flush()
    sms_huey.flush()
    with task_errors() as caught:
        yield caught
    assert not caught, caught


@pytest.fixture
def providers(app: Flask, fake_sendgrid: FakeSendGrid, fake_twilio: FakeTwilio) -> None:
    app.config.update(provider_settings(fake_sendgrid.url, fake_twilio.url),
                      TWILIO_MAX_PER_SECOND=3.0, FANOUT_BATCH_SIZE=10,
                      SENDGRID_TIMEOUT_SECONDS=2, TWILIO_TIMEOUT_SECONDS=2)


def test_an_expansion_rides_out_a_lost_connection_and_finishes_in_the_same_run(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
) -> None:
    add_subscribers(35)
    with queued_tasks():
        factory.incident()
        # The cursor's move fails twice: the batch is tried again, nothing waits for a lease.
        with failing(r"^UPDATE fanout_event SET cursor=", times=2) as fault:
            run_worker(app)

    assert fault.raised == 2
    assert only_event().state == "done"
    assert [d.state for d in deliveries()] == ["sent"] * 35
    sent_to = [p["to"][0]["email"] for r in fake_sendgrid.sends for p in r.json["personalizations"]]
    assert len(sent_to) == len(set(sent_to)) == 35


def test_an_email_chunk_rides_out_a_lost_claim(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
) -> None:
    add_subscribers(5)
    with queued_tasks():
        factory.incident()
        run_worker(app, only=["expand_event"])
        # The claim's commit is lost twice (it may have happened: the retry takes back its own).
        with failing(r"^UPDATE delivery SET state=.*attempts=", times=2) as fault:
            run_worker(app, only=["send_email_chunk"])

    assert fault.raised == 2
    assert [d.state for d in deliveries()] == ["sent"] * 5
    assert len(fake_sendgrid.sends) == 1


def test_a_fault_that_outlasts_the_retries_gives_the_expansion_lease_back(
    app: Flask, factory: Factory, providers: None, monkeypatch: pytest.MonkeyPatch,
    errors: list[BaseException],
) -> None:
    monkeypatch.setattr(delivery_faults, "default_deadline", lambda: 0.5)
    add_subscribers(25)
    with queued_tasks():
        factory.incident()
        with failing(r"^UPDATE fanout_event SET cursor="):
            run_worker(app, only=["expand_event"])

    event = only_event()
    assert event.state == "expanding"
    # Not left leased for DELIVERY_LEASE_SECONDS: the next periodic recovery resumes it.
    assert event.lease_until is None
    assert errors and delivery_faults.is_transient(errors[0])
    errors.clear()  # expected: the task failed, and the queue will retry it


def test_an_sms_the_provider_refused_for_now_is_retried_after_its_backoff(
    app: Flask, factory: Factory, providers: None, fake_twilio: FakeTwilio,
) -> None:
    add_subscribers(1, "sms")
    fake_twilio.respond_with(503, {"code": 20503, "message": "Service unavailable",
                                   "status": 503})
    with queued_tasks():
        factory.incident()
        run_worker(app)
        scheduled = sms_huey.scheduled()

    [row] = deliveries()
    assert row.state == "queued" and row.attempts == 1
    assert row.next_attempt_at is not None
    wait = (row.next_attempt_at - utcnow()).total_seconds()
    assert 5 < wait <= 16  # the computed backoff after one attempt: 7.5 to 15 s
    # The pump is scheduled for that moment, not left for the once-a-minute recovery.
    [pump] = [t for t in scheduled if t.name.endswith("sms_pump")]
    eta = pump.eta.replace(tzinfo=row.next_attempt_at.tzinfo)
    assert abs((eta - row.next_attempt_at).total_seconds()) < 1.5


def test_the_pump_is_not_scheduled_when_no_sms_waits(
    app: Flask, factory: Factory, providers: None, fake_twilio: FakeTwilio,
) -> None:
    add_subscribers(2, "sms")
    with queued_tasks():
        factory.incident()
        run_worker(app)
        scheduled = sms_huey.scheduled()

    assert [d.state for d in deliveries()] == ["sent"] * 2
    assert not [t for t in scheduled if t.name.endswith("sms_pump")]
    assert db.session.execute(db.select(FanoutEvent.state)).scalar() == "done"
    assert utcnow() - timedelta(minutes=1) < deliveries()[0].updated_at


def test_an_email_chunk_whose_fault_outlasts_the_retries_gives_its_claim_back(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
    monkeypatch: pytest.MonkeyPatch, errors: list[BaseException],
) -> None:
    monkeypatch.setattr(delivery_faults, "default_deadline", lambda: 0.5)
    add_subscribers(5)
    with queued_tasks():
        factory.incident()
        run_worker(app, only=["expand_event"])
        # Reading the claimed deliveries keeps failing after the claim went through.
        with failing(r"^SELECT delivery\.id AS delivery_id"):
            run_worker(app, only=["send_email_chunk"])

    # Queued again at once for the queue's retry, not held in `sending` for a lease.
    assert {(d.state, d.lease_until) for d in deliveries()} == {("queued", None)}
    assert not fake_sendgrid.sends
    assert errors and delivery_faults.is_transient(errors[0])
    errors.clear()  # expected: the task failed, and the queue will retry it


def test_sms_the_pump_claimed_are_given_back_when_a_fault_outlasts_the_retries(
    app: Flask, factory: Factory, providers: None, fake_twilio: FakeTwilio,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_subscribers(3, "sms")
    with queued_tasks():
        factory.incident()
        run_worker(app, only=["expand_event"])
        monkeypatch.setattr(delivery_faults, "default_deadline", lambda: 0.3)
        # Reading what was claimed keeps failing: the claim must not wait for its lease.
        with failing(r"^SELECT delivery\.id AS delivery_id"):
            run_sms_pump(concurrency=2)

    assert {(d.state, d.lease_until) for d in deliveries()} == {("queued", None)}
    assert not fake_twilio.messages
