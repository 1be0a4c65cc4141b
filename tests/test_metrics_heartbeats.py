"""Per-process figures in GET /metrics: heartbeat ages and the public cache's hits and misses.

Each process writes its own row (statuspage.delivery.heartbeats); any web process reports all.
The real processes (gunicorn workers, consumers) are in tests/test_metrics_processes.py.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.delivery.heartbeats import FORGET_AFTER, process_name, record_beat, start_heartbeat
from statuspage.models import ProcessBeat, utcnow
from tests.test_metrics_endpoint import TOKEN, scrape, value

__all__ = ["TOKEN"]


def test_every_process_row_is_reported_with_its_age(app: Flask, client: FlaskClient) -> None:
    app.config.update(METRICS_TOKEN=TOKEN, PROCESS_HEARTBEAT_SECONDS=15.0)
    now = utcnow()
    record_beat("web@a:1", "web", now, {"hit": 40, "miss": 2}, now=now - timedelta(seconds=3))
    record_beat("web@b:2", "web", now, {"hit": 10, "miss": 5}, now=now - timedelta(seconds=4))
    record_beat("worker@c:3", "worker", now, now=now - timedelta(seconds=5))
    record_beat("worker@d:4", "worker", now, now=now - timedelta(seconds=600))  # stuck or dead
    samples = scrape(client)
    age = "statuspage_process_heartbeat_age_seconds"
    assert 3 <= value(samples, age, kind="web", process="web@a:1") < 5
    assert 5 <= value(samples, age, kind="worker", process="worker@c:3") < 7
    assert 600 <= value(samples, age, kind="worker", process="worker@d:4") < 602
    assert value(samples, "statuspage_processes_alive", kind="web") == 2
    assert value(samples, "statuspage_processes_alive", kind="worker") == 1  # d is silent
    assert value(samples, "statuspage_processes_alive", kind="sms") == 0
    hits = "statuspage_public_cache_requests_total"
    assert value(samples, hits, process="web@a:1", result="hit") == 40
    assert value(samples, hits, process="web@b:2", result="miss") == 5
    assert not [k for k in samples if k[0] == hits and ("process", "worker@c:3") in k[1]]


def test_a_beat_updates_its_row_and_forgets_long_silent_processes(app: Flask) -> None:
    now = utcnow()
    record_beat("worker@gone:1", "worker", now - FORGET_AFTER * 2,
                now=now - FORGET_AFTER - timedelta(seconds=1))
    record_beat("web@a:1", "web", now, {"hit": 1, "miss": 1}, now=now - timedelta(seconds=30))
    record_beat("web@a:1", "web", now, {"hit": 7, "miss": 2}, now=now)
    rows = {row.name: row for row in db.session.scalars(db.select(ProcessBeat))}
    assert set(rows) == {"web@a:1"}
    assert (rows["web@a:1"].cache_hits, rows["web@a:1"].cache_misses) == (7, 2)
    assert rows["web@a:1"].beat_at == now


def test_public_requests_count_as_hits_and_misses(app: Flask, client: FlaskClient,
                                                  factory: object) -> None:
    app.config["CACHE_MAX_AGE"] = 60
    cache = app.extensions["statuspage_cache"]
    assert cache.counts() == {"hit": 0, "miss": 0}
    # The first render also creates the page, whose version it bumps: the next one renders too.
    for _ in range(2):
        assert client.get("/api/v2/status.json").status_code == 200
    assert cache.counts() == {"hit": 0, "miss": 2}
    for _ in range(3):
        assert client.get("/api/v2/status.json").status_code == 200
    client.get("/history.rss")
    assert cache.counts() == {"hit": 3, "miss": 3}


def test_the_heartbeat_thread_writes_the_cache_counts(app: Flask) -> None:
    app.config["PROCESS_HEARTBEAT_SECONDS"] = 0.05
    counts = {"hit": 0, "miss": 0}
    beat = start_heartbeat(app, "web", lambda: counts)
    assert beat is not None
    try:
        counts = {"hit": 5, "miss": 1}
        deadline = time.monotonic() + 5
        while True:
            db.session.expire_all()
            row = db.session.get(ProcessBeat, process_name("web"))
            if row is not None and row.cache_hits == 5:
                break
            assert time.monotonic() < deadline, "the heartbeat did not write the new counts"
            time.sleep(0.05)
    finally:
        beat.stop()
        beat.join(5)
    assert row.kind == "web" and row.cache_misses == 1


def test_no_heartbeat_when_turned_off(app: Flask) -> None:
    app.config["PROCESS_HEARTBEAT_SECONDS"] = 0
    assert start_heartbeat(app, "worker") is None
