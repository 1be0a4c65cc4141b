"""The two task queues, and the app their tasks run in.

The queues are SQLite in instance/ by default and Redis when REDIS_URL is set (read from the
app's config on first use: tasks.configured_huey), so the embedded `make run` needs nothing
else and the scale-out path shares the queues between machines.

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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context

from statuspage import create_worker_app
from statuspage.core.logging_setup import log_context
from statuspage.tasks.configured_huey import ConfiguredHuey

_app: Flask | None = None
_app_lock = threading.Lock()


def flask_app() -> Flask:
    """The app tasks run in: the one that configured the queues, or one built here (the
    consumer), whose factory reads the settings through config.py and configures the queues."""
    global _app
    with _app_lock:
        if _app is None:
            _app = create_worker_app()
        return _app


huey = ConfiguredHuey("", load_app=flask_app)
sms_huey = ConfiguredHuey("sms", load_app=flask_app)


def configure(app: Flask) -> None:
    """Configure the queues from the app's config and let tasks find the app that enqueued
    them (in-process); the first app wins, as both are shared by the whole process."""
    huey.configure(app.config, Path(app.instance_path))
    sms_huey.configure(app.config, Path(app.instance_path))
    global _app
    if _app is None:
        _app = app


@contextmanager
def app_context(**log_fields: Any) -> Iterator[None]:
    """A fresh app context, so the task has a database session of its own; every line logged
    inside it carries `log_fields` (event_id, delivery_id: core.logging_setup).

    In immediate mode (HUEY_IMMEDIATE, the tests) a task runs inline in its caller, sometimes
    while the caller's session is finishing a commit (tasks enqueued after a commit): a new
    context of the caller's app keeps the two sessions apart and keeps the caller's settings.
    The consumer has no app context and builds the app from the environment.
    """
    app = (current_app._get_current_object()  # type: ignore[attr-defined]
           if has_app_context() else flask_app())
    with app.app_context(), log_context(**log_fields):
        yield
