"""Publishing an update: the outbox marker, and its expansion into one delivery per subscriber."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from statuspage.accounts import users as accounts
from statuspage.core.extensions import db
from statuspage.delivery.expand import expand_event
from statuspage.delivery.records import summary
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import (
    Delivery,
    FanoutEvent,
    IncidentUpdate,
    OutboxMessage,
    Subscriber,
    utcnow,
)
from statuspage.outbox import publish as delivery
from statuspage.page.record import get_page
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
from tests.factories import PASSWORD, Factory
from tests.fakes.providers import FakeSendGrid

# The tests are about sending: a plan naming every channel, whatever the severity.
pytestmark = pytest.mark.usefixtures("open_plan")


@pytest.fixture
def errors() -> Iterator[list[BaseException]]:
    with task_errors() as caught:
        yield caught
    assert not caught, caught


@pytest.fixture
def queued() -> Iterator[None]:
    with queued_tasks():
        yield


def _sent_addresses(fake: FakeSendGrid) -> list[str]:
    return [p["to"][0]["email"] for send in fake.sends for p in send.json["personalizations"]]


def test_publish_commits_a_pending_event_and_leaves_all_work_to_the_worker(
    app: Flask, client: FlaskClient, factory: Factory, fake_sendgrid: FakeSendGrid,
    queued: None, errors: list[BaseException], monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config.update(provider_settings(sendgrid_url=fake_sendgrid.url))
    monkeypatch.setattr(accounts, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    user = factory.user(role="communicator")
    api = factory.component("API")
    add_subscribers(1500)
    assert client.post("/console/login", data={"email": user.email,
                                               "password": PASSWORD}).status_code == 302

    response = client.post("/console/incidents/new", data={
        "name": "API errors", "severity": "SEV2", "status": "identified", "body": "Fixing.",
        f"component-{api.id}": "partial_outage", "deliver_notifications": "y",
        "action": "publish",
    })

    assert response.status_code == 303
    event = only_event()
    # Stored as the plan's event it announces: this update opened the incident.
    assert (event.state, event.cursor, event.kind) == ("pending", 0, "incident_opened")
    assert event.component_ids == [api.id]
    assert event.channels == ["email", "sms", "webhook"]
    assert db.session.scalar(select(func.count(Delivery.id))) == 0
    assert fake_sendgrid.sends == []
    assert pending_task_names() == ["expand_event"]

    run_worker(app)

    assert only_event().state == "done"
    assert sorted(_sent_addresses(fake_sendgrid)) == sorted(email(n) for n in range(1500))
    # 1,500 recipients: two SendGrid calls, of 1,000 and 500.
    assert sorted(len(s.json["personalizations"]) for s in fake_sendgrid.sends) == [500, 1000]
    assert summary(event.id) == {"email": {"sent": 1500}}


def test_publish_request_time_does_not_depend_on_the_subscriber_count(
    app: Flask, factory: Factory, queued: None,
) -> None:
    def publish_time() -> float:
        incident = factory.incident()
        started = time.perf_counter()
        post_update(incident, UpdateInput(status="monitoring", body="Better."), None)
        return time.perf_counter() - started

    few = min(publish_time() for _ in range(3))
    add_subscribers(20_000)
    many = min(publish_time() for _ in range(3))

    assert db.session.scalar(select(func.count(Delivery.id))) == 0
    # Generous bound for a noisy machine; reading 20,000 subscribers would take far longer.
    assert many < few * 3 + 0.05


def test_a_rolled_back_publish_enqueues_nothing_even_at_the_next_commit(
    app: Flask, factory: Factory, queued: None,
) -> None:
    incident = factory.incident()
    run_worker(app)
    update = IncidentUpdate(status="monitoring", body="Better.", visibility="public",
                            deliver_notifications=True)
    incident.updates.append(update)

    assert delivery.create_fanout(update) is not None  # flushed, not committed
    db.session.rollback()
    db.session.commit()  # a later commit in the same session must not enqueue it either

    assert db.session.scalar(select(func.count(FanoutEvent.id))) == 1  # the first update's
    assert pending_task_names() == []


def test_the_expansion_is_enqueued_only_after_the_commit(
    app: Flask, factory: Factory, queued: None,
) -> None:
    incident = factory.incident()
    run_worker(app)
    update = IncidentUpdate(status="monitoring", body="Better.", visibility="public",
                            deliver_notifications=True)
    incident.updates.append(update)

    event = delivery.create_fanout(update)
    assert event is not None
    assert pending_task_names() == []
    db.session.commit()

    assert [t.args for t in huey.pending()] == [(event.id,)]


@pytest.mark.parametrize(("visibility", "notify"), [("internal", True), ("public", False)])
def test_internal_or_silent_updates_announce_nothing(
    app: Flask, factory: Factory, visibility: str, notify: bool, errors: list[BaseException],
) -> None:
    incident = factory.incident()
    add_subscribers(3)
    before = db.session.scalar(select(func.count(FanoutEvent.id)))

    post_update(incident, UpdateInput(status="monitoring", body="x", visibility=visibility,
                                      deliver_notifications=notify), None)

    assert db.session.scalar(select(func.count(FanoutEvent.id))) == before
    assert db.session.scalar(select(func.count(Delivery.id))) == 0


def test_fanout_reaches_only_active_subscribers(
    app: Flask, factory: Factory, errors: list[BaseException],
) -> None:
    active = add_subscribers(4)
    add_subscribers(2, start=100, state="unconfirmed")
    add_subscribers(2, start=200, state="unsubscribed")
    add_subscribers(2, start=300, state="suppressed")

    factory.incident()

    assert sorted(d.subscriber_id for d in deliveries()) == active
    outbox = db.session.execute(select(OutboxMessage.to)).scalars().all()
    assert sorted(outbox) == sorted(email(n) for n in range(4))


def test_components_filter_who_hears_about_an_update(
    app: Flask, factory: Factory, errors: list[BaseException],
) -> None:
    group = factory.group("Platform")
    api = factory.component("API", group=group)
    web = factory.component("Web")
    everything = add_subscribers(2, start=0)
    api_fans = add_subscribers(2, start=10, components=[api])
    web_fans = add_subscribers(2, start=20, components=[web])
    group_fans = add_subscribers(1, start=30, components=[group])
    both = add_subscribers(1, start=40, components=[api, web])

    factory.incident(components={api: "major_outage"})
    factory.incident(name="General notice")  # no components: everyone

    first, second = db.session.execute(select(FanoutEvent.id).order_by(FanoutEvent.id)
                                       ).scalars().all()
    assert sorted(d.subscriber_id for d in deliveries(first)) == sorted(
        everything + api_fans + group_fans + both)
    assert sorted(d.subscriber_id for d in deliveries(second)) == sorted(
        everything + api_fans + web_fans + group_fans + both)


def test_closed_channels_are_not_announced_to(
    app: Flask, factory: Factory, errors: list[BaseException],
) -> None:
    page = get_page()
    page.allow_sms_subscribers = False
    page.allow_webhook_subscribers = False
    db.session.commit()
    add_subscribers(2)
    add_subscribers(2, "sms")

    factory.incident()

    event = only_event()
    assert event.channels == ["email"]
    assert {d.channel for d in deliveries()} == {"email"}


def test_expansion_works_in_batches_and_resumes_at_the_saved_cursor(
    app: Flask, factory: Factory, queued: None, errors: list[BaseException],
) -> None:
    app.config["FANOUT_BATCH_SIZE"] = 10
    ids = add_subscribers(35)
    factory.incident()
    event = only_event()
    # A worker that died after two batches: cursor saved, lease expired.
    db.session.execute(Delivery.__table__.insert(), [
        {"event_id": event.id, "subscriber_id": sid, "channel": "email", "state": "sent",
         "attempts": 1} for sid in ids[:20]])
    event.state, event.cursor = "expanding", ids[19]
    db.session.commit()

    created = expand_event(event.id)

    assert created == 15
    event = only_event()
    assert (event.state, event.cursor) == ("done", ids[-1])
    rows = deliveries(event.id)
    assert len(rows) == 35
    assert sorted(r.subscriber_id for r in rows if r.state == "queued") == ids[20:]
    # Send work for the new batches only: one chunk each, of 10 and of 5.
    assert pending_task_names().count("send_email_chunk") == 2


def test_rerunning_an_expansion_creates_no_second_delivery(
    app: Flask, factory: Factory, fake_sendgrid: FakeSendGrid, errors: list[BaseException],
) -> None:
    app.config.update(provider_settings(sendgrid_url=fake_sendgrid.url))
    app.config["FANOUT_BATCH_SIZE"] = 7
    add_subscribers(20)
    factory.incident()
    event = only_event()
    assert len(_sent_addresses(fake_sendgrid)) == 20

    # Even forced back to the start (a lost cursor), the unique key keeps one per subscriber.
    event.state, event.cursor = "pending", 0
    db.session.commit()
    assert expand_event(event.id) == 0

    assert len(deliveries(event.id)) == 20
    assert len(_sent_addresses(fake_sendgrid)) == 20
    assert only_event().state == "done"


def test_an_event_being_expanded_by_a_live_worker_is_left_alone(
    app: Flask, factory: Factory, queued: None,
) -> None:
    add_subscribers(3)
    factory.incident()
    event = only_event()
    event.state, event.lease_until = "expanding", utcnow() + timedelta(minutes=5)
    db.session.commit()

    assert expand_event(event.id) == 0
    assert only_event().state == "expanding"
    assert deliveries() == []


def test_subscribers_in_other_languages_get_their_own_batches(
    app: Flask, factory: Factory, fake_sendgrid: FakeSendGrid, errors: list[BaseException],
) -> None:
    app.config.update(provider_settings(sendgrid_url=fake_sendgrid.url))
    add_subscribers(3, language="en")
    add_subscribers(2, start=10, language="nb")

    factory.incident()

    sizes = sorted(len(s.json["personalizations"]) for s in fake_sendgrid.sends)
    assert sizes == [2, 3]
    languages = db.session.execute(select(Subscriber.language).distinct()).scalars().all()
    assert sorted(languages) == ["en", "nb"]
