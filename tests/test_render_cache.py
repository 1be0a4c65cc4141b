"""delivery.render_cache: a fan-out's chunks share one rendering, for a few seconds, per app."""

from __future__ import annotations

import pytest
from flask import Flask

from statuspage.delivery import render_cache
from statuspage.delivery.render_cache import rendered
from tests.conftest import make_app


def test_one_rendering_serves_every_chunk_within_its_lifetime(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    now = [1000.0]
    monkeypatch.setattr(render_cache.time, "monotonic", lambda: now[0])

    def render() -> str:
        calls.append(1)
        return f"rendering {len(calls)}"

    assert rendered(("email", 1, "en", False), render) == "rendering 1"
    now[0] += render_cache.RENDER_TTL_SECONDS - 0.1
    assert rendered(("email", 1, "en", False), render) == "rendering 1"
    assert rendered(("email", 1, "nb", False), render) == "rendering 2"  # another language
    now[0] += 0.2  # the first entry has expired
    assert rendered(("email", 1, "en", False), render) == "rendering 3"


def test_another_app_never_sees_a_rendering(app: Flask, database_url: str) -> None:
    assert rendered("key", lambda: "first app") == "first app"
    other = make_app(database_url)
    with other.app_context():
        assert rendered("key", lambda: "second app") == "second app"
    assert rendered("key", lambda: "again") == "first app"


def test_the_cache_stays_small(app: Flask) -> None:
    for n in range(render_cache.MAX_ENTRIES * 3):
        rendered(("email", n), lambda: "x")
    assert len(app.extensions[render_cache.EXTENSION]) <= render_cache.MAX_ENTRIES
