"""Settings from environment variables, validated at start-up with clear errors."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from statuspage.core.config_keys import secret_key_fallbacks
from statuspage.core.config_slack import slack_settings
from statuspage.core.errors import ConfigError as ConfigError  # raised here, caught by callers


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _url(env: Mapping[str, str], name: str, default: str, schemes: set[str]) -> str:
    raw = env.get(name) or default
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not parts.netloc:
        allowed = " or ".join(sorted(schemes))
        raise ConfigError(f"{name} must be an absolute {allowed} URL, got {raw!r}")
    return raw.rstrip("/")


def _database_url(env: Mapping[str, str], instance_path: Path) -> str:
    raw = env.get("DATABASE_URL")
    if not raw:
        return f"sqlite:///{instance_path / 'statuspage.sqlite3'}"
    # Heroku-style URLs say postgres://; SQLAlchemy wants a dialect name and we use psycopg 3.
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://") :]
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://") :]
    if not (raw.startswith("sqlite:") or raw.startswith("postgresql+")):
        raise ConfigError(f"DATABASE_URL must be a sqlite:// or postgresql:// URL, got {raw!r}")
    return raw


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("plain", "json")
RATELIMIT_SCHEMES = {"sqlite", "redis", "rediss", "redis+unix", "redis+sentinel",
                     "redis+cluster", "memory"}


def _ratelimit_storage(env: Mapping[str, str], redis_url: str | None,
                       instance_path: Path) -> str:
    raw = env.get("RATELIMIT_STORAGE_URI")
    if not raw:
        return redis_url or f"sqlite:///{(instance_path / 'ratelimits.sqlite3').resolve()}"
    if urlsplit(raw).scheme not in RATELIMIT_SCHEMES:
        allowed = ", ".join(sorted(RATELIMIT_SCHEMES))
        raise ConfigError(f"RATELIMIT_STORAGE_URI must be a {allowed} URI, got {raw!r}")
    if raw.startswith("sqlite:") and not raw.startswith("sqlite:////"):
        raise ConfigError("RATELIMIT_STORAGE_URI must name an absolute SQLite path "
                          f"(sqlite:////srv/instance/ratelimits.sqlite3), got {raw!r}")
    return raw


def _choice(env: Mapping[str, str], name: str, default: str, choices: set[str]) -> str:
    raw = env.get(name) or default
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(sorted(choices))}, got {raw!r}")
    return raw


def log_settings(env: Mapping[str, str]) -> dict[str, str]:
    """LOG_LEVEL (a logging level name, any case) and LOG_FORMAT (plain or json), validated;
    read also before the app exists (gunicorn's logger class, statuspage.web.logging_gunicorn)."""
    level = (env.get("LOG_LEVEL") or "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, "
                          f"got {env.get('LOG_LEVEL')!r}")
    fmt = (env.get("LOG_FORMAT") or "plain").strip().lower()
    if fmt not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be plain or json, got {env.get('LOG_FORMAT')!r}")
    return {"LOG_LEVEL": level, "LOG_FORMAT": fmt}


def _time_zone(env: Mapping[str, str]) -> str:
    name = env.get("PAGE_TIME_ZONE") or "Etc/UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"PAGE_TIME_ZONE must be an IANA time zone, got {name!r}") from None
    return name


def load_config(env: Mapping[str, str], instance_path: Path) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables.

    Raises ConfigError naming the variable when a value is malformed, so a bad deployment
    fails at start-up rather than on the first request that needs the setting.
    """
    testing = _bool(env, "TESTING", False)
    secret_key = env.get("SECRET_KEY")
    production = env.get("FLASK_ENV") == "production" or _bool(env, "PRODUCTION", False)
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY must be set in production")
        secret_key = _instance_secret(instance_path)
    elif len(secret_key) < 16:
        raise ConfigError("SECRET_KEY must be at least 16 characters long")
    fallbacks = secret_key_fallbacks(env)
    base_url = _url(env, "PUBLIC_BASE_URL", "http://127.0.0.1:5000", {"http", "https"})
    redis_url = env.get("REDIS_URL") or None
    if redis_url:
        _url(env, "REDIS_URL", redis_url, {"redis", "rediss", "unix"})
    return {
        "SECRET_KEY": secret_key,
        "SECRET_KEY_FALLBACKS": fallbacks,  # former keys, newest first (core.config_keys)
        "TESTING": testing,
        "SQLALCHEMY_DATABASE_URI": _database_url(env, instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Time bounds on the database (statuspage/core/db_timeouts.py, web/db_guard.py): connecting,
        # one statement (0: none), and the web tier's probe reads (/readyz, the cache's check).
        "DATABASE_CONNECT_TIMEOUT_SECONDS": _int(env, "DATABASE_CONNECT_TIMEOUT_SECONDS", 5,
                                                 minimum=1),
        "DATABASE_STATEMENT_TIMEOUT_SECONDS": _int(env, "DATABASE_STATEMENT_TIMEOUT_SECONDS", 15),
        "DATABASE_CHECK_TIMEOUT_SECONDS": _float(env, "DATABASE_CHECK_TIMEOUT_SECONDS", 2.0),
        "PUBLIC_BASE_URL": base_url,
        "PAGE_NAME": env.get("PAGE_NAME") or "Acme",
        "PAGE_TIME_ZONE": _time_zone(env),
        "REDIS_URL": redis_url,
        "HUEY_IMMEDIATE": _bool(env, "HUEY_IMMEDIATE", False),
        # The task queues' name (Redis key prefix; the SMS queue adds "-sms"): installations,
        # or test runs, sharing one Redis keep apart by giving each its own.
        "HUEY_NAME": env.get("HUEY_NAME") or "statuspage",
        # How often a web process re-reads the shared cache version stamp; a publish through
        # another process is visible here at most this many seconds later.
        "CACHE_CHECK_SECONDS": _float(env, "CACHE_CHECK_SECONDS", 0.5),
        "CACHE_MAX_AGE": _int(env, "CACHE_MAX_AGE", 30),
        # How often each process writes its heartbeat row for /metrics (0: never).
        "PROCESS_HEARTBEAT_SECONDS": _float(env, "PROCESS_HEARTBEAT_SECONDS", 15.0),
        # How often an open console dashboard (or incident page) asks for news: a draft to
        # approve, a newly declared incident.
        "CONSOLE_REFRESH_SECONDS": _int(env, "CONSOLE_REFRESH_SECONDS", 10, minimum=1),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT") or "10 per minute",
        # Sign-up abuse limits (Flask-Limiter strings), per IP, per address and per number prefix.
        "SUBSCRIBE_RATE_LIMIT_IP": env.get("SUBSCRIBE_RATE_LIMIT_IP") or "20 per hour",
        "SUBSCRIBE_RATE_LIMIT_ADDRESS": env.get("SUBSCRIBE_RATE_LIMIT_ADDRESS") or "5 per hour",
        "SUBSCRIBE_RATE_LIMIT_PREFIX": env.get("SUBSCRIBE_RATE_LIMIT_PREFIX") or "20 per hour",
        "CONFIRM_RATE_LIMIT_IP": env.get("CONFIRM_RATE_LIMIT_IP") or "30 per hour",
        "CODE_RATE_LIMIT_SUBSCRIBER": env.get("CODE_RATE_LIMIT_SUBSCRIBER") or "10 per hour",
        # Requests allowed per API token (/api/v1) and per alert source (/hooks/alerts/*).
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT") or "60 per minute",
        "ALERT_RATE_LIMIT": env.get("ALERT_RATE_LIMIT") or "1200 per minute",
        "RATELIMIT_ENABLED": _bool(env, "RATELIMIT_ENABLED", True),
        # Where rate-limit counts live, shared by every process: Redis when REDIS_URL is set,
        # else a SQLite file in the instance folder (statuspage.web.ratelimit_storage).
        "RATELIMIT_STORAGE_URI": _ratelimit_storage(env, redis_url, instance_path),
        "RATELIMIT_STRATEGY": _choice(env, "RATELIMIT_STRATEGY", "moving-window",
                                      {"moving-window", "sliding-window-counter", "fixed-window"}),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
        "TRUSTED_PROXY_HOPS": _int(env, "TRUSTED_PROXY_HOPS", 0),
        # Largest request body accepted (413 above it); the subscriber CSV import allows more.
        "MAX_CONTENT_LENGTH": _int(env, "MAX_REQUEST_BYTES", 2 * 1024 * 1024, minimum=1024),
        "WTF_CSRF_ENABLED": _bool(env, "WTF_CSRF_ENABLED", True),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        # Retention (statuspage.privacy.retention), in days; 0 keeps for ever. Delivery records,
        # provider receipts and the dev outbox; then unsubscribed or suppressed addresses.
        "DELIVERY_RETENTION_DAYS": _int(env, "DELIVERY_RETENTION_DAYS", 180),
        "UNSUBSCRIBED_RETENTION_DAYS": _int(env, "UNSUBSCRIBED_RETENTION_DAYS", 30),
        # Days a follow of one incident outlives its resolution, waiting for the postmortem's
        # notice (statuspage.subscriptions.follows); 0 ends it at the resolution.
        "POSTMORTEM_FOLLOW_DAYS": _int(env, "POSTMORTEM_FOLLOW_DAYS", 14),
        # Bearer token for GET /metrics (statuspage.web.metrics); unset: not served (404).
        "METRICS_TOKEN": _metrics_token(env),
        # Logging of every process (statuspage.core.logging_setup): level, and plain or json lines.
        **log_settings(env),
        **_sentry_settings(env),
        **_provider_settings(env),
    }


def _metrics_token(env: Mapping[str, str]) -> str | None:
    token = env.get("METRICS_TOKEN") or None
    if token is not None and (len(token) < 16 or not token.isprintable() or " " in token):
        raise ConfigError("METRICS_TOKEN must be at least 16 printable characters, no spaces")
    return token


def _sentry_settings(env: Mapping[str, str]) -> dict[str, str | None]:
    """Error reporting (statuspage.core.error_reporting): off without SENTRY_DSN. The DSN is not
    echoed in an error: it names the project's key."""
    dsn = env.get("SENTRY_DSN") or None
    if dsn:
        parts = urlsplit(dsn)
        if parts.scheme not in {"http", "https"} or not parts.username or not parts.hostname \
                or not parts.path.strip("/"):
            raise ConfigError("SENTRY_DSN must look like https://<key>@<host>/<project id>")
    return {"SENTRY_DSN": dsn, "SENTRY_ENVIRONMENT": env.get("SENTRY_ENVIRONMENT") or None}


def _provider_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """Provider credentials and delivery tuning. Without credentials a channel logs instead."""
    twilio_from = env.get("TWILIO_FROM") or None
    service_sid = env.get("TWILIO_MESSAGING_SERVICE_SID") or None
    if twilio_from and service_sid:
        raise ConfigError("Set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID, not both")
    settings: dict[str, Any] = {
        "SENDGRID_API_KEY": env.get("SENDGRID_API_KEY") or None,
        "SENDGRID_WEBHOOK_PUBLIC_KEY": env.get("SENDGRID_WEBHOOK_PUBLIC_KEY") or None,
        "SENDGRID_API_BASE_URL": _url(env, "SENDGRID_API_BASE_URL", "https://api.sendgrid.com",
                                      {"http", "https"}),
        "MAIL_FROM": env.get("MAIL_FROM") or "status@example.com",
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID") or None,
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN") or None,
        "TWILIO_FROM": twilio_from,
        "TWILIO_MESSAGING_SERVICE_SID": service_sid,
        "TWILIO_API_BASE_URL": _url(env, "TWILIO_API_BASE_URL", "https://api.twilio.com",
                                    {"http", "https"}),
        "TWILIO_MAX_PER_SECOND": _float(env, "TWILIO_MAX_PER_SECOND", 1.0),
        # How long transient failures are retried before a delivery is marked failed.
        "DELIVERY_RETRY_SECONDS": _int(env, "DELIVERY_RETRY_SECONDS", 6 * 3600),
        "DELIVERY_LEASE_SECONDS": _int(env, "DELIVERY_LEASE_SECONDS", 300, minimum=5),
        # Subscribers per expansion step (one transaction; its emails go out in chunks of
        # 1,000). The expansion is one worker's sequential work, the long pole of a large
        # fan-out: 5,000 a step handed 1M emails over in 129 s where 1,000 took 141 s
        # (bench/fanout.py, PostgreSQL, quiet 2-core machine).
        "FANOUT_BATCH_SIZE": _int(env, "FANOUT_BATCH_SIZE", 5000, minimum=1),
        "WEBHOOK_TIMEOUT_SECONDS": _float(env, "WEBHOOK_TIMEOUT_SECONDS", 10.0),
        "SENDGRID_TIMEOUT_SECONDS": _float(env, "SENDGRID_TIMEOUT_SECONDS", 10.0),
        "TWILIO_TIMEOUT_SECONDS": _float(env, "TWILIO_TIMEOUT_SECONDS", 10.0),
        # Only for tests and local development: lets webhooks target loopback http URLs.
        "WEBHOOK_ALLOW_LOOPBACK": _bool(env, "WEBHOOK_ALLOW_LOOPBACK", False),
    }
    if settings["TWILIO_MAX_PER_SECOND"] <= 0:
        raise ConfigError("TWILIO_MAX_PER_SECOND must be greater than 0")
    # The Slack bot (core.config_slack): threads in a group's Slack channels.
    return settings | slack_settings(env, allow_loopback=settings["WEBHOOK_ALLOW_LOOPBACK"])


def _instance_secret(instance_path: Path) -> str:
    """A random key kept in instance/, so `make run` needs no set-up and sessions survive.

    Safe when several processes start at once on a fresh instance folder: each writes a
    candidate to a private file and links it into place, which only the first one manages, so
    every process reads the same complete key.
    """
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        candidate = instance_path / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            candidate.unlink()
    return path.read_text().strip()
