"""Lean local SendGrid and Twilio for bench/fanout.py: they count, time and rate-limit.

Each fake runs in a process of its own, so parsing 1,000-recipient emails never delays the
timestamps the SMS rate is measured with (the benchmark process polls them over GET /stats;
time.monotonic is one clock for all processes on Linux). Unlike the test fakes they keep no
request bodies. The Twilio fake enforces the configured rate with a token bucket holding
100 ms worth of messages (jitter on the way), and answers 429 (error 20429, Retry-After: 1) to
any message above it.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import re
import secrets
import threading
import time
import urllib.request
from collections import Counter
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

_TO = re.compile(rb'"to":\s*\[\{"email":\s*"([^"]+)"')


class _SendGrid:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.addresses: Counter[str] = Counter()
        self.calls = self.duplicates = 0
        self.first = self.last = 0.0

    def reset(self) -> None:
        with self.lock:
            self.addresses.clear()
            self.calls = self.duplicates = 0
            self.first = self.last = 0.0

    def handle(self, request: Request) -> Response:
        if request.path != "/v3/mail/send":
            return Response("not found", status=404)
        arrived = time.monotonic()  # before reading the body: when the worker called
        with self.lock:
            self.first = self.first or arrived
        # A regular expression over the raw JSON costs a fraction of parsing it.
        addresses = [a.decode() for a in _TO.findall(request.get_data())]
        with self.lock:
            self.calls += 1
            seen = self.addresses
            for address in addresses:
                seen[address] += 1
                # Counted as they come: summing a million counts on every poll of /stats
                # (20 a second) once cost this fake more CPU than the worker's sending.
                self.duplicates += seen[address] == 2
            self.last = time.monotonic()
        return Response(b"", status=202, headers={"X-Message-Id": secrets.token_hex(11)})

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"received": len(self.addresses), "calls": self.calls, "last": self.last,
                    "first": self.first, "duplicates": self.duplicates}


class _Twilio:
    def __init__(self, rate: float) -> None:
        self.lock = threading.Lock()
        self.rate = rate
        self.capacity = max(2.0, rate * 0.1)
        self.tokens = self.capacity
        self.refilled = time.monotonic()
        self.numbers: Counter[str] = Counter()
        self.times: list[float] = []
        self.limited = 0

    def handle(self, request: Request) -> Response:
        if not request.path.endswith("/Messages.json"):
            return Response("not found", status=404)
        now = time.monotonic()
        with self.lock:
            self.tokens = min(self.capacity, self.tokens + (now - self.refilled) * self.rate)
            self.refilled = now
            accepted = self.tokens >= 1.0
            if accepted:
                self.tokens -= 1.0
                self.numbers[request.form.get("To", "")] += 1
                self.times.append(now)
            else:
                self.limited += 1
        if not accepted:
            error = {"code": 20429, "message": "Too Many Requests", "status": 429,
                     "more_info": "https://www.twilio.com/docs/errors/20429"}
            return Response(json.dumps(error), status=429, mimetype="application/json",
                            headers={"Retry-After": "1"})
        resource = {"sid": "SM" + secrets.token_hex(16), "status": "queued",
                    "to": request.form.get("To"), "num_segments": "1"}
        return Response(json.dumps(resource), status=201, mimetype="application/json")

    def stats(self) -> dict[str, Any]:
        with self.lock:
            times = list(self.times)
            rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
            return {"received": len(self.numbers), "rate": rate, "limited": self.limited,
                    "duplicates": sum(n > 1 for n in self.numbers.values()),
                    "first": times[0] if times else 0.0, "last": times[-1] if times else 0.0}


class _KeepAlive(WSGIRequestHandler):
    """HTTP/1.1, as the real providers speak it: the senders' connections are kept alive, and a
    send does not pay for a new TCP connection (werkzeug's default HTTP/1.0 closes each one)."""

    protocol_version = "HTTP/1.1"


def _serve(kind: str, rate: float, ports: Any) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    fake: _SendGrid | _Twilio = _SendGrid() if kind == "sendgrid" else _Twilio(rate)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path == "/stats":
            response = Response(json.dumps(fake.stats()), mimetype="application/json")
        elif request.path == "/reset" and isinstance(fake, _SendGrid):
            fake.reset()
            response = Response("", status=204)
        else:
            response = fake.handle(request)
        return response(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_KeepAlive)
    ports.put(server.server_port)
    server.serve_forever()


class FakeProvider:
    """One fake in its own process; `url` for the app's settings, `stats()` to poll it."""

    def __init__(self, kind: str, rate: float = 0.0) -> None:
        context = multiprocessing.get_context("fork")
        ports = context.Queue()
        self.process = context.Process(target=_serve, args=(kind, rate, ports), daemon=True)
        self.process.start()
        self.url = f"http://127.0.0.1:{ports.get(timeout=30)}"

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/stats", timeout=10) as response:  # loopback
            return json.loads(response.read())

    def reset(self) -> None:
        """Forget what the fake received (the SendGrid fake): the next publish starts at 0."""
        with urllib.request.urlopen(f"{self.url}/reset", timeout=10):  # loopback
            pass

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(timeout=10)
