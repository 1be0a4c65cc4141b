"""One logging configuration for every process: web, worker, sms and the CLI.

Guarantees:
- Configured in one place, `configure`, never at import time: the app factory calls it once per
  process (`init_app`; not for test apps, whose logging belongs to pytest), gunicorn's logger
  class before the app exists (statuspage.web.logging_gunicorn), the consumer entry point through
  the factory (statuspage.tasks.consumer).
- Every line goes to stderr at LOG_LEVEL: plain lines for humans by default, one JSON object per
  line with LOG_FORMAT=json (time, level, logger, message, then context fields).
- Context fields (`request_id` on web lines, `event_id`/`delivery_id` on worker lines) come from
  `log_context`, a context variable: each thread and each request sees only its own.
- No secrets in a line: URL paths and queries (a webhook's full URL), credentials in headers
  and `token=`-style values are masked in messages and tracebacks (`redact`).
- Third-party loggers that set up handlers of their own (huey, gunicorn, Flask-Limiter) lose
  them and write through the same handler, so no line comes out twice or in another format.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import Flask

# Loggers that come with handlers of their own; configure() takes them over.
_TAKEN_OVER = ("huey", "gunicorn.error", "gunicorn.access", "flask-limiter")
# Loggers whose INFO lines say nothing to an operator (alembic lists its plugins on import).
_QUIETER = {"alembic.runtime.plugins": "WARNING"}
# Attributes every LogRecord has: anything else on a record is a context or `extra` field.
_RECORD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime",
                                                                 "taskName"}

_context: ContextVar[Mapping[str, Any]] = ContextVar("statuspage_log_context")
_configured = False


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add `fields` to every line logged inside the block (in this thread or task only)."""
    token = _context.set({**_context.get({}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> Mapping[str, Any]:
    """The `log_context` fields in force here (request_id, event_id, delivery_id ...)."""
    return _context.get({})


class ContextFilter(logging.Filter):
    """Copy the current `log_context` fields onto each record (an explicit `extra` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get({}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


# Secrets that reach a message through an exception's text (a webhook's full URL in an HTTP
# client's error, an Authorization header, a `token=` parameter) are masked in every line.
_SECRETS = (
    (re.compile(r"\b(https?://[^/\s'\"<>]+)/[^\s'\"<>]*"), r"\1/[redacted]"),
    (re.compile(r"\b(with url: )\S+"), r"\1[redacted]"),
    # urllib3's DEBUG line for each request: `"POST /services/T…/B…/<token> HTTP/1.1" 200`
    # (a chat webhook's path is its credential).
    (re.compile(r'"([A-Z]{3,7}) /[^\s"]*( HTTP/[\d.]+")'), r'"\1 /[redacted]\2'),
    (re.compile(r"\b(Bearer|Basic) [A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
    # Slack tokens (SLACK_BOT_TOKEN is "xoxb-…"), wherever one turns up.
    (re.compile(r"\bxox[abeoprs]-[A-Za-z0-9-]+"), "xox?-[redacted]"),
    (re.compile(r"(?i)\b((?:auth_?)?token|password|secret|api_?key|signature)=[^&\s'\"]+"),
     r"\1=[redacted]"),
)


def redact(text: str) -> str:
    """`text` with URL paths and queries, credentials and `token=` values masked."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in record.__dict__.items()
            if key not in _RECORD_ATTRS and not key.startswith("_")}


def _time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, context fields, and the
    traceback as `exc_info` when there is one. Values JSON cannot hold are written as text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"time": _time(record), "level": record.levelname,
                                 "logger": record.name, "message": redact(record.getMessage())}
        entry.update(_fields(record))
        if record.exc_info:
            entry["exc_info"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value ...`, then the traceback, for a human reading."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_time(record)} {record.levelname} {record.name}: " + redact(record.getMessage())
        fields = _fields(record)
        if fields:
            line += " " + " ".join(f"{key}={value}" for key, value in fields.items())
        if record.exc_info:
            line += "\n" + redact(self.formatException(record.exc_info))
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


def configure(level: str = "INFO", fmt: str = "plain") -> None:
    """Send every logger's lines to stderr at `level` in `fmt` ("plain" or "json").

    Safe to call again (gunicorn does on a reload): it replaces the previous configuration.
    """
    global _configured
    formatter = JsonFormatter if fmt == "json" else PlainFormatter
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {"main": {"()": formatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "formatter": "main", "filters": ["context"]}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            **{name: {"level": "NOTSET", "handlers": [], "propagate": True}
               for name in _TAKEN_OVER},
            **{name: {"level": level_floor} for name, level_floor in _QUIETER.items()},
        },
    })
    _configured = True


def configured() -> bool:
    """Whether this process's logging has been configured by `configure`."""
    return _configured


def init_app(app: Flask) -> None:
    """Configure the process's logging from the app's LOG_LEVEL and LOG_FORMAT, once per
    process; test apps leave logging to pytest."""
    if app.testing or _configured:
        return
    configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
