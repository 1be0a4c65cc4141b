"""Failed sends: transient ones come back after a backoff, permanent ones fail and suppress."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import update

from statuspage.core.extensions import db
from statuspage.delivery.email import send_email_chunk
from statuspage.delivery.records import retry_failed, summary
from statuspage.delivery.send import backoff_seconds
from statuspage.delivery.webhook import send_webhook
from statuspage.models import Delivery, Subscriber, utcnow
from statuspage.tasks.queues import huey
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
from tests.fakes.providers import FakeSendGrid, FakeTwilio, FakeWebhookReceiver

# The tests are about sending: a plan naming every channel, whatever the severity.
pytestmark = pytest.mark.usefixtures("open_plan")


@pytest.fixture(autouse=True)
def errors() -> Iterator[list[BaseException]]:
    huey.flush()
    with task_errors() as caught:
        yield caught
    assert not caught, caught


@pytest.fixture
def providers(app: Flask, fake_sendgrid: FakeSendGrid, fake_twilio: FakeTwilio,
              fake_webhook: FakeWebhookReceiver) -> None:
    # 3 SMS per second: sent one at a time, so a queued error answer meets a known message.
    app.config.update(provider_settings(fake_sendgrid.url, fake_twilio.url),
                      TWILIO_MAX_PER_SECOND=3.0, SENDGRID_TIMEOUT_SECONDS=0.3,
                      TWILIO_TIMEOUT_SECONDS=0.3, WEBHOOK_TIMEOUT_SECONDS=0.3)


def _make_due() -> None:
    """Let time pass: every queued retry becomes due now."""
    db.session.execute(update(Delivery).where(Delivery.state == "queued")
                       .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def _retry_now() -> None:
    """What the scheduled retry tasks do when their time comes."""
    _make_due()
    ids = [d.id for d in deliveries() if d.state == "queued"]
    send_email_chunk(ids)


def _seconds_until_retry(row: Delivery) -> float:
    assert row.next_attempt_at is not None
    return (row.next_attempt_at - row.updated_at).total_seconds()


def test_backoff_grows_exponentially_with_jitter_and_honours_retry_after() -> None:
    rng = random.Random(7)
    first = [backoff_seconds(1, rng=rng) for _ in range(200)]
    third = [backoff_seconds(3, rng=rng) for _ in range(200)]
    assert min(first) >= 7.5 and max(first) <= 15
    assert min(third) >= 30 and max(third) <= 60
    assert len({round(x, 3) for x in first}) > 150  # jittered, not one value
    assert backoff_seconds(30, rng=rng) <= 1800
    told = [backoff_seconds(1, retry_after=40, rng=rng) for _ in range(100)]
    assert min(told) >= 40 and max(told) <= 44


def test_a_429_is_retried_no_sooner_than_retry_after_and_then_sent(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
) -> None:
    add_subscribers(3)
    fake_sendgrid.respond_rate_limited(retry_after=30)

    factory.incident()

    rows = deliveries()
    assert {(r.state, r.attempts, r.error_code) for r in rows} == {("queued", 1, "429")}
    assert all(30 <= _seconds_until_retry(r) <= 33.5 for r in rows)
    assert "rate limit" in (rows[0].last_error or "")
    # The retry is scheduled with the queue for the time the provider asked for.
    [scheduled] = huey.scheduled()
    assert scheduled.name == "send_email_chunk"
    assert sorted(scheduled.args[0]) == [r.id for r in rows]
    assert scheduled.eta >= utcnow().replace(tzinfo=None) + timedelta(seconds=28)
    # Before its time, a retry claims nothing.
    assert send_email_chunk([r.id for r in rows]) == 0

    _retry_now()

    assert [r.state for r in deliveries()] == ["sent"] * 3
    assert len(fake_sendgrid.sends) == 2
    assert all(r.attempts == 2 and r.provider_message_id for r in deliveries())


def test_server_errors_back_off_exponentially(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
) -> None:
    add_subscribers(2)
    fake_sendgrid.respond_with(503, {"errors": [{"message": "try later"}]}, times=2)

    factory.incident()
    first = [_seconds_until_retry(r) for r in deliveries()]
    _retry_now()
    second = [_seconds_until_retry(r) for r in deliveries()]

    assert all(7.5 <= wait <= 15 for wait in first)
    assert all(15 <= wait <= 30 for wait in second)
    assert {(r.state, r.attempts, r.error_code) for r in deliveries()} == {("queued", 2, "503")}
    _retry_now()
    assert {r.state for r in deliveries()} == {"sent"}


def test_a_timeout_is_retried(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
) -> None:
    add_subscribers(1)
    fake_sendgrid.respond_with(202, delay=1.5)

    factory.incident()

    [row] = deliveries()
    assert (row.state, row.error_code) == ("queued", "timeout")
    _retry_now()
    assert deliveries()[0].state == "sent"


def test_transient_failures_fail_once_the_retry_window_is_over(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
) -> None:
    add_subscribers(2)
    fake_sendgrid.respond_with(500, {"errors": [{"message": "boom"}]}, times=5)
    factory.incident()
    app.config["DELIVERY_RETRY_SECONDS"] = 0

    _retry_now()

    rows = deliveries()
    assert {r.state for r in rows} == {"failed"}
    assert rows[0].last_error.startswith("Gave up retrying")
    assert len(huey.scheduled()) == 1  # the first retry's; none after giving up
    assert len(fake_sendgrid.sends) == 2


def test_a_refused_batch_fails_without_retry_and_keeps_the_providers_error(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
) -> None:
    add_subscribers(2)
    fake_sendgrid.respond_bad_request("The from address does not match a verified Sender.")

    factory.incident()

    rows = deliveries()
    assert {(r.state, r.error_code) for r in rows} == {("failed", "400")}
    assert "verified Sender" in (rows[0].last_error or "")
    assert huey.scheduled() == []
    # A refused batch says nothing about the subscribers: they stay active.
    assert all(s.is_active for s in db.session.query(Subscriber))


def test_an_invalid_number_fails_and_suppresses_so_nothing_more_goes_there(
    app: Flask, factory: Factory, providers: None, fake_twilio: FakeTwilio,
) -> None:
    [dead, alive] = add_subscribers(2, "sms")
    fake_twilio.respond_error(21211)
    api = factory.component("API")
    factory.incident(components={api: "major_outage"})

    rows = {r.subscriber_id: r for r in deliveries()}
    assert (rows[dead].state, rows[dead].error_code) == ("failed", "21211")
    assert rows[alive].state == "sent"
    subscriber = db.session.get(Subscriber, dead)
    assert (subscriber.state, subscriber.suppression_reason) == ("suppressed", "provider_error")

    factory.incident(name="Second")
    assert len(fake_twilio.messages) == 3
    assert [m.param("To") for m in fake_twilio.messages[2:]] == [
        db.session.get(Subscriber, alive).address]


def test_deliveries_queued_before_a_suppression_end_suppressed_without_a_send(
    app: Flask, factory: Factory, providers: None, fake_twilio: FakeTwilio,
) -> None:
    [sid] = add_subscribers(1, "sms")
    with queued_tasks():
        factory.incident()
        factory.incident(name="Second")
        run_worker(app, only=["expand_event"])
        assert [r.state for r in deliveries()] == ["queued", "queued"]
        fake_twilio.respond_error(21211)
        run_worker(app)

    first, second = deliveries()
    assert (first.state, first.error_code) == ("failed", "21211")
    assert (second.state, second.last_error) == ("suppressed", "Subscriber provider_error")
    assert len(fake_twilio.messages) == 1
    assert db.session.get(Subscriber, sid).state == "suppressed"


def test_an_opted_out_number_is_suppressed_as_stop(
    app: Flask, factory: Factory, providers: None, fake_twilio: FakeTwilio,
) -> None:
    [sid] = add_subscribers(1, "sms")
    fake_twilio.respond_error(21610)

    factory.incident()

    assert deliveries()[0].state == "failed"
    subscriber = db.session.get(Subscriber, sid)
    assert (subscriber.state, subscriber.suppression_reason) == ("suppressed", "stop")


def test_webhooks_retry_server_errors_and_suppress_a_gone_endpoint(
    app: Flask, factory: Factory, providers: None, fake_webhook: FakeWebhookReceiver,
) -> None:
    [flaky] = add_subscribers(1, "webhook", address=lambda n: fake_webhook.url_for("/flaky"))
    [gone] = add_subscribers(1, "webhook", start=1,
                             address=lambda n: fake_webhook.url_for("/gone"))
    fake_webhook.respond_with(500)
    fake_webhook.respond_with(410)

    factory.incident()

    rows = {r.subscriber_id: r for r in deliveries()}
    assert (rows[flaky].state, rows[flaky].error_code) == ("queued", "500")
    assert (rows[gone].state, rows[gone].error_code) == ("failed", "410")
    assert db.session.get(Subscriber, gone).state == "suppressed"
    [scheduled] = huey.scheduled()
    assert (scheduled.name, scheduled.args) == ("send_webhook", (rows[flaky].id,))

    _make_due()
    assert send_webhook(rows[flaky].id) is True
    assert deliveries()[0].state == "sent"
    body = fake_webhook.requests[-1].json
    assert body["incident"]["name"] == "Something is broken"


def test_retry_failed_requeues_failures_except_to_suppressed_subscribers(
    app: Flask, factory: Factory, providers: None, fake_sendgrid: FakeSendGrid,
) -> None:
    [a, b, c] = add_subscribers(3)
    fake_sendgrid.respond_bad_request()
    factory.incident()
    event = only_event()
    assert summary(event.id) == {"email": {"failed": 3}}
    db.session.get(Subscriber, c).suppressed_at = utcnow()
    db.session.commit()

    assert retry_failed(event.id) == 2

    assert summary(event.id) == {"email": {"failed": 1, "sent": 2}}
    sent_to = [p["to"][0]["email"] for p in fake_sendgrid.sends[-1].json["personalizations"]]
    assert sorted(sent_to) == sorted(db.session.get(Subscriber, s).address for s in (a, b))
