"""Real worker processes for tests/test_worker*.py: a database, consumers, and a way to wait.

The consumers run exactly as the Procfile's `worker` and `sms` do (`statuspage.tasks.consumer
statuspage.tasks.huey` and `statuspage.tasks.sms_huey`) with their own INSTANCE_PATH,
DATABASE_URL and queue name, and talk to the in-process fake providers over real HTTP.
Publishing and recovery run in short subprocesses too, so the test process never touches the
consumers' queues itself.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, func, select, text

from statuspage import ROOT
from statuspage.core.extensions import db
from statuspage.models import Delivery, FanoutEvent
from tests.conftest import make_app
from tests.delivery_support import TWILIO_SID

BIN = Path(sys.executable).parent

PUBLISH = """
from statuspage import create_app
from statuspage.incidents.lifecycle import IncidentInput, open_incident
from statuspage.incidents.updates import UpdateInput
with create_app().app_context():
    open_incident(IncidentInput(name="Outage", severity="SEV2",
                                update=UpdateInput(status="investigating", body="Looking.")), None)
"""
RECOVER = """
from statuspage import create_app
from statuspage.delivery.recover import recover_expired_leases
with create_app().app_context():
    print(recover_expired_leases())
"""


@dataclass
class WorkerSite:
    """One installation for worker processes: environment, database, consumers."""

    env: dict[str, str]
    app: Flask
    logs: Path
    consumers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    # Consumers the test stopped with SIGTERM: their exit is expected.
    terminated: set[int] = field(default_factory=set)

    def start_consumer(self, workers: int = 2, options: tuple[str, ...] = (),
                       **env: str) -> subprocess.Popen[bytes]:
        """The Procfile's `worker`: expansion, email, webhooks, periodic recovery; `options`
        are more of huey_consumer's."""
        return self._start("consumer", ["statuspage.tasks.huey", "-w", str(workers),
                                        "-k", "thread", *options], env)

    def start_sms_consumer(self, **env: str) -> subprocess.Popen[bytes]:
        """The Procfile's `sms`: the SMS pump's queue, in a process of its own."""
        return self._start("sms-consumer", ["statuspage.tasks.sms_huey", "-w", "1",
                                            "-k", "thread", "-n"], env)

    def _start(self, kind: str, args: list[str], env: dict[str, str]
               ) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{kind}-{len(list(self.logs.glob(f'{kind}-*.log')))}.log")
        proc = subprocess.Popen(
            [sys.executable, "-m", "statuspage.tasks.consumer", *args],
            env={**self.env, **env}, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.consumers.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """kill -9: no clean-up, no chance to finish or release anything."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def terminate(self, *procs: subprocess.Popen[bytes], timeout: float = 30.0
                  ) -> list[tuple[float, int]]:
        """SIGTERM, as systemd, honcho or Kubernetes stop a process (to its process group,
        as honcho does), all at once; then wait for each to exit by itself. Returns (seconds
        from the signal to the exit, exit status) per process."""
        sent = time.monotonic()
        for proc in procs:
            self.terminated.add(proc.pid)
            os.killpg(proc.pid, signal.SIGTERM)
        stopped = []
        for proc in procs:
            proc.wait(timeout=max(0.1, sent + timeout - time.monotonic()))
            stopped.append((time.monotonic() - sent, proc.returncode))
        return stopped

    def run(self, script: str) -> str:
        done = subprocess.run([sys.executable, "-c", script], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def publish(self) -> None:
        """Publish an incident as the web process would: commit, then enqueue."""
        self.run(PUBLISH)

    def recover(self) -> str:
        return self.run(RECOVER)

    def counts(self) -> tuple[str | None, Counter[str]]:
        """The event's state and the deliveries per state, read fresh."""
        with self.app.app_context():
            state = db.session.execute(select(FanoutEvent.state)).scalars().first()
            rows = db.session.execute(
                select(Delivery.state, func.count()).group_by(Delivery.state)).all()
            db.session.remove()
        return state, Counter({s: int(n) for s, n in rows})

    def wait_until(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            for proc in self.consumers:
                assert proc.poll() is None or proc.returncode == -signal.SIGKILL \
                    or proc.pid in self.terminated, \
                    f"a consumer exited: {self.log_tail()}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}: " \
                f"{self.counts()} {self.log_tail()}"
            time.sleep(0.05)

    def wait_all_sent(self, expected: int, timeout: float = 120) -> Counter[str]:
        def finished() -> bool:
            state, counts = self.counts()
            return (state == "done" and sum(counts.values()) == expected
                    and counts["queued"] == 0 and counts["sending"] == 0)

        self.wait_until(finished, timeout, f"{expected} deliveries to be sent")
        return self.counts()[1]

    def log_tail(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:]
                         for p in sorted(self.logs.glob("*consumer-*.log")))

    def stop(self) -> None:
        for proc in self.consumers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.consumers:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def provider_env(sendgrid_url: str, twilio_url: str, **extra: str) -> dict[str, str]:
    """Credentials and base URLs, so the consumer uses the real channels against the fakes."""
    return {
        "SENDGRID_API_KEY": "SG.worker-test", "SENDGRID_API_BASE_URL": sendgrid_url,
        "MAIL_FROM": "status@example.com",
        "TWILIO_ACCOUNT_SID": TWILIO_SID, "TWILIO_AUTH_TOKEN": "worker-test-token",
        "TWILIO_FROM": "+14155550100", "TWILIO_API_BASE_URL": twilio_url,
        "WEBHOOK_ALLOW_LOOPBACK": "true", **extra,
    }


@contextmanager
def worker_site(tmp_path: Path, settings: dict[str, str], *, database_url: str | None = None,
                redis_url: str | None = None) -> Iterator[WorkerSite]:
    """A fresh database (SQLite in tmp_path unless given) and environment for consumers."""
    url = database_url or f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    name = f"statuspage-test-{secrets.token_hex(4)}"
    env = {k: v for k, v in os.environ.items()
           if k not in {"HUEY_IMMEDIATE", "REDIS_URL", "TWILIO_EDGE", "TWILIO_REGION"}}
    env.update(INSTANCE_PATH=str(tmp_path), DATABASE_URL=url, HUEY_NAME=name,
               SECRET_KEY="worker-test-secret-key-0123456789",
               PUBLIC_BASE_URL="https://status.example.com",
               PATH=f"{BIN}:{env.get('PATH', '')}", **settings)
    if redis_url:
        env["REDIS_URL"] = redis_url
    app = make_app(url)
    with app.app_context():
        db.create_all()
        db.session.remove()
    site = WorkerSite(env=env, app=app, logs=tmp_path)
    try:
        yield site
    finally:
        site.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if redis_url:
            _flush_redis_queue(redis_url, name)


def _flush_redis_queue(redis_url: str, name: str) -> None:
    """Both queues' keys: the worker's, and the SMS queue's (the pump's lock and heartbeat)."""
    from huey import RedisHuey

    for queue in (name, f"{name}-sms"):
        RedisHuey(queue, url=redis_url).flush()


@contextmanager
def private_pg_schema(pg_url: str) -> Iterator[str]:
    """A schema of its own on the PostgreSQL server, dropped afterwards; yields its URL."""
    url = pg_url.replace("postgres://", "postgresql://", 1)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    schema = f"worker_{secrets.token_hex(6)}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def received_emails(requests: list[Any]) -> Counter[str]:
    """How many times each address was in a mail/send request the fake received."""
    return Counter(p["to"][0]["email"] for r in requests if r.path == "/v3/mail/send"
                   for p in r.json["personalizations"])


def received_sms(requests: list[Any]) -> Counter[str]:
    return Counter(r.param("To") for r in requests
                   if r.method == "POST" and r.path.endswith("/Messages.json"))
