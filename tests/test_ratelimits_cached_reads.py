"""Cached public reads skip the limiter (web.ratelimits): no limit is declared on them, so even
an application-wide limit leaves them alone, while every other route still counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from statuspage.core.extensions import limiter
from tests.conftest import make_app

LIMIT = 2


@pytest.fixture(autouse=True)
def _forget_application_limits() -> Iterator[None]:
    # The limiter is one object for every app of the process, and it keeps the first
    # application-wide limit it is given: later apps in this test process must not inherit it.
    yield
    limiter.limit_manager.set_application_limits([])


def _limited(database_url: str) -> Flask:
    return make_app(database_url, RATELIMIT_ENABLED=True,
                    RATELIMIT_APPLICATION=f"{LIMIT} per minute")


def test_cached_reads_are_never_refused_by_an_application_wide_limit(
    app: Flask, database_url: str
) -> None:
    client = _limited(database_url).test_client()
    for path in ("/", "/api/v2/summary.json", "/history.rss"):
        statuses = {client.get(path).status_code for _ in range(LIMIT + 3)}
        assert statuses == {200}, path


def test_other_routes_still_count_against_it(app: Flask, database_url: str) -> None:
    client = _limited(database_url).test_client()
    statuses = [client.get("/console/login").status_code for _ in range(LIMIT + 1)]
    assert statuses == [200] * LIMIT + [429]

