"""A request id on every web response and on every line logged while serving it.

Guarantees:
- Each request gets an id: the client's (or the proxy's) `X-Request-ID` when it is a sane token
  (1-64 letters, digits, `.`, `_`, `-`, `:`), else a new random one; never the raw header.
- The response carries it back in `X-Request-ID`, whatever produced the response (a view, an
  error page, a cached page), so a user's report can be matched to the server's lines.
- Lines logged while the request is served carry `request_id` (statuspage.core.logging_setup), and
  gunicorn's access line reads it from the WSGI environ (`ENVIRON_KEY`).
- The path written to the access line (`ENVIRON_PATH_KEY`) has the values of URL parts named
  `token` (subscriber links, internal links) replaced: a log line never holds a link's secret.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from flask import Flask, request

from statuspage.core.logging_setup import log_context

HEADER = "X-Request-ID"
ENVIRON_KEY = "statuspage.request_id"
ENVIRON_PATH_KEY = "statuspage.log_path"
REDACTED = "[redacted]"
# URL variables whose values are secrets (statuspage.core.tokens, statuspage.plan.internal_links).
SECRET_URL_VARIABLES = frozenset({"token"})
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id_from(header: str | None) -> str:
    """The client's id if it is a sane token, else a new random one."""
    if header and _SANE.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """WSGI middleware: around the whole app, so every response and every line has the id."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        environ[ENVIRON_KEY] = request_id

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers = [(k, v) for k, v in headers if k.lower() != HEADER.lower()]
            headers.append((HEADER, request_id))
            return start_response(status, headers, exc_info)

        with log_context(request_id=request_id):
            return self.wsgi_app(environ, start)


def _note_loggable_path(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Keep the request path with secret URL variables redacted, for the access line."""
    path = request.path
    for name, value in (values or {}).items():
        if name in SECRET_URL_VARIABLES and isinstance(value, str) and value:
            path = path.replace(value, REDACTED)
    request.environ[ENVIRON_PATH_KEY] = path


def init_app(app: Flask) -> None:
    app.wsgi_app = RequestIdMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    app.url_value_preprocessor(_note_loggable_path)
