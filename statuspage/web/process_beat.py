"""A web process's heartbeat (statuspage.delivery.heartbeats), started by its first request.

Started on the first request rather than by the factory, so only a process that serves
requests (a gunicorn worker) beats as `web`: the CLI, the consumers and the tests' apps
(TESTING) build the same app and never beat as web. Its row carries the process's public
response cache counts (statuspage.web.cache), which GET /metrics adds up across web processes.
"""

from __future__ import annotations

import os
import threading

from flask import Flask, current_app

from statuspage.delivery.heartbeats import start_heartbeat
from statuspage.web.cache_store import ResponseCache

_started: dict[int, int] = {}  # id(app) -> the pid that started its heartbeat
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    if not app.testing:  # the tests' apps share one process: their tests start their own
        app.before_request(_ensure_started)


def _ensure_started() -> None:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    pid = os.getpid()
    if _started.get(id(app)) == pid:
        return
    with _lock:
        if _started.get(id(app)) == pid:
            return
        _started[id(app)] = pid
    cache: ResponseCache = app.extensions["statuspage_cache"]
    start_heartbeat(app, "web", cache.counts)
