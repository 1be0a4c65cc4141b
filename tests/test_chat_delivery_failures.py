"""Chat deliveries when the provider says no: 429 with Retry-After, a destination gone, and the
destination's own pace; the webhook URL never reaches a log line or a console page."""

from __future__ import annotations

import itertools
import logging
import time
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.core.logging_setup import PlainFormatter
from statuspage.delivery.chat import send_chat
from statuspage.delivery.chat_pacing import pacer
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident, IncidentUpdate, Subscriber
from statuspage.tasks.queues import huey
from tests.chat_delivery_support import chat_ready, group_with_chats, run_all, worker
from tests.console.conftest_content import as_role
from tests.delivery_support import deliveries, queued_tasks, run_worker
from tests.factories import Factory
from tests.fakes.chat import FakeChat
from tests.stakeholder_support import store_plan

pytestmark = pytest.mark.usefixtures("errors")


@pytest.fixture(autouse=True)
def _no_scheduled_tasks() -> None:
    huey.flush()


def _incident(factory: Factory) -> Incident:
    return factory.incident(name="Checkout errors", severity="SEV1",
                            deliver_notifications=False)


def _post(incident: Incident, body: str = "The database failed over.") -> IncidentUpdate:
    return post_update(incident, UpdateInput(status="identified", body=body,
                                             visibility="internal"), None)


def test_a_429_is_retried_after_the_wait_it_asked_for_and_sent_once(
    app: Flask, factory: Factory, fake_chat: FakeChat,
) -> None:
    chat_ready(app, fake_chat)
    url = fake_chat.destination_url("slack", "busy")
    group_with_chats("Engineering", ("#ops", url))
    store_plan({"Engineering": ["chat"]})
    incident = _incident(factory)
    fake_chat.rate_limit(url, times=1, retry_after=1.0)

    with worker(app):
        started = time.time()
        _post(incident)

    [message] = fake_chat.messages(url)
    assert message.at - started >= 1.0  # not before the Retry-After
    assert len(fake_chat.requests) == 2 and fake_chat.duplicates() == 0
    [delivery] = [d for d in deliveries() if d.channel == "slack"]
    assert (delivery.state, delivery.attempts) == ("sent", 2)
    assert delivery.error_code == "rate_limited"  # what the last failure was


def test_a_destination_that_is_gone_is_suppressed_and_the_console_says_so(
    app: Flask, client: FlaskClient, factory: Factory, fake_chat: FakeChat,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    chat_ready(app, fake_chat)
    urls = {provider: fake_chat.destination_url(provider, "gone")
            for provider in ("slack", "teams", "discord", "googlechat")}
    group = group_with_chats("Engineering", *[(f"#{p}", u) for p, u in urls.items()])
    store_plan({"Engineering": ["chat"]})
    incident = _incident(factory)
    for url in urls.values():
        fake_chat.gone(url)

    update = _post(incident)
    _post(incident, "Second update.")  # nothing more is sent there

    rows = deliveries()  # the second update reaches none of them: they are suppressed
    assert len(rows) == 4 and fake_chat.messages() == []
    assert len(fake_chat.requests) == 4
    assert {d.state for d in rows} == {"failed"}
    assert {d.channel: d.error_code for d in rows} == {
        "slack": "no_service", "teams": "WorkflowNotFound", "discord": "10015",
        "googlechat": "NOT_FOUND"}
    recipients = db.session.query(Subscriber).filter(
        Subscriber.stakeholder_member_id.is_not(None)).all()
    assert {(r.state, r.suppression_reason) for r in recipients} == {
        ("suppressed", "destination_gone")}

    as_role(client, factory, "viewer")
    page = client.get(f"/console/stakeholders/{group.public_id}").get_data(as_text=True)
    assert page.count("Destination gone") == 4
    log = client.get(f"/console/updates/{update.public_id}/deliveries").get_data(as_text=True)
    # The lines as the app's log formatter writes them (urllib3's DEBUG request line names
    # the path: the formatter masks it).
    logged = "\n".join(PlainFormatter().format(record) for record in caplog.records)
    for url in urls.values():
        secret = urlsplit(url).path.rsplit("/", 1)[-1]
        query_secret = urlsplit(url).query
        for shown in (page, log, logged):
            assert url not in shown
            assert secret not in shown
            assert not query_secret or query_secret not in shown
    assert "127.0.0.1/services/T" in log  # the masked form


def test_three_quick_updates_reach_one_slack_channel_a_second_apart(
    app: Flask, factory: Factory, fake_chat: FakeChat,
) -> None:
    chat_ready(app, fake_chat)
    url = fake_chat.destination_url("slack", "paced")
    group_with_chats("Engineering", ("#ops", url))
    store_plan({"Engineering": ["chat"]})
    incident = _incident(factory)

    for n in range(3):
        _post(incident, f"Update {n}.")

    times = [m.at for m in fake_chat.messages(url)]
    assert len(times) == 3
    assert all(later - earlier >= 0.95 for earlier, later in itertools.pairwise(times))
    assert fake_chat.violations == 0 and fake_chat.duplicates() == 0


def test_a_long_wait_gives_the_delivery_back_and_comes_back_for_its_slot(
    app: Flask, factory: Factory, fake_chat: FakeChat,
) -> None:
    chat_ready(app, fake_chat)
    url = fake_chat.destination_url("discord", "busy")
    group_with_chats("Engineering", ("#ops", url))
    store_plan({"Engineering": ["chat"]})
    incident = _incident(factory)
    [row] = db.session.query(Subscriber).filter(Subscriber.channel == "discord").all()
    # Another thread holds the destination's next 3 seconds.
    pacer().reserve(row.address, 3.0, longest=10.0)
    held_until = time.time() + 3.0

    with queued_tasks():
        _post(incident)
        run_worker(app, only=["expand_event"])
        [delivery] = deliveries()
        assert send_chat(delivery.id) is False  # not now: given back, scheduled
        [delivery] = deliveries()
        assert (delivery.state, delivery.attempts) == ("queued", 0)
        # Enqueued for its time (the consumer schedules it), besides the dispatch's own task,
        # which finds it not yet due.
        [waiting] = [t for t in huey.pending() if t.eta is not None]
        assert (waiting.name, waiting.args) == ("send_chat", (delivery.id,))
        assert not huey.ready_to_run(waiting)
        run_all(app)

    [message] = fake_chat.messages(url)
    assert message.at >= held_until - 0.05
    [delivery] = deliveries()
    assert (delivery.state, delivery.attempts) == ("sent", 1)
