"""Huey tasks: thin wrappers that run use-cases inside an app context.

The queue is SQLite in instance/ by default and Redis when REDIS_URL is set, so the embedded
`make run` needs nothing else and the scale-out path shares one queue between machines.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab

_app: Flask | None = None


def _make_huey() -> Huey:
    immediate = os.environ.get("HUEY_IMMEDIATE", "").lower() in {"1", "true", "yes"}
    # The queue's name (the Redis key prefix): installations, or test runs, sharing one Redis
    # keep apart by giving each its own.
    name = os.environ.get("HUEY_NAME") or "statuspage"
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey(name, url=redis_url, immediate=immediate)
    from statuspage import ROOT

    instance = Path(os.environ.get("INSTANCE_PATH") or ROOT / "instance")
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(instance / "huey.sqlite3"), immediate=immediate)


huey = _make_huey()


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
    cadence_tasks,
    delivery_tasks,
    maintenance_tasks,
    subscription_tasks,
)
