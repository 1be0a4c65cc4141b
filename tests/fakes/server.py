"""A tiny recording HTTP server with a programmable queue of responses.

Each fake provider is a werkzeug WSGI app served by `make_server` on 127.0.0.1 on a free port
in a daemon thread, so tests exercise the real provider SDKs over real HTTP. Every request is
recorded; a test queues the answers it wants (`respond_with`) and the fake falls back to its
provider-shaped success answer when the queue is empty.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


@dataclass
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    form: dict[str, list[str]] = field(default_factory=dict)
    args: dict[str, list[str]] = field(default_factory=dict)
    # What the fake answered, so a test can compare it with what the client returned.
    answer_status: int = 0
    answer_headers: dict[str, str] = field(default_factory=dict)
    # When it arrived (time.time()), for tests about when a retry came.
    at: float = field(default_factory=time.time)

    @property
    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def param(self, name: str) -> str | None:
        """The first value of a form field (Twilio's form-encoded parameters)."""
        values = self.form.get(name)
        return values[0] if values else None


@dataclass
class CannedResponse:
    """A queued answer: status, JSON (or raw) body, headers, and an optional delay first."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class _QuietHandler(WSGIRequestHandler):
    """No access log lines in the test output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class FakeServer:
    """Serves `handler` for requests when no canned response is queued."""

    def __init__(self, default: Callable[[RecordedRequest], Response]) -> None:
        self._default = default
        self._queue: deque[CannedResponse] = deque()
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, self._wsgi, threaded=True,
                                                    request_handler=_QuietHandler)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # -- programming -------------------------------------------------------------------------
    def respond_with(self, status: int = 200, body: Any = None, *,
                     headers: dict[str, str] | None = None, delay: float = 0.0,
                     times: int = 1) -> None:
        """Queue the next `times` answers. `body` is JSON-encoded unless it is str/bytes."""
        with self._lock:
            for _ in range(times):
                self._queue.append(CannedResponse(status, body, dict(headers or {}), delay))

    def reset(self) -> None:
        """Forget recorded requests and queued answers."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()
        self._after_reset()

    def _after_reset(self) -> None:
        """Hook for subclasses with their own state."""

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- serving -----------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        body = request.get_data()
        form = {k: request.form.getlist(k) for k in request.form} if (
            request.mimetype == "application/x-www-form-urlencoded") else {}
        recorded = RecordedRequest(
            method=request.method, path=request.path, headers=dict(request.headers),
            body=body, form=form, args={k: request.args.getlist(k) for k in request.args},
        )
        with self._lock:
            self.requests.append(recorded)
            canned = self._queue.popleft() if self._queue else None
        if canned is None:
            response = self._default(recorded)
        else:
            if canned.delay:
                time.sleep(canned.delay)
            response = _to_response(canned)
        recorded.answer_status = response.status_code
        recorded.answer_headers = dict(response.headers)
        return response(environ, start_response)


def _to_response(canned: CannedResponse) -> Response:
    if canned.body is None:
        data: str | bytes = b""
        mimetype = None
    elif isinstance(canned.body, (str, bytes)):
        data, mimetype = canned.body, "text/plain"
    else:
        data, mimetype = json.dumps(canned.body), "application/json"
    return Response(data, status=canned.status, headers=canned.headers, mimetype=mimetype)


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None
                  ) -> Response:
    """A JSON response helper for the fakes' default answers."""
    return Response(json.dumps(payload), status=status, headers=headers or {},
                    mimetype="application/json")
