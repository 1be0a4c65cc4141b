"""Rate limiting for the whole install: shared storage, the client's real address, degrading.

Guarantees (the limits themselves are declared where they apply: statuspage.web.login,
statuspage.public.subscribe_limits, statuspage.api.v1):
- Every process of one install counts together: the counts live in RATELIMIT_STORAGE_URI,
  Redis when REDIS_URL is set, else a SQLite file in the instance folder
  (statuspage.web.ratelimit_storage); both keep counts across a restart.
- The window slides (RATELIMIT_STRATEGY, moving window by default): "10 per minute" means at
  most 10 in any 60 seconds, not 10 per clock minute (which lets 20 through around the turn).
- Limits key on the client's address. Behind reverse proxies, TRUSTED_PROXY_HOPS names how
  many of them append to X-Forwarded-For; exactly that many hops are trusted (Werkzeug's
  ProxyFix), so a client that sends its own X-Forwarded-For cannot choose its address. With 0
  (the default) the header is ignored.
- When the storage is unreachable (Redis down, SQLite locked past its busy timeout), limits
  are counted in the process's memory instead, with a logged warning ("Rate limit storage
  unreachable"), and the shared storage is tried again with backoff: requests are never
  answered 500 because of the limiter.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, request
from flask.logging import default_handler
from werkzeug.middleware.proxy_fix import ProxyFix

from statuspage.core.extensions import limiter
from statuspage.web import ratelimit_storage  # noqa: F401  (registers the sqlite:// scheme)

# How long a request waits for Redis before the limiter falls back to memory.
REDIS_TIMEOUT_SECONDS = 1.0


def init_app(app: Flask) -> None:
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops:
        # X-Forwarded-For and -Proto only: public links come from PUBLIC_BASE_URL, never from
        # X-Forwarded-Host, which many proxies pass through from the client unchecked.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    # Installations sharing one Redis keep their counts apart as their queues do (HUEY_NAME).
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config.get("HUEY_NAME") or "statuspage")
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "")
    if uri.startswith("redis") and "RATELIMIT_STORAGE_OPTIONS" not in app.config:
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_timeout": REDIS_TIMEOUT_SECONDS,
            "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        }
    limiter.init_app(app)
    _log_limiter_warnings()


@limiter.request_filter
def _cached_read() -> bool:
    """A GET or HEAD of a cached public view (web.cache.cached) skips the limiter: no limit is
    declared on one, and finding that out per request cost a cache hit about a third of its
    time (bench/public_page.py). Its POSTs, if it takes any, are limited as declared."""
    if request.method not in ("GET", "HEAD"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "cached_read", False))


def _log_limiter_warnings() -> None:
    """Flask-Limiter logs "storage unreachable" to a logger with only a NullHandler, which
    hides it where nothing configures logging (gunicorn's default): send it to stderr then."""
    log = logging.getLogger("flask-limiter")
    if not logging.getLogger().handlers and default_handler not in log.handlers:
        log.addHandler(default_handler)
        log.setLevel(min(log.getEffectiveLevel(), logging.WARNING))
