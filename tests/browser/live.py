"""The live site for the browser tests: the Procfile's processes on a private database.

Kept apart from conftest.py (which holds the fixtures) so that both stay readable; see
conftest.py's docstring for how the tests use it.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import inspect, select

from statuspage import ROOT
from statuspage.core.extensions import db
from statuspage.models import Page
from statuspage.page.record import get_page
from tests.conftest import make_app
from tests.worker_support import provider_env

BIN = Path(sys.executable).parent


def procfile() -> dict[str, str]:
    """The Procfile's processes: the live site runs exactly what production runs."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and ": " in line)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """The running web and worker processes and an in-process app on their database."""

    url: str
    env: dict[str, str]
    app: Flask
    logs: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def start(self, name: str, command: str) -> None:
        """Run a Procfile command (through bash, for its ${VAR:-default}s) as process `name`."""
        log = (self.logs / f"{name}.log").open("ab")
        self.procs.append(subprocess.Popen(["bash", "-c", f"exec {command}"], env=self.env,
                                           cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                           start_new_session=True))
        self.names.append(name)

    def check_alive(self) -> None:
        for proc in self.procs:
            assert proc.poll() is None, f"a server process exited:\n{self.log_tail()}"

    def log_tail(self) -> str:
        return "\n".join(f"== {p.name}\n{p.read_text(errors='replace')[-4000:]}"
                         for p in sorted(self.logs.glob("*.log")))

    def wait_for(self, check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
        """Poll `check` (in an app context, fresh session each time) until it is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            with self.app.app_context():
                try:
                    result = check()
                finally:
                    db.session.remove()
            if result:
                return result
            self.check_alive()
            assert time.monotonic() < deadline, f"timed out waiting for {what}\n{self.log_tail()}"
            time.sleep(0.1)

    def stop(self) -> None:
        for name, proc in zip(self.names, self.procs, strict=True):
            if proc.poll() is None:
                # The web process holds nothing worth a graceful stop, and gunicorn's gthread
                # workers take seconds to exit; the consumers stop at once on SIGTERM.
                os.killpg(proc.pid, signal.SIGKILL if name == "web" else signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def wait_ready(server: LiveServer, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{server.url}/readyz", timeout=5) as answer:  # loopback
                if answer.status == 200:
                    return
        except OSError:
            pass
        server.check_alive()
        assert time.monotonic() < deadline, f"web process not ready\n{server.log_tail()}"
        time.sleep(0.2)


@contextmanager
def running_site(instance: Path, sendgrid_url: str | None, twilio_url: str | None
                 ) -> Iterator[LiveServer]:
    """The Procfile's web and consumers on a migrated SQLite database, using the fake providers.

    Without provider URLs the site runs as `make run` does: no credentials, so every email
    and SMS goes to the dev outbox (the log backend), where the console shows it.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = f"sqlite:///{instance / 'live.sqlite3'}"
    providers = (provider_env(sendgrid_url, twilio_url, TWILIO_MAX_PER_SECOND="50")
                 if sendgrid_url and twilio_url else {})
    env = {k: v for k, v in os.environ.items()
           if k not in {"HUEY_IMMEDIATE", "REDIS_URL", "TWILIO_EDGE", "TWILIO_REGION"}}
    env.update(
        INSTANCE_PATH=str(instance), DATABASE_URL=database, PORT=str(port),
        HUEY_NAME=f"statuspage-browser-{secrets.token_hex(4)}",
        SECRET_KEY="browser-test-secret-key-0123456789", PUBLIC_BASE_URL=url,
        # Every publish must show on the next page load, and a test logs in many times.
        CACHE_CHECK_SECONDS="0", RATELIMIT_ENABLED="false", BIND="127.0.0.1",
        # Open dashboards ask for news every 2 s (10 in production): tests wait less.
        CONSOLE_REFRESH_SECONDS="2",
        # Added to the Procfile's gunicorn command: threads for the browser's parallel requests,
        # one import for both workers (start-up time), and no control socket, whose default
        # path is per user and so shared by every concurrent run.
        GUNICORN_CMD_ARGS="--threads 4 --preload --no-control-socket",
        PATH=f"{BIN}:{env.get('PATH', '')}", **providers,
    )
    # Chat and webhook destinations are local fakes (as for the in-process app below); the
    # provider settings say so too when there are providers.
    env["WEBHOOK_ALLOW_LOOPBACK"] = "true"
    # Users are made in-process (conftest's `users`): a process start is ~5 s on a busy machine.
    done = subprocess.run(["bash", "-c", procfile()["release"]], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"release (migrations) failed:\n{done.stderr}"
    overrides = {key: value for key, value in providers.items() if key.isupper()}
    if providers:
        overrides["TWILIO_MAX_PER_SECOND"] = 50.0
    overrides["WEBHOOK_ALLOW_LOOPBACK"] = True
    # The same key as the server's: links (tokens) built here must open there.
    overrides["SECRET_KEY"] = env["SECRET_KEY"]
    app = make_app(database, PUBLIC_BASE_URL=url, **overrides)
    server = LiveServer(url=url, env=env, app=app, logs=instance)
    try:
        for name, command in procfile().items():
            if name != "release":
                server.start(name, command)
        wait_ready(server)
        yield server
    finally:
        server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def reset_database() -> None:
    """Every row but the users; the page comes back with a higher cache version."""
    old = db.session.execute(select(Page.cache_version)).scalar() or 0
    db.session.remove()
    with db.engine.begin() as conn:
        # Only the migrated tables: a model without its migration yet must not break the reset.
        existing = set(inspect(conn).get_table_names())
        for table in reversed(db.metadata.sorted_tables):
            if table.name != "user" and table.name in existing:
                conn.execute(table.delete())
    page = get_page()
    # A version no web process has seen, or one could serve a page cached before the reset.
    page.cache_version = old + 1
    db.session.commit()
