"""Response cache for the public surfaces (page, feeds, API), shared-nothing between processes.

Each web process keeps rendered responses in memory, keyed by host, path, query and the
language chosen for the visitor (statuspage.core.i18n: switch, cookie or Accept-Language), and
tagged with the page's `cache_version`. The version lives in the database row that every publish
bumps in its own transaction (`pages.touch_page`), so any number of web processes on
any number of machines agree on it: a process re-reads it at most every CACHE_CHECK_SECONDS
(one primary-key read), and immediately after a commit of its own that touched it, so the
next reader of the process that published always sees the change.
Entries also expire after CACHE_MAX_AGE so time-relative content (today's bar) moves on.
While the database is unavailable (down, or not answering within DATABASE_CHECK_TIMEOUT_SECONDS)
every request is answered from the last response stored for its key, however old, and with a
503 page when there is none: never a wait on the database, never a traceback.
Responses carry an ETag, answer `304 Not Modified`, and are stored gzipped once. The store
itself and the version check are statuspage.web.cache_store; this module decides what is
stored, builds the entries and serves them.

Only what every visitor may see is shared: a render that read the visitor's session (a
flashed message, a CSRF token, the signed-in user) is served to that visitor alone, and a
cookie set by a render is never replayed from the cache.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, has_app_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.http import parse_accept_header

from statuspage.core import i18n
from statuspage.core.extensions import db
from statuspage.web.cache_store import (
    MAX_BYTES,
    MAX_ENTRIES,
    Entry,
    ResponseCache,
    Variant,
    monotonic_now,
)
from statuspage.web.db_guard import UNAVAILABLE, DatabaseUnavailable
from statuspage.web.sessions import session_accessed

log = logging.getLogger(__name__)

GZIP_MIN_BYTES = 500
# Headers a cached render must not replay: recomputed per response, or belonging to one visitor.
_NOT_STORED = frozenset(
    {"content-length", "content-type", "content-encoding", "etag", "cache-control", "vary",
     "set-cookie"}
)
VARY = "Accept-Encoding, Accept-Language"
_warned: set[str | None] = set()  # endpoints already reported as reading the session


def init_app(app: Flask) -> None:
    app.extensions["statuspage_cache"] = ResponseCache(
        int(app.config.get("CACHE_MAX_ENTRIES", MAX_ENTRIES)),
        int(app.config.get("CACHE_MAX_BYTES", MAX_BYTES)),
    )


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # Sessions are scoped to the app context, so the committing app is the current one.
    if session.info.pop("page_touched", False) and has_app_context():
        cache = current_app.extensions.get("statuspage_cache")
        if cache is not None:
            cache.mark_stale()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    # A rolled-back touch changed nothing; don't let it ride along with a later commit.
    session.info.pop("page_touched", None)


def cached(view: Callable[..., Any]) -> Callable[..., Response]:
    """Serve a public GET view from the cache, with ETag, 304, gzip and CDN-friendly headers."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        cache: ResponseCache = app.extensions["statuspage_cache"]
        config = app.config
        version = cache.version(config["CACHE_CHECK_SECONDS"])
        max_age = config["CACHE_MAX_AGE"]
        environ = request.environ
        # The host is part of the key: a render that builds absolute URLs from the request
        # must not let one forged Host header poison the page for everyone.
        language = i18n.request_language()
        key = (request.host, request.path, environ.get("QUERY_STRING", ""), language)
        if version is None:
            return _last_known(app, cache, key, environ)
        entry = cache.get(key, version, max_age)
        result = "hit"
        if entry is None:
            with cache.stripe(key):
                entry = cache.get(key, version, max_age)
                if entry is None:
                    result = "miss"
                    try:
                        built = _build(app, view, args, kwargs, version, max_age, language)
                    except UNAVAILABLE:
                        db.session.rollback()
                        return _last_known(app, cache, key, environ)
                    if not isinstance(built, Entry):
                        cache.count(result)
                        return built  # not shareable: sent as rendered, never stored
                    entry = built
                    cache.put(key, entry)
        cache.count(result)
        return _respond(app, entry, environ)

    wrapper.answers_without_database = True  # type: ignore[attr-defined]  # read by web.db_guard
    # No limit is declared on a cached read, and resolving "none" costs the limiter more than
    # serving the page from the cache: web.ratelimits skips its work for these GETs.
    wrapper.cached_read = True  # type: ignore[attr-defined]
    return wrapper


def _build(app: Flask, view: Callable[..., Any], args: Any, kwargs: Any, version: int,
           max_age: int, language: str) -> Entry | Response:
    """Render the view; an Entry if every visitor may share the result, else the response."""
    accessed = session_accessed()
    response = app.make_response(view(*args, **kwargs))
    if response.status_code != 200 or response.is_streamed:
        return response
    if session_accessed() and not accessed:
        if request.endpoint not in _warned:
            _warned.add(request.endpoint)
            log.warning("%s read the session while rendering; it is not cached", request.path)
        response.headers["Cache-Control"] = "private, no-cache"
        return response
    body = response.get_data()
    # The language is part of the validator too: a revalidation can never cross languages,
    # even for a body that reads the same in both (the JSON API).
    digest = hashlib.blake2b(body, digest_size=12, person=language.encode()[:16]).hexdigest()
    shared = [(k, v) for k, v in response.headers.items() if k.lower() not in _NOT_STORED]
    vary = [v for k, v in response.headers.items() if k.lower() == "vary"]
    shared.append(("Vary", ", ".join([VARY, *vary])))
    shared.append(("Cache-Control", f"public, max-age={int(max_age)}"))
    # Werkzeug types default_mimetype as optional; Flask's response class sets it (text/html).
    mimetype = response.content_type or app.response_class.default_mimetype or "text/html"
    content_type = ("Content-Type", mimetype)
    # Each encoding is its own representation with its own strong validator (as Apache's
    # mod_deflate does); either one revalidates, since both carry the same content.
    identity_tag = ("ETag", f'"{digest}"')
    identity = Variant(body, (*shared, content_type, identity_tag), (*shared, identity_tag))
    compressed = None
    if len(body) >= GZIP_MIN_BYTES:
        gzip_tag = ("ETag", f'"{digest}-gzip"')
        compressed = Variant(
            gzip.compress(body, compresslevel=6, mtime=0),
            (*shared, content_type, ("Content-Encoding", "gzip"), gzip_tag),
            (*shared, gzip_tag),
        )
    return Entry(version=version, built_at=monotonic_now(), digest=digest, identity=identity,
                 gzip=compressed)


def _last_known(app: Flask, cache: ResponseCache, key: tuple[str, ...],
                environ: dict[str, Any]) -> Response:
    """The database is unavailable: the last response rendered for `key`, or a clean 503."""
    entry = cache.last(key)
    if entry is None:
        raise DatabaseUnavailable()
    return _respond(app, entry, environ)


def _respond(app: Flask, entry: Entry, environ: dict[str, Any]) -> Response:
    variant = entry.identity
    if entry.gzip is not None and _accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
        variant = entry.gzip
    if "HTTP_IF_NONE_MATCH" in environ:
        matches = request.if_none_match
        if matches.contains_weak(entry.digest) or matches.contains_weak(f"{entry.digest}-gzip"):
            # Werkzeug drops the entity headers (Content-Type, -Encoding) from any 304.
            return app.response_class(status=304, headers=variant.not_modified)
    return app.response_class(variant.body, headers=variant.headers)


# Parsed Accept-Encoding values: clients send a handful of distinct strings, and parsing one
# costs more than serving the cached page itself (i18n keeps the same memo for languages).
_MEMO_SIZE = 256
_gzip_memo: dict[str, bool] = {}


def _accepts_gzip(header: str) -> bool:
    found = _gzip_memo.get(header)
    if found is None:
        # `gzip;q=0` is an explicit refusal; `*` accepts it.
        found = parse_accept_header(header).quality("gzip") > 0
        if len(_gzip_memo) >= _MEMO_SIZE:
            _gzip_memo.clear()
        _gzip_memo[header] = found
    return found

