"""Response cache for the public surfaces (page, feeds, API), shared-nothing between processes.

Each web process keeps rendered responses in memory, keyed by path, query and language, and
tagged with the page's `cache_version`. The version lives in the database row that every
publish bumps in its own transaction (`pages.touch_page`), so any number of web processes on
any number of machines agree on it: a process re-reads it at most every CACHE_CHECK_SECONDS
(one indexed primary-key read), and immediately after a commit of its own that touched it.
Entries also expire after CACHE_MAX_AGE so time-relative content (today's bar) moves on.
Responses carry an ETag, answer `304 Not Modified`, and are stored gzipped once.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, request
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from statuspage.extensions import db
from statuspage.models import Page

MAX_ENTRIES = 512


@dataclass(frozen=True)
class Entry:
    version: int
    built_at: float
    body: bytes
    gzipped: bytes
    etag: str
    mimetype: str
    status: int
    headers: tuple[tuple[str, str], ...]


class ResponseCache:
    def __init__(self) -> None:
        self._entries: dict[tuple[str, ...], Entry] = {}
        self._version: int | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def version(self) -> int:
        interval = current_app.config["CACHE_CHECK_SECONDS"]
        now = time.monotonic()
        if self._version is None or now - self._checked_at >= interval:
            found = db.session.execute(select(Page.cache_version).limit(1)).scalar()
            self._version = found or 0
            self._checked_at = now
        return self._version

    def mark_stale(self) -> None:
        """This process just committed a change: re-read the version on the next request."""
        self._version = None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._version = None

    def get(self, key: tuple[str, ...], version: int, max_age: float) -> Entry | None:
        entry = self._entries.get(key)
        if entry is None or entry.version != version:
            return None
        if time.monotonic() - entry.built_at > max_age:
            return None
        return entry

    def put(self, key: tuple[str, ...], entry: Entry) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()  # crude but bounded: a burst of odd query strings
            self._entries[key] = entry


def _cache() -> ResponseCache:
    return current_app.extensions["statuspage_cache"]


def init_app(app: Flask) -> None:
    cache = ResponseCache()
    app.extensions["statuspage_cache"] = cache



@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("page_touched", False) and current_app:
        cache = current_app.extensions.get("statuspage_cache")
        if cache is not None:
            cache.mark_stale()


def cached(view: Callable[..., Any]) -> Callable[..., Response]:
    """Serve a public GET view from the cache, with ETag, 304, gzip and CDN-friendly headers."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        cache = _cache()
        version = cache.version()
        lang = request.accept_languages.best or ""
        key = (request.path, request.query_string.decode("latin-1"), lang[:8])
        max_age = current_app.config["CACHE_MAX_AGE"]
        entry = cache.get(key, version, max_age)
        if entry is None:
            entry = _build(view, args, kwargs, version)
            if entry.status == 200:
                cache.put(key, entry)
        return _respond(entry, max_age)

    return wrapper


def _build(view: Callable[..., Any], args: Any, kwargs: Any, version: int) -> Entry:
    response = current_app.make_response(view(*args, **kwargs))
    body = response.get_data()
    digest = hashlib.blake2b(body, digest_size=12).hexdigest()
    extra = tuple(
        (k, v) for k, v in response.headers.items()
        if k.lower() not in {"content-length", "content-type", "etag", "cache-control"}
    )
    return Entry(
        version=version,
        built_at=time.monotonic(),
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),
        etag=f'"{digest}"',
        mimetype=response.content_type,
        status=response.status_code,
        headers=extra,
    )


def _respond(entry: Entry, max_age: int) -> Response:
    headers = list(entry.headers)
    headers.append(("ETag", entry.etag))
    headers.append(("Vary", "Accept-Encoding, Accept-Language"))
    headers.append(
        ("Cache-Control", f"public, max-age={max_age}, stale-while-revalidate={max_age}")
    )
    if entry.status == 200 and entry.etag in request.if_none_match:
        return Response(status=304, headers=headers)
    if "gzip" in request.headers.get("Accept-Encoding", "") and len(entry.body) > 500:
        headers.append(("Content-Encoding", "gzip"))
        return Response(entry.gzipped, status=entry.status, headers=headers,
                        content_type=entry.mimetype)
    return Response(entry.body, status=entry.status, headers=headers, content_type=entry.mimetype)
