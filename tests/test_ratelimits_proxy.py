"""TRUSTED_PROXY_HOPS: limits key on the real client behind trusted proxies, and only then;
and a broken rate-limit storage degrades to per-process limits instead of failing requests.

The test client's REMOTE_ADDR plays the reverse proxy (127.0.0.1): every request arrives from
it, and the client's address is only in X-Forwarded-For, as behind nginx.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.core.extensions import limiter
from statuspage.web.ratelimit_storage import storage_uri
from tests.conftest import make_app

LIMIT = 3


def _limited(database_url: str, hops: int) -> FlaskClient:
    app: Flask = make_app(database_url, RATELIMIT_ENABLED=True,
                          LOGIN_RATE_LIMIT=f"{LIMIT} per minute", TRUSTED_PROXY_HOPS=hops)
    return app.test_client()


def _attempt(client: FlaskClient, n: int, forwarded_for: str) -> int:
    # A different account each time, so only the per-address limit can refuse.
    response = client.post("/console/login",
                           data={"email": f"guess{n}@example.com", "password": "x" * 12},
                           headers={"X-Forwarded-For": forwarded_for})
    return response.status_code


def test_without_trusted_proxies_x_forwarded_for_is_ignored(app: Flask, database_url: str) -> None:
    client = _limited(database_url, hops=0)
    statuses = [_attempt(client, n, f"203.0.113.{n + 1}") for n in range(LIMIT + 1)]
    # Every "client" is the proxy's address: they share one allowance, whatever they claim.
    assert statuses == [200] * LIMIT + [429]


def test_with_one_trusted_proxy_each_client_has_its_own_allowance(
    app: Flask, database_url: str
) -> None:
    client = _limited(database_url, hops=1)
    first = [_attempt(client, n, "203.0.113.1") for n in range(LIMIT + 1)]
    second = [_attempt(client, 10 + n, "203.0.113.2") for n in range(LIMIT + 1)]
    assert first == [200] * LIMIT + [429]
    assert second == [200] * LIMIT + [429]


def test_a_spoofed_extra_hop_does_not_buy_a_fresh_allowance(
    app: Flask, database_url: str
) -> None:
    client = _limited(database_url, hops=1)
    # The client sends its own X-Forwarded-For; the one trusted proxy appends the real address.
    statuses = [_attempt(client, n, f"198.51.100.{n + 1}, 203.0.113.9") for n in range(LIMIT + 1)]
    assert statuses == [200] * LIMIT + [429]
    assert _attempt(client, 99, "203.0.113.10") == 200


@pytest.fixture
def revived_limiter() -> Iterator[None]:
    """Flask-Limiter keeps "storage is down" on its (process-wide) extension object; the next
    test's app must not start in fallback mode because this one's storage was broken."""
    yield
    limiter._storage_dead = False


def test_an_unusable_sqlite_file_falls_back_to_memory_with_a_warning(
    app: Flask, database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    revived_limiter: None,
) -> None:
    # A directory where the file should be: every SQLite call fails, as on a broken disk.
    client = make_app(database_url, RATELIMIT_ENABLED=True,
                      LOGIN_RATE_LIMIT=f"{LIMIT} per minute",
                      RATELIMIT_STORAGE_URI=storage_uri(tmp_path)).test_client()
    with caplog.at_level(logging.WARNING, logger="flask-limiter"):
        statuses = [_attempt(client, n, "203.0.113.1") for n in range(LIMIT + 1)]
    assert statuses == [200] * LIMIT + [429]
    assert "Rate limit storage unreachable" in caplog.text


def test_counts_are_keyed_by_the_installation_name(tmp_path: Path) -> None:
    # In a process of its own: the limiter is one object per process, keyed by its first app.
    uri = storage_uri(tmp_path / "limits.sqlite3")
    script = (
        "from statuspage import create_app\n"
        "from statuspage.core.extensions import db\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/app.sqlite3',"
        f" 'RATELIMIT_STORAGE_URI': '{uri}', 'HUEY_NAME': 'install-a', 'TESTING': True,"
        " 'WTF_CSRF_ENABLED': False})\n"
        "with app.app_context():\n    db.create_all()\n"
        "response = app.test_client().post('/console/login',"
        " data={'email': 'a@example.com', 'password': 'x' * 12})\n"
        "assert response.status_code == 200, response.status_code\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60,
                   env={**os.environ, "INSTANCE_PATH": str(tmp_path)})
    with sqlite3.connect(tmp_path / "limits.sqlite3") as conn:
        keys = [key for (key,) in conn.execute("SELECT key FROM entries")]
    assert keys and all(key.startswith("LIMITER/install-a/") for key in keys), keys
