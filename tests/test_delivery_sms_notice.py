"""The opt-out wording carriers require: on every number's first SMS, noted once accepted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.core import segments
from statuspage.core.extensions import db
from statuspage.models import Subscriber
from statuspage.plan.stakeholder_members import MemberInput
from statuspage.subscriptions import leaving
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
    task_errors,
)
from tests.factories import Factory
from tests.fakes.providers import FakeTwilio
from tests.stakeholder_support import group_with, store_plan

pytestmark = pytest.mark.usefixtures("open_plan")
STOP = "Reply STOP to unsubscribe"
# With the page "Acme", this title and body fill one GSM-7 segment without the STOP line:
# the notice costs a second segment.
TITLE = "Checkout errors"
BODY = "We are investigating errors when paying by card. Orders are safe."


@pytest.fixture(autouse=True)
def errors() -> Iterator[list[BaseException]]:
    huey.flush()
    sms_huey.flush()
    with task_errors() as caught:
        yield caught
    assert not caught, caught


@pytest.fixture
def twilio(app: Flask, fake_twilio: FakeTwilio) -> FakeTwilio:
    app.config.update(provider_settings(twilio_url=fake_twilio.url),
                      TWILIO_MAX_PER_SECOND=100.0)
    return fake_twilio


def _publish_and_send(app: Flask, factory: Factory, **incident: str) -> None:
    with queued_tasks():
        factory.incident(name=incident.get("name", TITLE), body=incident.get("body", BODY),
                         severity=incident.get("severity", "SEV3"))
        run_worker(app, only=["expand_event"])
    huey.flush()
    delivery_tasks.sms_pump.call_local()


def _subscriber(address: str) -> Subscriber:
    db.session.expire_all()
    return db.session.execute(select(Subscriber).where(Subscriber.address == address)
                              ).scalar_one()


def _bodies(twilio: FakeTwilio, address: str) -> list[str]:
    return [m.param("Body") or "" for m in twilio.messages if m.param("To") == address]


def test_a_numbers_first_sms_carries_the_stop_line_even_at_the_cost_of_a_segment(
        app: Flask, factory: Factory, twilio: FakeTwilio) -> None:
    add_subscribers(1, "sms")

    _publish_and_send(app, factory)

    [first] = _bodies(twilio, phone(0))
    assert first.endswith("\n" + STOP)
    assert BODY in first  # the body kept whole: the notice took the second segment
    assert segments.segment_count(first) == 2
    assert _subscriber(phone(0)).opt_out_notice_at is not None


def test_later_sms_to_the_number_leave_the_stop_line_out_when_it_does_not_fit(
        app: Flask, factory: Factory, twilio: FakeTwilio) -> None:
    add_subscribers(1, "sms")
    _publish_and_send(app, factory)
    noticed_at = _subscriber(phone(0)).opt_out_notice_at

    _publish_and_send(app, factory, name="Checkout errors again")

    second = _bodies(twilio, phone(0))[1]
    assert STOP not in second
    assert segments.segment_count(second) == 1
    assert _subscriber(phone(0)).opt_out_notice_at == noticed_at


def test_the_notice_is_noted_only_once_the_provider_accepted_the_sms(
        app: Flask, factory: Factory, twilio: FakeTwilio) -> None:
    add_subscribers(1, "sms")
    twilio.respond_with(500, {"code": 20500, "message": "Internal error", "status": 500})

    _publish_and_send(app, factory)

    [refused] = _bodies(twilio, phone(0))
    assert refused.endswith(STOP)
    assert [d.state for d in deliveries()] == ["queued"]  # to be retried
    assert _subscriber(phone(0)).opt_out_notice_at is None

    db.session.execute(db.text("UPDATE delivery SET next_attempt_at = created_at"))
    db.session.commit()
    delivery_tasks.sms_pump.call_local()

    retried = _bodies(twilio, phone(0))[1]
    assert retried.endswith(STOP)  # the retry still carries it
    assert [d.state for d in deliveries()] == ["sent"]
    assert _subscriber(phone(0)).opt_out_notice_at is not None


def test_numbers_that_had_the_notice_and_those_that_did_not_get_their_own_text(
        app: Flask, factory: Factory, twilio: FakeTwilio) -> None:
    old, _new = add_subscribers(2, "sms")
    db.session.get(Subscriber, old).opt_out_notice_at = db.func.current_timestamp()
    db.session.commit()

    _publish_and_send(app, factory)

    assert STOP not in _bodies(twilio, phone(0))[0]
    assert _bodies(twilio, phone(1))[0].endswith(STOP)


def test_a_stakeholder_members_first_sms_carries_the_stop_line_too(
        app: Flask, factory: Factory, twilio: FakeTwilio) -> None:
    group_with("Execs", MemberInput("Cy", "", "+12025550144"))
    store_plan({"Execs": ["sms"]})

    _publish_and_send(app, factory, severity="SEV1")
    _publish_and_send(app, factory, severity="SEV1", name="Checkout errors again")

    first, second = _bodies(twilio, "+12025550144")
    assert first.endswith(STOP)
    # Later ones carry it only where it costs nothing (no extra segment).
    assert segments.segment_count(second) == segments.segment_count(
        second.removesuffix("\n" + STOP))
    assert _subscriber("+12025550144").opt_out_notice_at is not None


def test_a_number_that_comes_back_after_stop_is_told_again(
        app: Flask, factory: Factory, twilio: FakeTwilio) -> None:
    [sid] = add_subscribers(1, "sms", state="unsubscribed")
    subscriber = db.session.get(Subscriber, sid)
    subscriber.opt_out_notice_at = db.func.current_timestamp()
    db.session.commit()

    leaving.resubscribe(db.session.get(Subscriber, sid))
    _publish_and_send(app, factory)

    assert _bodies(twilio, phone(0))[0].endswith(STOP)
