"""An email chunk costs the database the same few statements for 30 recipients or 1,000.

The fan-out's speed depends on it: 100,000 emails are 100 chunks, and a statement (or an ORM
object) per recipient would cost more than the SendGrid call.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from statuspage.core.extensions import db
from statuspage.delivery import send as delivery_send
from statuspage.models import Subscriber, utcnow
from tests.delivery_support import (
    add_subscribers,
    deliveries,
    open_plan,  # noqa: F401 (a fixture, used by pytestmark)
    provider_settings,
    queued_tasks,
    run_worker,
    statements,
    task_errors,
)
from tests.factories import Factory
from tests.fakes.providers import FakeSendGrid

# The tests are about sending: a plan naming every channel, whatever the severity.
pytestmark = pytest.mark.usefixtures("open_plan")


def _updates(seen: list[str]) -> list[str]:
    return [s for s in seen if s.startswith("UPDATE delivery ")]


def _send_chunk(app: Flask, factory: Factory, count: int, before_send: Any = None
                ) -> list[str]:
    """Publish to `count` email subscribers; the statements their one chunk sent."""
    add_subscribers(count)
    with queued_tasks(), task_errors() as errors:
        factory.incident()
        run_worker(app, only=["expand_event"])
        if before_send is not None:
            before_send()
        with statements() as seen:
            assert run_worker(app, only=["send_email_chunk"]) == 1
    assert errors == []
    return seen


@pytest.mark.parametrize("count", [30, 1000])
def test_a_chunk_claims_and_saves_its_deliveries_in_one_update_each(
    app: Flask, factory: Factory, fake_sendgrid: FakeSendGrid, count: int,
) -> None:
    app.config.update(provider_settings(sendgrid_url=fake_sendgrid.url))

    seen = _send_chunk(app, factory, count)

    assert len(fake_sendgrid.sends) == 1
    assert len(fake_sendgrid.sends[0].json["personalizations"]) == count
    assert {d.state for d in deliveries()} == {"sent"}
    claim, saved = _updates(seen)
    assert "RETURNING" in claim and "provider_message_id" in saved
    # Whatever the size, the same statements (9 today): none per recipient.
    assert len(seen) <= 10, seen


def test_deliveries_to_subscribers_gone_since_are_suppressed_in_one_update_per_reason(
    app: Flask, factory: Factory, fake_sendgrid: FakeSendGrid,
) -> None:
    app.config.update(provider_settings(sendgrid_url=fake_sendgrid.url))

    def leave() -> None:
        ids = list(db.session.execute(select(Subscriber.id).order_by(Subscriber.id)).scalars())
        now = utcnow()
        db.session.execute(update(Subscriber).where(Subscriber.id.in_(ids[:3]))
                           .values(unsubscribed_at=now))
        db.session.execute(update(Subscriber).where(Subscriber.id.in_(ids[3:5]))
                           .values(suppressed_at=now, suppression_reason="bounce"))
        db.session.commit()

    seen = _send_chunk(app, factory, 8, before_send=leave)

    assert len(_updates(seen)) == 4  # claim, one per reason, sent
    rows = deliveries()
    assert Counter((d.state, d.last_error) for d in rows) == Counter({
        ("suppressed", "Subscriber unsubscribed"): 3, ("suppressed", "Subscriber bounce"): 2,
        ("sent", None): 3})
    assert len(fake_sendgrid.sends[0].json["personalizations"]) == 3


def test_a_chunk_reads_its_recipients_without_loading_subscriber_objects(
    app: Flask, factory: Factory,
) -> None:
    add_subscribers(20)
    with queued_tasks():
        factory.incident()
        run_worker(app, only=["expand_event"])
    ids = [d.id for d in deliveries()]
    db.session.remove()

    items = delivery_send.load_items(delivery_send.claim(ids))

    assert len(items) == 20 and all(i.recipient is not None for i in items)
    assert not any(isinstance(o, Subscriber) for o in db.session.identity_map.values())
    db.session.remove()
    assert {d.state for d in deliveries()} == {"sending"}
