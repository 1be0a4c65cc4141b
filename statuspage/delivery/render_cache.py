"""Renderings kept for a few seconds in the process: a fan-out's chunks share one.

A fan-out to a million email subscribers is a thousand chunks of the same event, language and
footer; rendering the templates for each cost the worker more time than its SendGrid calls
(profiled: ~15 ms a chunk). The cache lives on the app (`app.extensions`), so an app made for
another database or test never sees it, and an entry lives RENDER_TTL_SECONDS: what a chunk
sends is at most that much older than the event's rows, as when the chunks ran a little
sooner.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")
RENDER_TTL_SECONDS = 10.0
# Entries per process before the expired ones are dropped (a few events x languages x footers).
MAX_ENTRIES = 64
EXTENSION = "statuspage.render_cache"


def rendered(key: Hashable, render: Callable[[], T]) -> T:
    """`render()`'s value for `key`, made at most once per RENDER_TTL_SECONDS in this app."""
    cache: dict[Hashable, tuple[float, Any]] = current_app.extensions.setdefault(EXTENSION, {})
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and now - hit[0] < RENDER_TTL_SECONDS:
        value: T = hit[1]
        return value
    value = render()
    if len(cache) >= MAX_ENTRIES:
        for old in [k for k, (at, _) in cache.items() if now - at >= RENDER_TTL_SECONDS]:
            cache.pop(old, None)
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
    cache[key] = (now, value)
    return value
