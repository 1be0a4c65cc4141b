"""The documented limits hold across processes and restarts, on SQLite and on Redis.

Each test runs separate gunicorn servers (the Procfile's `web`) on one install and spreads
its requests over them: a limit counted per process would let each server take its own share.
On the embedded default the counts live in a SQLite file in the instance folder; with
REDIS_URL, in Redis. Client addresses come through X-Forwarded-For (TRUSTED_PROXY_HOPS=1,
one trusted proxy), random per test, so runs sharing a Redis never share a bucket.
"""

from __future__ import annotations

import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.ratelimit_support import (
    get_api,
    post_login,
    post_signup,
    random_client,
    redis_url_for_tests,
    web_site,
)

pytestmark = pytest.mark.slow

REDIS = redis_url_for_tests()
# The SQLite storage is the embedded defaults' (no REDIS_URL): CI's PostgreSQL + Redis pass
# runs only the Redis one, the same servers with the same storage being the embedded pass's.
BACKENDS = [
    pytest.param({}, id="sqlite", marks=pytest.mark.skipif(
        bool(os.environ.get("REDIS_URL")), reason="the embedded pass tests the SQLite storage")),
    pytest.param({"REDIS_URL": REDIS or ""}, id="redis",
                 marks=pytest.mark.skipif(REDIS is None, reason="no Redis on 127.0.0.1:6379")),
]


def _email() -> str:
    return f"target-{secrets.token_hex(4)}@example.com"


@pytest.mark.parametrize("backend", BACKENDS)
def test_login_limits_hold_across_processes_and_a_restart(
    tmp_path: Path, backend: dict[str, str]
) -> None:
    with web_site(tmp_path, TRUSTED_PROXY_HOPS="1", **backend) as (site, _):
        servers = [site.start(), site.start()]
        # One account, 25 attempts alternating between two processes: 10 per minute in all.
        email, client = _email(), random_client()
        statuses = [post_login(servers[i % 2], email, client) for i in range(25)]
        assert statuses.count(429) == 15, statuses
        assert set(statuses[:10]) == {200}, statuses

        # Per account, from many addresses (a botnet on one account): still 10.
        email = _email()
        statuses = [post_login(servers[i % 2], email, random_client()) for i in range(25)]
        assert statuses.count(429) == 15, statuses

        # Per address, over many accounts (one attacker, many accounts): still 10.
        attacker = random_client()
        statuses = [post_login(servers[i % 2], _email(), attacker) for i in range(25)]
        assert statuses.count(429) == 15, statuses

        # Sign-ups for one address (5 an hour), from many clients over both processes.
        victim = _email()
        statuses = [post_signup(servers[i % 2], victim, random_client()) for i in range(8)]
        assert statuses == [200] * 5 + [429] * 3, statuses

        # A restart of every process forgets nothing: the counts are in the storage.
        site.stop()
        server = site.start(workers=2)
        assert post_login(server, email, random_client()) == 429
        assert post_login(server, _email(), attacker) == 429
        assert post_login(server, _email(), random_client()) == 200
        assert post_signup(server, victim, random_client()) == 429


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_api_limit_holds_under_a_burst_across_processes(
    tmp_path: Path, backend: dict[str, str]
) -> None:
    with web_site(tmp_path, TRUSTED_PROXY_HOPS="1", **backend) as (site, token):
        servers = [site.start(), site.start(workers=2)]
        client = random_client()
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda i: get_api(servers[i % 2], token, client),
                                     range(130)))
        assert statuses.count(200) == 60, statuses
        assert statuses.count(429) == 70, statuses
        # A restart keeps the count.
        site.stop()
        assert get_api(site.start(), token, client) == 429
