"""Huey tasks: thin wrappers that run use-cases inside an app context.

The queues are SQLite in instance/ by default and Redis when REDIS_URL is set, so the embedded
`make run` needs nothing else and the scale-out path shares the queues between machines.

Two queues, each consumed by its own process (Procfile `worker` and `sms`):
- `huey`: expansion, email chunks, webhooks, periodic tasks;
- `sms_huey`: the SMS pump only. The pump must start a send every 1/TWILIO_MAX_PER_SECOND
  seconds (10 ms at 100/s) for minutes on end. In the worker's thread pool it shared one
  interpreter lock with 1,000-recipient email chunks, whose rendering and JSON building made
  its sends late (the rate fell ~8% short of the limit) and it held one of the pool's threads
  for its whole run. In a process of its own it has an interpreter to itself, the OS schedules
  it as soon as a send is due, and email keeps every worker thread.
"""

from __future__ import annotations

import os
from pathlib import Path

import redis
from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab

_app: Flask | None = None
REDIS_TIMEOUT_SECONDS = 5.0


def _make_huey(queue: str = "") -> Huey:
    """The main queue, or with `queue` ("sms") a queue of that name beside it."""
    immediate = os.environ.get("HUEY_IMMEDIATE", "").lower() in {"1", "true", "yes"}
    # The queue's name (the Redis key prefix): installations, or test runs, sharing one Redis
    # keep apart by giving each its own.
    name = os.environ.get("HUEY_NAME") or "statuspage"
    if queue:
        name = f"{name}-{queue}"
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        from statuspage.delivery_queue_faults import FaultAwareRedisStorage

        # Bounded: a hung Redis fails an enqueue (retried: statuspage.enqueue_retry) within
        # seconds instead of holding a web request. Longer than the consumer's 1 s blocking read.
        pool = redis.ConnectionPool.from_url(redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                             socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        # The storage notices a lost connection, and sweeps for the tasks it may have swallowed.
        return RedisHuey(name, connection_pool=pool, immediate=immediate,
                         storage_class=FaultAwareRedisStorage)
    from statuspage import ROOT

    instance = Path(os.environ.get("INSTANCE_PATH") or ROOT / "instance")
    instance.mkdir(parents=True, exist_ok=True)
    # A file per queue: the pump's heartbeats and the worker's polling never wait on one
    # another's SQLite write lock.
    filename = f"huey-{queue}.sqlite3" if queue else "huey.sqlite3"
    return SqliteHuey(name, filename=str(instance / filename), immediate=immediate)


huey = _make_huey()
sms_huey = _make_huey("sms")


def init_app(app: Flask) -> None:
    """Let tasks find the app that enqueued them (in-process); the consumer builds its own."""
    global _app
    if _app is None:
        _app = app


def _flask_app() -> Flask:
    global _app
    if _app is None:
        from statuspage import create_app

        _app = create_app()
    return _app


@huey.periodic_task(crontab(minute="*/10"))
def refresh_open_rollups() -> int:
    """Keep today's uptime bars of components in open incidents current."""
    from statuspage import uptime

    with _flask_app().app_context():
        return uptime.refresh_open_incidents()


# Task modules register their tasks on `huey` when imported; the consumer imports this module.
from statuspage import (  # noqa: E402,F401
    approval_tasks,
    cadence_tasks,
    delivery_tasks,
    maintenance_tasks,
    subscription_tasks,
)
