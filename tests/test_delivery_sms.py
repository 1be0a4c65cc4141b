"""The SMS pump: one sender, paced to TWILIO_MAX_PER_SECOND, taken over when its worker dies."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from statuspage.delivery import acceptances as delivery_acceptances
from statuspage.delivery import send as delivery_send
from statuspage.delivery.recover import recover_expired_leases, send_due
from statuspage.delivery.sms import pacing as delivery_sms_pacing
from statuspage.delivery.sms import pump as delivery_sms
from statuspage.delivery.sms import send as delivery_sms_send
from statuspage.delivery.sms.pump import run_sms_pump
from statuspage.notify import registry
from statuspage.notify.base import Recipient, SmsContent
from statuspage.tasks import delivery as delivery_tasks
from statuspage.tasks.queues import huey, sms_huey
from tests.delivery_support import (
    add_subscribers,
    deliveries,
    open_plan,  # noqa: F401 (a fixture, used by pytestmark)
    phone,
    provider_settings,
    queued_tasks,
    run_worker,
    statements,
    task_errors,
)
from tests.factories import Factory
from tests.fakes.providers import FakeTwilio, twilio_error, twilio_sid

# The tests are about sending: a plan naming every channel, whatever the severity.
pytestmark = pytest.mark.usefixtures("open_plan")


@pytest.fixture(autouse=True)
def errors() -> Iterator[list[BaseException]]:
    huey.flush()
    sms_huey.flush()
    with task_errors() as caught:
        yield caught
    assert not caught, caught


@dataclass
class FakeClock:
    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class RecordingSms:
    clock: FakeClock
    sent: list[tuple[float, str]] = field(default_factory=list)

    def send(self, content: SmsContent, recipient: Recipient) -> str:
        self.sent.append((self.clock(), recipient.address))
        self.clock.now += 0.01  # a send takes a little time
        return f"SM{len(self.sent):032d}"


def _queue_sms(app: Flask, factory: Factory, count: int) -> None:
    """Publish to `count` SMS subscribers and expand, leaving the SMS queued for the pump."""
    add_subscribers(count, "sms")
    with queued_tasks():
        factory.incident()
        run_worker(app, only=["expand_event"])
    huey.flush()


def test_the_pump_starts_sends_no_faster_than_the_configured_rate(
    app: Flask, factory: Factory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config["TWILIO_MAX_PER_SECOND"] = 4.0
    _queue_sms(app, factory, 9)
    clock = FakeClock()
    channel = RecordingSms(clock)
    monkeypatch.setattr(registry, "sms_channel", lambda: channel)

    assert run_sms_pump(clock=clock, sleep=clock.sleep, concurrency=1) == 9

    times = [t - channel.sent[0][0] for t, _ in channel.sent]
    assert times == pytest.approx([i * 0.25 for i in range(9)])
    assert all(sum(1 for t in times if start <= t < start + 1) <= 4 for start in times)
    assert sorted(address for _, address in channel.sent) == [phone(n) for n in range(9)]
    assert {d.state for d in deliveries()} == {"sent"}


def test_the_pump_does_not_burst_to_catch_up_after_a_slow_send(
    app: Flask, factory: Factory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config["TWILIO_MAX_PER_SECOND"] = 2.0
    _queue_sms(app, factory, 4)
    clock = FakeClock()

    class SlowOnce(RecordingSms):
        def send(self, content: SmsContent, recipient: Recipient) -> str:
            sid = super().send(content, recipient)
            if len(self.sent) == 2:
                self.clock.now += 3.0  # the provider was slow this once
            return sid

    channel = SlowOnce(clock)
    monkeypatch.setattr(registry, "sms_channel", lambda: channel)

    run_sms_pump(clock=clock, sleep=clock.sleep, concurrency=1)

    starts = [t for t, _ in channel.sent]
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert gaps[1] >= 3.0
    # Making up lost time is limited to CATCH_UP_SECONDS: no burst.
    assert min(gaps) >= 0.5 - delivery_sms_pacing.CATCH_UP_SECONDS - 1e-9


def test_sms_reach_the_provider_at_the_configured_rate(
    app: Flask, factory: Factory, fake_twilio: FakeTwilio,
) -> None:
    app.config.update(provider_settings(twilio_url=fake_twilio.url),
                      TWILIO_MAX_PER_SECOND=20.0)
    _queue_sms(app, factory, 11)

    started = time.monotonic()
    delivery_tasks.sms_pump.call_local()
    elapsed = time.monotonic() - started

    assert elapsed >= 0.5  # 11 sends, 10 gaps of 1/20 s
    assert elapsed < 3.0
    assert sorted(m.param("To") for m in fake_twilio.messages) == [phone(n) for n in range(11)]
    assert {d.state for d in deliveries()} == {"sent"}


def test_a_429_pauses_the_pump_and_queues_the_message_again(
    app: Flask, factory: Factory, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config.update(provider_settings(twilio_url=fake_twilio.url),
                      TWILIO_MAX_PER_SECOND=100.0)
    _queue_sms(app, factory, 3)
    fake_twilio.respond_with(429, twilio_error(20429, "Too Many Requests", 429),
                             headers={"Retry-After": "4"})
    clock = FakeClock()

    run_sms_pump(clock=clock, sleep=clock.sleep, concurrency=1)

    rows = deliveries()
    assert [r.state for r in rows] == ["queued", "sent", "sent"]
    assert rows[0].error_code == "20429"
    assert sum(clock.slept) >= 4.0  # the next send waited for Retry-After
    assert len(fake_twilio.messages) == 3


def test_only_one_pump_runs_at_a_time(
    app: Flask, factory: Factory, fake_twilio: FakeTwilio,
) -> None:
    app.config.update(provider_settings(twilio_url=fake_twilio.url))
    _queue_sms(app, factory, 2)
    lock = sms_huey.lock_task(delivery_sms.PUMP_LOCK)
    lock.acquire()
    sms_huey.put(delivery_sms.HEARTBEAT_KEY, ("someone-else", time.time()))
    try:
        with pytest.raises(delivery_sms.PumpBusy):
            run_sms_pump()
        assert delivery_tasks.sms_pump.call_local() == 0
        # A live pump (fresh heartbeat) keeps its lock through the recovery.
        assert recover_expired_leases()["pump_cleared"] == 0
    finally:
        lock.release()
    assert fake_twilio.messages == []
    assert {d.state for d in deliveries()} == {"queued"}


def test_recovery_frees_the_lock_of_a_dead_pump_and_the_sms_go_out(
    app: Flask, factory: Factory, fake_twilio: FakeTwilio,
) -> None:
    app.config.update(provider_settings(twilio_url=fake_twilio.url),
                      TWILIO_MAX_PER_SECOND=100.0, DELIVERY_LEASE_SECONDS=5)
    _queue_sms(app, factory, 3)
    # A pump killed with -9: its lock stays, its heartbeat stops.
    sms_huey.lock_task(delivery_sms.PUMP_LOCK).acquire()
    sms_huey.put(delivery_sms.HEARTBEAT_KEY, ("dead-pump", time.time() - 60))

    result = recover_expired_leases()

    assert result["pump_cleared"] == 1
    assert sorted(m.param("To") for m in fake_twilio.messages) == [phone(n) for n in range(3)]
    assert not sms_huey.lock_task(delivery_sms.PUMP_LOCK).is_locked()


def test_a_pump_that_lost_its_lock_to_a_successor_stops(
    app: Flask, factory: Factory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config["TWILIO_MAX_PER_SECOND"] = 1.0
    _queue_sms(app, factory, 5)
    clock = FakeClock()

    class TakenOver(RecordingSms):
        def send(self, content: SmsContent, recipient: Recipient) -> str:
            if len(self.sent) == 1:  # meanwhile, recovery judged us dead and another started
                sms_huey.put(delivery_sms.HEARTBEAT_KEY, ("successor", time.time()))
            return super().send(content, recipient)

    monkeypatch.setattr(registry, "sms_channel", lambda: TakenOver(clock))

    tried = run_sms_pump(clock=clock, sleep=clock.sleep, concurrency=1)

    assert tried == 2
    # The successor's lock and heartbeat are left alone.
    assert sms_huey.get(delivery_sms.HEARTBEAT_KEY, peek=True)[0] == "successor"
    assert sms_huey.lock_task(delivery_sms.PUMP_LOCK).is_locked()
    sms_huey.lock_task(delivery_sms.PUMP_LOCK).clear()


def test_a_new_pump_keeps_the_pace_of_the_one_before(
    app: Flask, factory: Factory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config["TWILIO_MAX_PER_SECOND"] = 1.0
    _queue_sms(app, factory, 1)
    sms_huey.put(delivery_sms.LAST_SEND_KEY, time.time())  # the previous pump just sent
    clock = FakeClock()
    channel = RecordingSms(clock)
    monkeypatch.setattr(registry, "sms_channel", lambda: channel)

    run_sms_pump(clock=clock, sleep=clock.sleep, concurrency=1)

    assert channel.sent[0][0] - 1000.0 == pytest.approx(1.0, abs=0.1)
    assert sms_huey.get(delivery_sms.LAST_SEND_KEY, peek=True) >= time.time() - 5


def test_a_slow_provider_does_not_slow_the_pump_below_its_rate(
    app: Flask, factory: Factory, fake_twilio: FakeTwilio,
) -> None:
    app.config.update(provider_settings(twilio_url=fake_twilio.url),
                      TWILIO_MAX_PER_SECOND=20.0)
    _queue_sms(app, factory, 10)
    for _ in range(10):  # every answer takes 0.3 s: one at a time would need 3 s
        fake_twilio.respond_with(201, {"sid": twilio_sid(), "status": "queued"}, delay=0.3)
    # The Twilio SDK is imported on first use (notify.registry): not inside the timing.
    registry.sms_channel()

    started = time.monotonic()
    delivery_tasks.sms_pump.call_local()
    elapsed = time.monotonic() - started

    assert delivery_sms.concurrency_for(20.0) > 1
    assert elapsed >= 0.45  # the pacing: 10 at 20/s
    # Overlap, read at the provider rather than off the wall clock (a loaded CI machine took
    # 2-3 s in all): a send started while the one before it was still being answered (0.3 s).
    arrivals = sorted(m.at for m in fake_twilio.messages)
    assert any(later - earlier < 0.25 for earlier, later in pairwise(arrivals))
    assert sorted(m.param("To") for m in fake_twilio.messages) == [phone(n) for n in range(10)]
    assert {d.state for d in deliveries()} == {"sent"}
    assert len({d.provider_message_id for d in deliveries()}) == 10


def test_sms_wait_in_a_queue_of_their_own_for_the_sms_process(
    app: Flask, factory: Factory,
) -> None:
    add_subscribers(3, "sms")
    add_subscribers(2)
    with queued_tasks():
        factory.incident()
        run_worker(app, only=["expand_event"])

        assert [t.name for t in sms_huey.pending()] == ["sms_pump"]
        assert sorted(t.name for t in huey.pending()) == ["send_email_chunk"]


def test_a_pump_already_running_is_not_queued_again(app: Flask, factory: Factory) -> None:
    add_subscribers(3, "sms")
    with queued_tasks():
        lock = sms_huey.lock_task(delivery_sms.PUMP_LOCK)
        lock.acquire()
        factory.incident()
        run_worker(app, only=["expand_event"])
        # The running pump claims until nothing is due, and looks again once it stops.
        assert sms_huey.pending() == []
        lock.release()

        assert send_due(older_than=0) == 1
        assert [t.name for t in sms_huey.pending()] == ["sms_pump"]


def test_a_threaded_pump_saves_what_twilio_accepted_in_a_few_batches(
    app: Flask, factory: Factory, fake_twilio: FakeTwilio,
) -> None:
    app.config.update(provider_settings(twilio_url=fake_twilio.url),
                      TWILIO_MAX_PER_SECOND=200.0)
    _queue_sms(app, factory, 20)

    with statements() as seen:
        assert run_sms_pump() == 20

    saves = [s for s in seen
             if s.startswith("UPDATE delivery SET state=") and "provider_message_id=" in s]
    assert 1 <= len(saves) <= 4  # one executemany a tenth of a second, not one per SMS
    rows = deliveries()
    assert {d.state for d in rows} == {"sent"}
    assert len({d.provider_message_id for d in rows}) == 20
    assert all(d.provider_message_id.startswith("SM") for d in rows)


def test_a_save_the_database_refused_is_tried_again(
    app: Flask, factory: Factory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _queue_sms(app, factory, 2)
    ids = delivery_send.claim([d.id for d in deliveries()])
    real, tries = delivery_acceptances.mark_sent_rows, []

    def locked_thrice(sent: list[tuple[int, str, int | None]], at: object = None) -> None:
        tries.append(list(sent))
        if len(tries) <= 3:
            raise OperationalError("UPDATE delivery", {}, Exception("database is locked"))
        real(sent, at)  # type: ignore[arg-type]

    monkeypatch.setattr(delivery_acceptances, "mark_sent_rows", locked_thrice)
    saver = delivery_sms_send.SentSaver(app, threaded=True)
    saver.sent(ids[0], "SM1")
    saver.sent(ids[1], "SM2")
    saver.close()

    assert len(tries) >= 4
    assert [(d.state, d.provider_message_id) for d in deliveries()] == [
        ("sent", "SM1"), ("sent", "SM2")]
