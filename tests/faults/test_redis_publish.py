"""Publishing from the console while Redis (the queue) is down: committed, told, recovered.

The test app's queue is switched from immediate mode to a real Redis queue reached through a
FaultProxy, so the after-commit enqueue meets a real connection failure.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from huey.storage import RedisStorage
from sqlalchemy import select

from statuspage.core import enqueue_retry
from statuspage.core.extensions import db
from statuspage.models import FanoutEvent
from statuspage.tasks.queues import huey
from tests.delivery_support import add_subscribers
from tests.factories import PASSWORD, Factory
from tests.faults.proxy import FaultProxy

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(not REDIS_URL.startswith("redis://127.0.0.1"),
                       reason="needs REDIS_URL on this machine's Redis"),
]


@pytest.fixture
def redis_proxy() -> Iterator[FaultProxy]:
    port = int(REDIS_URL.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    with FaultProxy("127.0.0.1", port) as proxy:
        yield proxy


@pytest.fixture
def queue(redis_proxy: FaultProxy) -> Iterator[RedisStorage]:
    """The app's task queue on Redis through the proxy (not immediate) while the test runs."""
    pool = redis.ConnectionPool.from_url(redis_proxy.rewrite(REDIS_URL), socket_timeout=2,
                                         socket_connect_timeout=2)
    storage = RedisStorage(f"statuspage-fault-{secrets.token_hex(4)}", connection_pool=pool)
    saved = huey.storage, huey.immediate
    huey.immediate = False
    huey.storage = storage
    try:
        yield storage
    finally:
        enqueue_retry._pending.clear()  # nothing left to run once the queue is immediate again
        huey.immediate = saved[1]
        huey.storage = saved[0]
        redis_proxy.restore()
        storage.flush_all()


def _console(app: Flask, factory: Factory) -> FlaskClient:
    user = factory.user(role="admin")
    client = app.test_client()
    answer = client.post("/console/login", data={"email": user.email, "password": PASSWORD})
    assert answer.status_code == 302
    return client


def test_a_publish_during_a_redis_outage_commits_says_so_and_is_enqueued_when_redis_returns(
    app: Flask, factory: Factory, queue: RedisStorage, redis_proxy: FaultProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    incident = factory.incident()
    add_subscribers(3)
    db.session.commit()
    console = _console(app, factory)
    queue.flush_queue()
    redis_proxy.cut()
    caplog.set_level(logging.WARNING)
    answer = console.post(f"/console/incidents/{incident.public_id}/updates",
                          data={"status": "identified", "body": "Found it.",
                                "deliver_notifications": "y", "visibility": "public"},
                          follow_redirects=True)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    page = answer.get_data(as_text=True)
    assert "Update published" in page and "delivery will follow" in page
    assert any("could not enqueue" in r.getMessage() for r in caplog.records)
    event_id = db.session.execute(select(FanoutEvent.id).order_by(FanoutEvent.id.desc())
                                  ).scalars().first()
    assert event_id is not None
    # Redis comes back: the expansion is enqueued within seconds, not at the next sweep.
    redis_proxy.restore()
    deadline = time.monotonic() + 30
    while queue.queue_size() == 0:
        assert time.monotonic() < deadline, "the lost enqueue was never retried"
        time.sleep(0.2)


def test_a_sign_up_during_a_redis_outage_gets_its_confirmation_when_redis_returns(
    app: Flask, queue: RedisStorage, redis_proxy: FaultProxy,
) -> None:
    queue.flush_queue()
    redis_proxy.cut()
    answer = app.test_client().post("/subscribe", data={"channel": "email",
                                                        "address": "ana@example.com"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/subscribe/check-email"
    redis_proxy.restore()
    deadline = time.monotonic() + 30
    while queue.queue_size() == 0:
        assert time.monotonic() < deadline, "the confirmation's enqueue was never retried"
        time.sleep(0.2)
