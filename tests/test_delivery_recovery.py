"""Crash safety (leases, claims, recovery) and provider receipts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import update

from statuspage.core.extensions import db
from statuspage.delivery import send as delivery_send
from statuspage.delivery.records import record_receipt, summary
from statuspage.delivery.recover import recover_expired_leases, send_due
from statuspage.models import Delivery, FanoutEvent, utcnow
from statuspage.tasks import delivery as delivery_tasks
from statuspage.tasks.queues import huey
from tests.delivery_support import (
    add_subscribers,
    deliveries,
    email,
    only_event,
    open_plan,  # noqa: F401 (a fixture, used by pytestmark)
    pending_task_names,
    provider_settings,
    queued_tasks,
    run_worker,
    task_errors,
)
from tests.factories import Factory
from tests.fakes.providers import FakeSendGrid

# The tests are about sending: a plan naming every channel, whatever the severity.
pytestmark = pytest.mark.usefixtures("open_plan")


@pytest.fixture(autouse=True)
def errors() -> Iterator[list[BaseException]]:
    huey.flush()
    with task_errors() as caught:
        yield caught
    assert not caught, caught


@pytest.fixture
def sendgrid(app: Flask, fake_sendgrid: FakeSendGrid) -> FakeSendGrid:
    app.config.update(provider_settings(sendgrid_url=fake_sendgrid.url),
                      DELIVERY_LEASE_SECONDS=5)
    return fake_sendgrid


def _addresses(fake: FakeSendGrid) -> list[str]:
    return sorted(p["to"][0]["email"] for s in fake.sends for p in s.json["personalizations"])


def _expanded_but_unsent(app: Flask, factory: Factory, count: int) -> list[int]:
    add_subscribers(count)
    with queued_tasks():
        factory.incident()
        run_worker(app, only=["expand_event"])
    huey.flush()  # the send tasks are lost, as with a worker killed before running them
    return [d.id for d in deliveries()]


def test_a_claimed_delivery_cannot_be_claimed_again(app: Flask, factory: Factory) -> None:
    ids = _expanded_but_unsent(app, factory, 3)

    assert sorted(delivery_send.claim(ids)) == ids
    assert delivery_send.claim(ids) == []
    rows = deliveries()
    assert {(r.state, r.attempts) for r in rows} == {("sending", 1)}
    assert all(r.lease_until > utcnow() + timedelta(seconds=250) for r in rows)


def test_two_workers_sending_the_same_chunk_send_it_once(
    app: Flask, factory: Factory, sendgrid: FakeSendGrid,
) -> None:
    ids = _expanded_but_unsent(app, factory, 50)
    sendgrid.respond_with(202, headers={"X-Message-Id": "slow-batch"}, delay=0.3)
    results: list[int] = []

    def worker() -> None:
        with app.app_context():
            results.append(delivery_tasks.send_email_chunk.call_local(ids))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [0, 0, 0, 50]
    assert len(sendgrid.sends) == 1
    assert _addresses(sendgrid) == sorted(email(n) for n in range(50))
    assert {(r.state, r.provider_message_id) for r in deliveries()} == {("sent", "slow-batch")}


def test_recovery_requeues_deliveries_whose_worker_died_and_sends_them(
    app: Flask, factory: Factory, sendgrid: FakeSendGrid,
) -> None:
    ids = _expanded_but_unsent(app, factory, 4)
    delivery_send.claim(ids[:2])  # a worker claimed these, then died
    db.session.execute(update(Delivery).where(Delivery.id.in_(ids[:2]))
                       .values(lease_until=utcnow() - timedelta(seconds=1)))
    db.session.execute(update(Delivery).where(Delivery.id.in_(ids[2:]))
                       .values(next_attempt_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()

    result = recover_expired_leases()

    assert result["deliveries"] == 2
    assert {r.state for r in deliveries()} == {"sent"}
    assert _addresses(sendgrid) == sorted(email(n) for n in range(4))


def test_recovery_leaves_live_leases_and_fresh_work_alone(
    app: Flask, factory: Factory, sendgrid: FakeSendGrid,
) -> None:
    ids = _expanded_but_unsent(app, factory, 3)
    delivery_send.claim(ids[:1])  # being sent right now by a live worker

    result = recover_expired_leases()

    assert result == {"deliveries": 0, "events": 0, "pump_cleared": 0, "dispatched": 0}
    assert [r.state for r in deliveries()] == ["sending", "queued", "queued"]
    assert sendgrid.sends == []


def test_recovery_resumes_an_expansion_whose_worker_died(
    app: Flask, factory: Factory, sendgrid: FakeSendGrid,
) -> None:
    app.config["FANOUT_BATCH_SIZE"] = 4
    ids = add_subscribers(10)
    with queued_tasks():
        factory.incident()
    huey.flush()
    event = only_event()
    # Died after one batch: its deliveries exist, cursor saved, lease expired.
    db.session.execute(Delivery.__table__.insert(), [
        {"event_id": event.id, "subscriber_id": sid, "channel": "email", "state": "sent",
         "attempts": 1} for sid in ids[:4]])
    event.state, event.cursor = "expanding", ids[3]
    event.lease_until = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert recover_expired_leases()["events"] == 1

    assert (only_event().state, only_event().cursor) == ("done", ids[-1])
    assert _addresses(sendgrid) == sorted(email(n) for n in range(4, 10))
    assert len(deliveries()) == 10


def test_recovery_expands_an_event_whose_enqueue_was_lost(
    app: Flask, factory: Factory, sendgrid: FakeSendGrid,
) -> None:
    add_subscribers(2)
    with queued_tasks():
        factory.incident()
        assert pending_task_names() == ["expand_event"]
    huey.flush()  # the queue lost it
    assert only_event().state == "pending"

    assert recover_expired_leases()["events"] == 1

    assert only_event().state == "done"
    assert _addresses(sendgrid) == [email(0), email(1)]


def test_send_due_picks_up_work_never_enqueued_but_not_work_just_queued(
    app: Flask, factory: Factory, sendgrid: FakeSendGrid,
) -> None:
    ids = _expanded_but_unsent(app, factory, 3)
    db.session.execute(update(Delivery).where(Delivery.id == ids[0])
                       .values(next_attempt_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()

    with queued_tasks():
        assert send_due() == 1
        assert pending_task_names() == ["send_email_chunk"]
        run_worker(app)

    assert [r.state for r in deliveries()] == ["sent", "queued", "queued"]
    assert _addresses(sendgrid) == [email(0)]


def test_the_periodic_recovery_task_runs_every_minute(app: Flask) -> None:
    task = delivery_tasks.recover_deliveries.s()
    for minute in (0, 7, 59):
        assert task.validate_datetime(utcnow().replace(minute=minute, second=0, tzinfo=None))


# --- receipts -----------------------------------------------------------------------------

def _sent_delivery(app: Flask, factory: Factory, provider_id: str = "SM123") -> Delivery:
    [delivery_id] = _expanded_but_unsent(app, factory, 1)
    db.session.execute(update(Delivery).values(state="sent", provider_message_id=provider_id))
    db.session.commit()
    return db.session.get(Delivery, delivery_id)


def test_a_receipt_moves_a_delivery_forward_and_stamps_delivery(
    app: Flask, factory: Factory,
) -> None:
    _sent_delivery(app, factory)

    row = record_receipt("SM123", "delivered", None, None)

    assert row is not None
    assert (row.state, row.delivered_at is not None) == ("delivered", True)


def test_receipts_out_of_order_keep_the_furthest_state(app: Flask, factory: Factory) -> None:
    _sent_delivery(app, factory)

    record_receipt("SM123", "delivered", None, None)
    record_receipt("SM123", "sent", None, None)
    record_receipt("SM123", "sending", None, None)
    row = record_receipt("SM123", "failed", "Twilio status undelivered", "30003")

    assert row is not None and row.state == "delivered"
    assert row.last_error is None


def test_a_failure_receipt_records_the_providers_error(app: Flask, factory: Factory) -> None:
    _sent_delivery(app, factory)

    row = record_receipt("SM123", "failed", "Twilio status undelivered", "30003")

    assert row is not None
    assert (row.state, row.last_error, row.error_code) == (
        "failed", "Twilio status undelivered", "30003")


def test_a_receipt_for_an_unknown_message_is_ignored(app: Flask, factory: Factory) -> None:
    _sent_delivery(app, factory)
    assert record_receipt("SM-not-ours", "delivered", None, None) is None
    assert record_receipt("", "delivered", None, None) is None
    assert deliveries()[0].state == "sent"


def test_a_batch_id_shared_by_several_emails_needs_the_delivery_id(
    app: Flask, factory: Factory, sendgrid: FakeSendGrid,
) -> None:
    add_subscribers(2)
    sendgrid.respond_with(202, headers={"X-Message-Id": "batch-1"})
    factory.incident()
    first, second = deliveries()
    assert first.provider_message_id == second.provider_message_id == "batch-1"

    assert record_receipt("batch-1", "delivered") is None
    row = record_receipt("batch-1", "delivered", delivery_id=second.id)

    assert row is not None and row.id == second.id
    assert [r.state for r in deliveries()] == ["sent", "delivered"]
    assert record_receipt("other-batch", "delivered", delivery_id=first.id) is None


def test_summary_counts_states_per_channel(app: Flask, factory: Factory) -> None:
    add_subscribers(3)
    add_subscribers(2, "sms")
    with queued_tasks():
        factory.incident()
        run_worker(app, only=["expand_event"])
    huey.flush()
    event = only_event()
    db.session.execute(update(Delivery).where(Delivery.channel == "sms")
                       .values(state="failed"))
    db.session.commit()

    assert summary(event.id) == {"email": {"queued": 3}, "sms": {"failed": 2}}
    assert summary(event.id + 1) == {}
    assert isinstance(db.session.get(FanoutEvent, event.id), FanoutEvent)
