"""SIGTERM to the web process (the Procfile's gunicorn) lets a request in flight finish.

The request is made slow the way production makes requests slow: it waits for the database.
The test holds an exclusive lock on the SQLite file, so the management API's token lookup
waits (SQLite's busy timeout); SIGTERM comes while it waits, the lock is released later, and
the answer must still arrive, complete, before gunicorn exits by itself.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from statuspage import ROOT
from tests.ratelimit_support import get_api, web_site

pytestmark = pytest.mark.slow


def graceful_timeout() -> int:
    """The Procfile's `--graceful-timeout` for gunicorn."""
    found = re.search(r"--graceful-timeout (\d+)", (ROOT / "Procfile").read_text())
    assert found, "the Procfile's web line sets no --graceful-timeout"
    return int(found.group(1))


def test_sigterm_lets_the_request_in_flight_finish_before_gunicorn_exits(tmp_path: Path
                                                                         ) -> None:
    with web_site(tmp_path, GUNICORN_CMD_ARGS="--no-control-socket") as (site, token):
        base = site.start(workers=1)
        [proc] = site.procs
        assert get_api(base, token) == 200

        lock = sqlite3.connect(tmp_path / "app.sqlite3", isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")  # readers and writers of the database wait
        answer: dict[str, int] = {}
        request = threading.Thread(target=lambda: answer.update(status=get_api(base, token)))
        request.start()
        time.sleep(1.0)
        assert request.is_alive(), "the request did not wait for the database"

        signalled = time.monotonic()
        os.killpg(proc.pid, signal.SIGTERM)  # as honcho and systemd stop it
        time.sleep(2.0)
        assert proc.poll() is None, "gunicorn exited with a request in flight"
        lock.execute("ROLLBACK")
        lock.close()
        request.join(timeout=20)
        answered = time.monotonic() - signalled
        proc.wait(timeout=graceful_timeout() + 5)
        stopped = time.monotonic() - signalled

    assert answer == {"status": 200}, site.log_tail()
    assert proc.returncode == 0
    assert stopped < graceful_timeout()
    print(f"\nanswered {answered:.2f}s after SIGTERM; gunicorn exited after {stopped:.2f}s")
