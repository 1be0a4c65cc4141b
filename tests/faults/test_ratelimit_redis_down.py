"""A Redis outage never turns a rate-limited route into a 500 (issue 10e, the limiter part).

A real web process keeps its rate-limit counts in Redis through a `FaultProxy`; the test cuts
or hangs that one path (never the machine's Redis) and checks that console login, public sign-up and
/api/v1 keep answering, still limited, from the process's memory, with a logged warning; and
that the counts go back to Redis once it is reachable again. Only the limiter's path is cut:
the rest of a Redis outage (queue, cache) is covered by its own tests.

It runs wherever a Redis answers on 127.0.0.1:6379 (CI's PostgreSQL + Redis pass, a laptop
with `make test`), on REDIS_URL's database when set, and is skipped cleanly otherwise.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from tests.faults.proxy import FaultProxy
from tests.ratelimit_support import (
    get_api,
    post_login,
    post_signup,
    random_client,
    redis_url_for_tests,
    web_site,
)

REDIS = redis_url_for_tests()
pytestmark = [pytest.mark.slow, pytest.mark.faults,
              pytest.mark.skipif(REDIS is None, reason="no Redis on 127.0.0.1:6379")]
WARNING = "Rate limit storage unreachable - falling back to in-memory storage"


def _email() -> str:
    return f"fault-{secrets.token_hex(4)}@example.com"


def _in_redis(fragment: str) -> bool:
    assert REDIS is not None
    return any(True for _ in redis.Redis.from_url(REDIS).scan_iter(f"*{fragment}*", count=1000))


@pytest.mark.parametrize("fault", ["cut", "hang"])
def test_a_redis_outage_falls_back_to_local_limits_without_a_500(
    tmp_path: Path, fault: str
) -> None:
    assert REDIS is not None
    target = urlsplit(REDIS)
    with FaultProxy(target.hostname or "127.0.0.1", target.port or 6379) as proxy, \
            web_site(tmp_path, RATELIMIT_STORAGE_URI=proxy.rewrite(REDIS),
                     TRUSTED_PROXY_HOPS="1") as (site, token):
        base = site.start()
        before = _email()
        assert post_login(base, before, random_client()) == 200
        assert _in_redis(before)

        getattr(proxy, fault)()  # connections reset, or kept open with nothing going through
        started = time.monotonic()
        email, client = _email(), random_client()
        logins = [post_login(base, email, client) for _ in range(12)]
        signups = [post_signup(base, _email(), client) for _ in range(3)]
        api = [get_api(base, token, client) for _ in range(3)]
        # No 500 anywhere, answered promptly, and the limits still hold (in this process).
        assert logins == [200] * 10 + [429] * 2
        assert signups == [200] * 3
        assert api == [200] * 3
        assert time.monotonic() - started < 20
        if fault == "cut":  # a hung server may still apply a command whose reply never comes
            assert not _in_redis(email)
        assert WARNING in site.log_text()

        proxy.restore()
        deadline = time.monotonic() + 40
        while True:
            later = _email()
            assert post_login(base, later, random_client()) in (200, 429)
            if _in_redis(later):
                break
            assert time.monotonic() < deadline, "the limiter never went back to Redis"
            time.sleep(0.5)
        assert "Traceback" not in site.log_text()
        assert '" 500 ' not in site.log_text()
