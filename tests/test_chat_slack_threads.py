"""A stakeholder group's Slack channel reached with the bot token: each incident's messages share
one thread (the resolution shown in the channel too), through the real worker path, over HTTP
to the fake Slack Web API; transient failures and re-sends never start a second thread; no
token leaves Slack webhooks as they were."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.delivery.chat import send_chat
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import (
    ChatThread,
    Delivery,
    Incident,
    IncidentUpdate,
    StakeholderGroup,
    Subscriber,
    utcnow,
)
from statuspage.models.deliveries import QUEUED
from statuspage.notify.base import ChatContent
from statuspage.notify.chat.slack_api import SlackWebApi
from statuspage.plan.stakeholder_chat import (
    ChatInput,
    remove_chat_destination,
    update_chat_destination,
)
from statuspage.tasks.queues import huey
from tests.chat_delivery_support import (
    bot_ready,
    group_with_bot_channel,
    group_with_chats,
    run_all,
    worker,
)
from tests.chat_payloads import PAYLOADS
from tests.delivery_support import deliveries, queued_tasks, run_worker
from tests.factories import Factory
from tests.fakes.chat import FakeChat
from tests.stakeholder_support import store_plan

pytestmark = pytest.mark.usefixtures("errors")
OPS = "C0OPS00001"


@pytest.fixture(autouse=True)
def _no_scheduled_tasks() -> None:
    huey.flush()


def _incident(factory: Factory, name: str = "Checkout errors") -> Incident:
    return factory.incident(name=name, severity="SEV1", deliver_notifications=False)


def _post(incident: Incident, body: str, status: str = "identified") -> IncidentUpdate:
    return post_update(incident, UpdateInput(status=status, body=body,
                                             visibility="internal"), None)


def _threads() -> list[ChatThread]:
    db.session.expire_all()
    return list(db.session.execute(select(ChatThread).order_by(ChatThread.id)).scalars())


def _ops_channel(app: Flask, fake: FakeChat) -> None:
    bot_ready(app, fake)
    fake.slack_api.channel(OPS)
    group_with_bot_channel("Engineering", ("#ops", OPS))
    store_plan({"Engineering": ["chat"]})


def test_an_incidents_updates_share_one_thread_and_the_resolution_reaches_the_channel(
    app: Flask, factory: Factory, fake_chat: FakeChat,
) -> None:
    _ops_channel(app, fake_chat)
    incident = _incident(factory)

    _post(incident, "The database failed over.")
    _post(incident, "Replica promoted.", "monitoring")
    _post(incident, "All good again.", "resolved")

    first, second, third = fake_chat.slack_api.posts(OPS)
    assert first.thread_ts is None  # the thread's first message, in the channel
    assert second.thread_ts == third.thread_ts == first.ts
    assert (second.reply_broadcast, third.reply_broadcast) == (False, True)
    assert "The database failed over." in str(first.payload)
    assert "All good again." in str(third.payload)
    [thread] = _threads()
    assert (thread.incident_id, thread.thread_ts, thread.claimed_until) == (
        incident.id, first.ts, None)
    sent = sorted(deliveries(), key=lambda d: d.id)
    assert [(d.state, d.provider_message_id) for d in sent] == [
        ("sent", first.ts), ("sent", second.ts), ("sent", third.ts)]
    # Paced as the channel asks (one a second), and no webhook was used.
    assert all(b.at - a.at >= 0.95 for a, b in itertools.pairwise((first, second, third)))
    assert fake_chat.slack_api.violations == 0 and fake_chat.messages() == []


def test_a_second_incident_starts_its_own_thread(
    app: Flask, factory: Factory, fake_chat: FakeChat,
) -> None:
    _ops_channel(app, fake_chat)
    checkout, search = _incident(factory), _incident(factory, "Search slow")

    _post(checkout, "Checkout 1.")
    _post(search, "Search 1.")
    _post(checkout, "Checkout 2.")
    _post(search, "Search 2.")

    c1, s1, c2, s2 = fake_chat.slack_api.posts(OPS)
    assert c1.thread_ts is None and s1.thread_ts is None and c1.ts != s1.ts
    assert (c2.thread_ts, s2.thread_ts) == (c1.ts, s1.ts)
    assert {(t.incident_id, t.thread_ts) for t in _threads()} == {
        (checkout.id, c1.ts), (search.id, s1.ts)}


@pytest.mark.parametrize("token", [False, True])
def test_slack_webhooks_post_one_message_per_update_with_or_without_the_token(
    app: Flask, factory: Factory, fake_chat: FakeChat, token: bool,
) -> None:
    bot_ready(app, fake_chat)
    if not token:
        app.config.update(SLACK_BOT_TOKEN=None)
    url = fake_chat.destination_url("slack", "ops")
    group_with_chats("Engineering", ("#ops", url))
    store_plan({"Engineering": ["chat"]})
    incident = _incident(factory)

    _post(incident, "One.")
    _post(incident, "Two.", "resolved")

    one, two = fake_chat.messages(url)
    assert "thread_ts" not in one.payload and "thread_ts" not in two.payload
    assert fake_chat.slack_api.posts() == [] and _threads() == []
    assert not [r for r in fake_chat.requests if r.path.startswith("/api/chat.")]


def test_a_transient_failure_of_a_reply_is_retried_in_the_same_thread(
    app: Flask, factory: Factory, fake_chat: FakeChat,
) -> None:
    _ops_channel(app, fake_chat)
    incident = _incident(factory)
    _post(incident, "First.")
    fake_chat.slack_api.rate_limit(OPS, retry_after=1.0)

    with worker(app):
        _post(incident, "Second.")

    first, second = fake_chat.slack_api.posts(OPS)
    assert second.thread_ts == first.ts
    reply = max(deliveries(), key=lambda d: d.id)
    assert (reply.state, reply.attempts, reply.error_code) == ("sent", 2, "ratelimited")
    assert len(_threads()) == 1


def test_a_rate_limited_first_message_is_retried_and_starts_one_thread(
    app: Flask, factory: Factory, fake_chat: FakeChat,
) -> None:
    _ops_channel(app, fake_chat)
    incident = _incident(factory)
    fake_chat.slack_api.rate_limit(OPS, retry_after=1.0)

    with worker(app):
        _post(incident, "First.")
    _post(incident, "Second.")

    first, second = fake_chat.slack_api.posts(OPS)
    assert first.thread_ts is None and second.thread_ts == first.ts
    [thread] = _threads()
    assert thread.thread_ts == first.ts
    opening = min(deliveries(), key=lambda d: d.id)
    assert (opening.state, opening.attempts, opening.error_code) == ("sent", 2, "ratelimited")


def test_a_first_message_sent_again_after_a_crash_replies_in_its_thread(
    app: Flask, factory: Factory, fake_chat: FakeChat,
) -> None:
    _ops_channel(app, fake_chat)
    incident = _incident(factory)
    _post(incident, "First.")
    [delivery] = deliveries()
    # As crash recovery would: the worker died before the "sent" was recorded.
    db.session.execute(db.update(Delivery).where(Delivery.id == delivery.id).values(
        state=QUEUED, next_attempt_at=utcnow(), sent_at=None))
    db.session.commit()

    assert send_chat(delivery.id) is True

    first, again = fake_chat.slack_api.posts(OPS)
    assert again.thread_ts == first.ts  # the kept ts: not a second thread
    assert [t.thread_ts for t in _threads()] == [first.ts]


def test_a_message_waits_for_the_thread_another_sender_is_starting(
    app: Flask, factory: Factory, fake_chat: FakeChat,
) -> None:
    _ops_channel(app, fake_chat)
    incident = _incident(factory)
    [row] = db.session.query(Subscriber).filter(Subscriber.channel == "slack").all()
    # Another worker has claimed the thread and is posting its first message right now.
    claim = ChatThread(subscriber_id=row.id, incident_id=incident.id,
                       claimed_until=utcnow() + timedelta(seconds=30))
    db.session.add(claim)
    db.session.commit()

    with queued_tasks():
        _post(incident, "Second.")
        run_worker(app, only=["expand_event"])
        [delivery] = deliveries()
        assert send_chat(delivery.id) is False  # given back, not an attempt
        [delivery] = deliveries()
        assert (delivery.state, delivery.attempts) == ("queued", 0)
        assert fake_chat.slack_api.posts() == []
        # The other worker's first message lands and its ts is kept.
        api = SlackWebApi.from_config(app.config)
        assert api is not None
        root = api.post(OPS, ChatContent("slack", PAYLOADS["slack"]))
        db.session.execute(db.update(ChatThread).values(thread_ts=root, claimed_until=None))
        db.session.commit()
        run_all(app)

    _root, reply = fake_chat.slack_api.posts(OPS)
    assert reply.thread_ts == root
    [delivery] = deliveries()
    assert (delivery.state, delivery.attempts) == ("sent", 1)


def test_a_claim_left_by_a_dead_sender_expires(
    app: Flask, factory: Factory, fake_chat: FakeChat,
) -> None:
    _ops_channel(app, fake_chat)
    incident = _incident(factory)
    [row] = db.session.query(Subscriber).filter(Subscriber.channel == "slack").all()
    db.session.add(ChatThread(subscriber_id=row.id, incident_id=incident.id,
                              claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    _post(incident, "First.")

    [post] = fake_chat.slack_api.posts(OPS)
    assert post.thread_ts is None
    assert [t.thread_ts for t in _threads()] == [post.ts]


def test_a_removed_or_changed_channel_takes_its_threads_along(
    app: Flask, factory: Factory, fake_chat: FakeChat,
) -> None:
    _ops_channel(app, fake_chat)
    incident = _incident(factory)
    _post(incident, "First.")
    assert len(_threads()) == 1
    group = db.session.query(StakeholderGroup).one()
    [member] = group.members

    # Pointed at another channel: its next message about the incident starts a thread there.
    update_chat_destination(group, member.public_id, ChatInput("#ops", channel="C0NEW00001"),
                            None)
    assert _threads() == []
    fake_chat.slack_api.channel("C0NEW00001")
    _post(incident, "Second.")
    [moved] = fake_chat.slack_api.posts("C0NEW00001")
    assert moved.thread_ts is None and [t.thread_ts for t in _threads()] == [moved.ts]

    remove_chat_destination(group, member.public_id, None)
    assert _threads() == []
