"""Helpers for the delivery tests: subscribers in bulk, provider settings, a hand-run worker."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from huey import signals
from sqlalchemy import event, insert, select

from statuspage.core.extensions import db
from statuspage.models import Component, Delivery, FanoutEvent, Subscriber, utcnow
from statuspage.models.subscribers import subscriber_component
from statuspage.tasks.queues import huey, sms_huey

# Both queues: the worker's and the SMS pump's (statuspage.tasks.queues).
QUEUES = (huey, sms_huey)

TWILIO_SID = "AC" + "0" * 32


def provider_settings(sendgrid_url: str | None = None, twilio_url: str | None = None
                      ) -> dict[str, Any]:
    """Config that makes the real SendGrid/Twilio/webhook channels talk to the local fakes."""
    settings: dict[str, Any] = {"WEBHOOK_ALLOW_LOOPBACK": True}
    if sendgrid_url:
        settings.update(SENDGRID_API_KEY="SG.test-key", SENDGRID_API_BASE_URL=sendgrid_url,
                        MAIL_FROM="status@example.com")
    if twilio_url:
        settings.update(TWILIO_ACCOUNT_SID=TWILIO_SID, TWILIO_AUTH_TOKEN="test-token",
                        TWILIO_FROM="+14155550100", TWILIO_API_BASE_URL=twilio_url,
                        TWILIO_MESSAGING_SERVICE_SID=None)
    return settings


def email(n: int) -> str:
    return f"reader{n}@example.com"


def phone(n: int) -> str:
    """Valid-format US numbers (+1 415 555 xxxx), distinct for n < 10,000."""
    return f"+1415555{n:04d}"


def add_subscribers(count: int, channel: str = "email", *, start: int = 0,
                    components: Sequence[Component] = (), language: str = "en",
                    state: str = "active", address: Any = None) -> list[int]:
    """Insert `count` subscribers in one statement; returns their ids in order.

    state: active (confirmed), unconfirmed, unsubscribed or suppressed.
    """
    now = utcnow()
    make = address or {"email": email, "sms": phone,
                       "webhook": lambda n: f"http://127.0.0.1:9/hook/{n}"}[channel]
    rows = []
    for n in range(start, start + count):
        rows.append({
            "public_id": secrets.token_hex(6), "channel": channel, "address": make(n),
            "language": language, "created_at": now, "consent_source": "test",
            "consent_at": now, "code_attempts": 0, "token_version": 1,
            "secret": "whsec-test" if channel == "webhook" else None,
            "confirmed_at": None if state == "unconfirmed" else now,
            "unsubscribed_at": now if state == "unsubscribed" else None,
            "suppressed_at": now if state == "suppressed" else None,
            "suppression_reason": "bounce" if state == "suppressed" else None,
        })
    db.session.execute(insert(Subscriber), rows)
    ids = list(db.session.execute(
        select(Subscriber.id).where(Subscriber.channel == channel,
                                    Subscriber.address.in_([r["address"] for r in rows]))
        .order_by(Subscriber.id)
    ).scalars())
    if components:
        db.session.execute(insert(subscriber_component), [
            {"subscriber_id": sid, "component_id": c.id} for sid in ids for c in components])
    db.session.commit()
    return ids


def deliveries(event_id: int | None = None) -> list[Delivery]:
    query = select(Delivery).order_by(Delivery.id)
    if event_id is not None:
        query = query.where(Delivery.event_id == event_id)
    db.session.expire_all()
    return list(db.session.execute(query).scalars())


def only_event() -> FanoutEvent:
    db.session.expire_all()
    return db.session.execute(select(FanoutEvent)).scalar_one()


@contextmanager
def queued_tasks() -> Iterator[None]:
    """Tasks go to an in-memory queue instead of running inline (HUEY_IMMEDIATE is on in tests).

    Nothing runs until `run_worker()`: the test sees exactly what a request left behind.
    """
    for queue in QUEUES:
        queue.immediate = False
        queue.storage = queue.get_immediate_storage()
    try:
        yield
    finally:
        for queue in QUEUES:
            queue.immediate = True
            queue.storage = queue.get_immediate_storage()


def pending_task_names() -> list[str]:
    """Tasks waiting in either queue (the SMS pump's last)."""
    return [task.name for queue in QUEUES for task in queue.pending()]


def run_worker(app: Flask, limit: int = 100_000, only: Sequence[str] | None = None) -> int:
    """Run queued tasks as the consumer would, until the queue is empty; returns tasks run.

    Runs outside the test's app context, as a consumer thread does (tasks push their own).
    `only`: run just these task names, leaving the others queued.
    """
    ran = 0
    skipped = []
    while ran < limit:
        found = _dequeue()
        if found is None:
            break
        queue, task = found
        if only is not None and not any(task.name.endswith(name) for name in only):
            skipped.append((queue, task))
            continue
        queue.execute(task)
        ran += 1
    for queue, task in skipped:
        queue.enqueue(task)
    return ran


def _dequeue() -> tuple[Any, Any] | None:
    """The next task, from the worker's queue first, and its queue."""
    for queue in QUEUES:
        task = queue.dequeue()
        if task is not None:
            return queue, task
    return None


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement sent to the database meanwhile (an executemany counts once)."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@contextmanager
def task_errors() -> Iterator[list[BaseException]]:
    """Collect exceptions raised inside tasks (Huey logs them and carries on)."""
    errors: list[BaseException] = []

    def on_error(signal: str, task: Any, exc: BaseException | None = None) -> None:
        errors.append(exc if exc is not None else RuntimeError(f"task {task} failed"))

    for queue in QUEUES:
        queue.signal(signals.SIGNAL_ERROR)(on_error)
    try:
        yield errors
    finally:
        for queue in QUEUES:
            queue.disconnect_signal(on_error, signals.SIGNAL_ERROR)


def store_open_plan() -> None:
    """Store a plan that sends every public event on every channel at every severity.

    The delivery tests are about sending, not about the plan: with it, whatever channels
    the page has open are the ones an event goes out on (as before the plan existed).
    """
    from statuspage.models.plan import PLAN_SEVERITIES, PUBLIC
    from statuspage.models.subscribers import CHANNELS
    from statuspage.plan import save as plan_save
    from statuspage.plan.document import VERSION, events_for

    plan_save.save_document({"version": VERSION, "severities": {
        severity: {"cadence_minutes": None, "approval": False, "audiences": {
            PUBLIC: {event: list(CHANNELS) for event in events_for(severity)}}}
        for severity in PLAN_SEVERITIES}}, None)


@pytest.fixture
def open_plan(app: Flask) -> None:
    """Use with `pytestmark = pytest.mark.usefixtures("open_plan")`: see store_open_plan."""
    store_open_plan()
