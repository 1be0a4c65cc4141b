"""A worker asked to stop (core.shutdown) ends each kind of long-running work (deliveries,
subscriber imports) after the step it is in, gives back what it claimed and did not send, and
enqueues the rest for the next process.

In-process, step by step; tests/test_worker_shutdown.py sends SIGTERM to real processes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from huey.exceptions import CancelExecution
from sqlalchemy import func, select

from statuspage.core import shutdown
from statuspage.core.extensions import db
from statuspage.delivery import email as delivery_email
from statuspage.delivery import expand as delivery_expand
from statuspage.delivery.sms.pump import run_sms_pump
from statuspage.models import Subscriber, SubscriberImport
from statuspage.notify import registry
from statuspage.subscriptions import imports as subscriber_import
from statuspage.subscriptions.csv_rows import ImportOptions
from statuspage.tasks import delivery as delivery_tasks
from statuspage.tasks.consumer import put_back_when_stopping
from statuspage.tasks.queues import huey, sms_huey
from tests.delivery_support import (
    add_subscribers,
    deliveries,
    only_event,
    open_plan,  # noqa: F401 (a fixture, used by pytestmark)
    pending_task_names,
    provider_settings,
    queued_tasks,
    run_worker,
)
from tests.factories import Factory
from tests.fakes.providers import FakeSendGrid, FakeTwilio, twilio_error

pytestmark = pytest.mark.usefixtures("open_plan")


@pytest.fixture(autouse=True)
def stop_request_forgotten() -> Iterator[None]:
    huey.flush()
    sms_huey.flush()
    yield
    shutdown.reset()


class StopDuringSend:
    """The real email channel; the stop request arrives while its first call is in flight."""

    def __init__(self, channel: Any) -> None:
        self.channel = channel
        self.calls = 0

    def send_batch(self, *args: Any) -> str:
        self.calls += 1
        shutdown.request()
        return str(self.channel.send_batch(*args))


def test_an_email_chunk_finishes_the_call_in_flight_and_enqueues_the_rest(
    app: Flask, factory: Factory, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config.update(provider_settings(sendgrid_url=fake_sendgrid.url))
    add_subscribers(3, language="en")
    add_subscribers(2, start=10, language="nb")
    with queued_tasks():
        factory.incident()
        run_worker(app, only=["expand_event"])
        huey.flush()
        channel = StopDuringSend(registry.email_channel())
        monkeypatch.setattr(registry, "email_channel", lambda: channel)
        ids = [d.id for d in deliveries()]

        # One chunk, two SendGrid calls (a language each): the stop comes during the first.
        assert delivery_email.send_email_chunk(ids) == 3

        rows = deliveries()
        assert channel.calls == 1 and len(fake_sendgrid.sends) == 1
        assert [(r.state, r.attempts) for r in rows] == [("sent", 1)] * 3 + [("queued", 0)] * 2
        assert all(r.lease_until is None for r in rows)
        [task] = huey.pending()
        assert task.name == "send_email_chunk" and task.args == ([r.id for r in rows[3:]],)


def test_an_expansion_stops_after_its_batch_and_the_next_process_resumes_at_the_cursor(
    app: Flask, factory: Factory,
) -> None:
    app.config.update(FANOUT_BATCH_SIZE=2)
    add_subscribers(5)
    with queued_tasks():
        factory.incident()
        event_id = only_event().id
        huey.flush()
        shutdown.request()

        assert delivery_expand.expand_event(event_id) == 2

        event = only_event()
        assert (event.state, event.lease_until) == ("expanding", None)
        assert pending_task_names()[-1].endswith("expand_event")
        shutdown.reset()  # the next process
        huey.flush()
        assert delivery_expand.expand_event(event_id) == 3
    assert only_event().state == "done" and len(deliveries()) == 5


def test_a_stop_wakes_the_sms_pump_from_a_providers_pause_and_gives_back_its_claims(
    app: Flask, factory: Factory, fake_twilio: FakeTwilio,
) -> None:
    app.config.update(provider_settings(twilio_url=fake_twilio.url), TWILIO_MAX_PER_SECOND=10.0)
    add_subscribers(4, "sms")
    with queued_tasks():
        factory.incident()
        run_worker(app, only=["expand_event"])
        huey.flush()
        sms_huey.flush()
        # Twilio asks for a minute's pause: the pump's next send would wait for it.
        fake_twilio.respond_with(429, twilio_error(20429, "Too Many Requests", 429),
                                 headers={"Retry-After": "60"})
        threading.Timer(0.5, shutdown.request).start()
        started = time.monotonic()

        run_sms_pump(concurrency=1)

        assert time.monotonic() - started < 3.0
        rows = deliveries()
        assert len(fake_twilio.messages) == 1
        assert rows[0].state == "queued" and rows[0].error_code == "20429"  # its retry
        assert [(r.state, r.attempts) for r in rows[1:]] == [("queued", 0)] * 3
        assert not any(r.state == "sending" for r in rows)
        # The pump is enqueued again for the next sms process (the retry's time, or now).
        assert [t.name for t in sms_huey.pending() + sms_huey.scheduled()] == ["sms_pump"]


def test_a_task_taken_from_the_queue_as_the_stop_began_goes_back_unrun(app: Flask) -> None:
    with queued_tasks():
        task = delivery_tasks.send_webhook.s(7)
        put_back_when_stopping(huey, task)  # not stopping: runs
        assert huey.pending() == []

        shutdown.request()
        with pytest.raises(CancelExecution):
            put_back_when_stopping(huey, task)
        [back] = huey.pending()
        assert (back.id, back.args) == (task.id, (7,))


def test_a_subscriber_import_stops_after_its_batch_and_the_next_process_carries_on(
    app: Flask, factory: Factory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = factory.user(role="admin")
    monkeypatch.setattr(subscriber_import, "IMPORT_BATCH", 3)
    text = "channel,address\n" + "".join(f"email,s{n}@acme.example\n" for n in range(2, 12))
    with queued_tasks():
        job = subscriber_import.start_import(
            text.encode(), ImportOptions(pre_confirmed=True, consent_note="x"), admin)
        huey.flush()
        shutdown.request()

        assert subscriber_import.run_import(job.id) is False

        db.session.expire_all()
        stopped = db.session.get_one(SubscriberImport, job.id)
        assert (stopped.state, stopped.cursor, stopped.lease_until) == ("running", 4, None)
        assert db.session.scalar(select(func.count(Subscriber.id))) == 3
        assert pending_task_names() == ["run_subscriber_import"]
        shutdown.reset()  # the next process
        run_worker(app)
    db.session.expire_all()
    assert db.session.get_one(SubscriberImport, job.id).state == "done"
    assert db.session.scalar(select(func.count(Subscriber.id))) == 10
