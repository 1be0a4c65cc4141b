"""Liveness and readiness probes.

`/healthz` reads nothing (no database, no Redis, no session, no page settings), so it answers
while either hangs. `/readyz` answers within about DATABASE_CHECK_TIMEOUT_SECONDS per
dependency, and its 503 names each dependency that is down.
"""

from __future__ import annotations

import redis
from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from statuspage.core.extensions import db
from statuspage.web.db_guard import DatabaseUnavailable, bounded_read

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process is up; checks nothing else, so a slow database never restarts web workers."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Ready to serve: the database answers, and Redis too when REDIS_URL is set.

    `{"status": "ok"}`, or 503 with `{"status": "unavailable", "error": <first failure>,
    "database": "ok" | <error>, "redis": "ok" | <error>}` (`redis` only when configured).
    """
    timeout = float(current_app.config["DATABASE_CHECK_TIMEOUT_SECONDS"])
    checks = {"database": _database()}
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = _redis(redis_url, timeout)
    failures = [error for error in checks.values() if error != "ok"]
    if failures:
        return jsonify(status="unavailable", error=failures[0], **checks), 503
    return jsonify(status="ok")


def _database() -> str:
    try:
        bounded_read(lambda: db.session.execute(text("SELECT 1")).scalar())
    except (SQLAlchemyError, DatabaseUnavailable) as exc:
        db.session.rollback()
        return type(exc).__name__
    return "ok"


def _redis(url: str, timeout: float) -> str:
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as exc:
        return type(exc).__name__
    finally:
        client.close()
    return "ok"
