"""Huey tasks: thin wrappers that run use-cases inside an app context.

The queues are SQLite in instance/ by default and Redis when REDIS_URL is set (read from the
app's config on first use: statuspage.tasks.configured_huey), so the embedded
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

import threading
from pathlib import Path

from flask import Flask
from huey import crontab

from statuspage.tasks.configured_huey import ConfiguredHuey

_app: Flask | None = None
_app_lock = threading.Lock()


def _flask_app() -> Flask:
    """The app tasks run in: the one that configured the queues, or one built here (the
    consumer), whose factory reads the settings through config.py and configures the queues."""
    global _app
    with _app_lock:
        if _app is None:
            from statuspage import create_app

            _app = create_app()
        return _app


huey = ConfiguredHuey("", load_app=_flask_app)
sms_huey = ConfiguredHuey("sms", load_app=_flask_app)


def init_app(app: Flask) -> None:
    """Configure the queues from the app's config and let tasks find the app that enqueued
    them (in-process); the first app wins, as both are shared by the whole process."""
    global _app
    huey.configure(app.config, Path(app.instance_path))
    sms_huey.configure(app.config, Path(app.instance_path))
    if _app is None:
        _app = app


@huey.periodic_task(crontab(minute="*/10"))
def refresh_open_rollups() -> int:
    """Keep today's uptime bars of components in open incidents current."""
    from statuspage.page import uptime

    with _flask_app().app_context():
        return uptime.refresh_open_incidents()


# Task modules register their tasks on `huey` when imported; the consumer imports this module.
from statuspage.tasks import approvals as approval_tasks  # noqa: E402,F401
