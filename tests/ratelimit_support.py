"""Real web processes for the rate-limit tests: the Procfile's `web` on one shared install.

A `WebSite` is one installation (instance folder, database, environment); `start()` runs one
more gunicorn server on it, on its own port, so a test can spread requests over separate
processes, stop them all and start again (a restart), exactly as production would.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from statuspage import ROOT
from statuspage.accounts.api_tokens import create_token
from statuspage.core.extensions import db
from tests.conftest import make_app

BIN = Path(sys.executable).parent


def redis_url_for_tests() -> str | None:
    """REDIS_URL when set (CI's second pass), else the machine's Redis if it answers."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return None
    return url


def random_client() -> str:
    """A client address no other test (or earlier run on a shared Redis) has used."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def _procfile_web() -> str:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)["web"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WebSite:
    env: dict[str, str]
    logs: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, workers: int = 1) -> str:
        """One more gunicorn server (`workers` processes) on this install; its base URL."""
        port = _free_port()
        env = {**self.env, "PORT": str(port), "WEB_CONCURRENCY": str(workers)}
        log = (self.logs / f"web-{port}.log").open("ab")
        proc = subprocess.Popen(["bash", "-c", f"exec {_procfile_web()}"], env=env, cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"the web server exited:\n{self.log_tail()}"
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                    return url
            except OSError:
                assert time.monotonic() < deadline, f"no answer:\n{self.log_tail()}"
                time.sleep(0.1)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()

    def log_text(self) -> str:
        """Everything the servers logged (access log, warnings, tracebacks)."""
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("web-*.log")))

    def log_tail(self) -> str:
        return "\n".join(f"== {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.logs.glob("web-*.log")))


@contextmanager
def web_site(tmp_path: Path, **settings: str) -> Iterator[tuple[WebSite, str]]:
    """An install on a SQLite database in tmp_path with one API token; yields (site, token).

    Rate limits are on (the shipped defaults) and CSRF off, so a test can post the login form
    directly. Settings (REDIS_URL, TRUSTED_PROXY_HOPS, ...) go into every server's environment.
    """
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    app = make_app(url)
    with app.app_context():
        db.create_all()
        token = create_token("burst", "read", None).secret
        db.session.remove()
        db.engine.dispose()
    env = {k: v for k, v in os.environ.items()
           if k not in {"HUEY_IMMEDIATE", "REDIS_URL", "RATELIMIT_STORAGE_URI"}}
    env.update(INSTANCE_PATH=str(tmp_path), DATABASE_URL=url, WTF_CSRF_ENABLED="false",
               SECRET_KEY="ratelimit-test-secret-key-0123456789",
               HUEY_NAME=f"statuspage-test-{secrets.token_hex(4)}",
               PATH=f"{BIN}:{env.get('PATH', '')}", **settings)
    site = WebSite(env=env, logs=tmp_path)
    try:
        yield site, token
    finally:
        site.stop()


def post_login(base: str, email: str, client: str | None = None) -> int:
    """One failed console login attempt; the HTTP status."""
    data = urllib.parse.urlencode({"email": email, "password": "not the password"}).encode()
    headers = {"X-Forwarded-For": client} if client else {}
    return _status(urllib.request.Request(f"{base}/console/login", data=data, headers=headers))


def post_signup(base: str, email: str, client: str | None = None) -> int:
    """One public email sign-up; the HTTP status (200 once the redirect is followed)."""
    data = urllib.parse.urlencode({"channel": "email", "address": email}).encode()
    headers = {"X-Forwarded-For": client} if client else {}
    return _status(urllib.request.Request(f"{base}/subscribe", data=data, headers=headers))


def get_api(base: str, token: str, client: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    if client:
        headers["X-Forwarded-For"] = client
    return _status(urllib.request.Request(f"{base}/api/v1/pages", headers=headers))


def _status(request: urllib.request.Request) -> int:
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # loopback only
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
