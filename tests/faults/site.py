"""A live installation for the fault tests: the Procfile's processes on PostgreSQL (and Redis)
reached through FaultProxy instances the test controls.

The database is a private schema on the machine's PostgreSQL; the processes connect through
`site.pg` (and `site.redis` when asked), so a test cuts or hangs their path without touching
the shared servers. The in-process `site.app` connects directly, so a test can seed and
check rows while the processes' path is broken.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask

from statuspage import ROOT
from statuspage.core.extensions import db
from tests.browser.live import BIN, free_port, procfile
from tests.conftest import make_app
from tests.faults.proxy import FaultProxy
from tests.worker_support import private_pg_schema

PG_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
needs_postgres = pytest.mark.skipif(not PG_URL.startswith(("postgres://", "postgresql")),
                                    reason="fault tests need DATABASE_URL (PostgreSQL)")
needs_redis = pytest.mark.skipif(not REDIS_URL.startswith("redis://"),
                                 reason="needs REDIS_URL")


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float


@dataclass
class FaultySite:
    url: str
    env: dict[str, str]
    app: Flask
    logs: Path
    pg: FaultProxy
    redis: FaultProxy | None = None
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str) -> subprocess.Popen[bytes]:
        """Start the Procfile's process `name` (web, worker, sms) on its own, as systemd would."""
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(["bash", "-c", f"exec {procfile()[name]}"], env=self.env,
                                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        """kill -9 the process group of `name`: no clean-up at all."""
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def get(self, path: str, timeout: float = 40) -> Answer:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as answer:  # loopback
                body, status = answer.read(), answer.status
        except urllib.error.HTTPError as error:
            body, status = error.read(), error.code
        return Answer(status, body, time.monotonic() - started)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.get("/readyz", timeout=5).status == 200:
                    return
            except OSError:
                pass
            for name, proc in self.procs.items():
                assert proc.poll() is None, f"{name} exited:\n{self.log_tail()}"
            assert time.monotonic() < deadline, f"not ready:\n{self.log_tail()}"
            time.sleep(0.2)

    def log_tail(self) -> str:
        return "\n".join(f"== {p.name}\n{p.read_text(errors='replace')[-4000:]}"
                         for p in sorted(self.logs.glob("*.log")))

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        for proc in self.procs.values():
            proc.wait(timeout=10)
        self.procs.clear()


@contextmanager
def faulty_site(tmp_path: Path, *, with_redis: bool = False, **settings: str
                ) -> Iterator[FaultySite]:
    """A migrated private schema, proxies, and the environment for the Procfile's processes."""
    with ExitStack() as stack:
        url = stack.enter_context(private_pg_schema(PG_URL))
        pg_port = urlsplit(url).port or 5432
        pg = stack.enter_context(FaultProxy("127.0.0.1", pg_port))
        port = free_port()
        env = {k: v for k, v in os.environ.items()
               if k not in {"HUEY_IMMEDIATE", "REDIS_URL", "TWILIO_EDGE", "TWILIO_REGION"}}
        env.update(INSTANCE_PATH=str(tmp_path), DATABASE_URL=pg.rewrite(url), PORT=str(port),
                   HUEY_NAME=f"statuspage-fault-{secrets.token_hex(4)}",
                   SECRET_KEY="fault-test-secret-key-0123456789",
                   PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", BIND="127.0.0.1",
                   RATELIMIT_ENABLED="false", GUNICORN_CMD_ARGS="--no-control-socket",
                   PATH=f"{BIN}:{os.environ.get('PATH', '')}", **settings)
        redis_proxy = None
        if with_redis:
            redis_port = urlsplit(REDIS_URL).port or 6379
            redis_proxy = stack.enter_context(FaultProxy("127.0.0.1", redis_port))
            env["REDIS_URL"] = redis_proxy.rewrite(REDIS_URL)
        app = make_app(url, SECRET_KEY=env["SECRET_KEY"], PUBLIC_BASE_URL=env["PUBLIC_BASE_URL"])
        with app.app_context():
            db.create_all()
            db.session.remove()
        site = FaultySite(url=f"http://127.0.0.1:{port}", env=env, app=app, logs=tmp_path,
                          pg=pg, redis=redis_proxy)
        try:
            yield site
        finally:
            site.stop()
            pg.restore()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            if with_redis:
                from huey import RedisHuey

                for name in (env["HUEY_NAME"], f"{env['HUEY_NAME']}-sms"):
                    RedisHuey(name, url=REDIS_URL).flush()
