"""A local Sentry-compatible receiver: accepts POST /api/<project>/envelope/ and records them.

Point SENTRY_DSN at `receiver.dsn` (http://public@127.0.0.1:<port>/1). An envelope is
newline-delimited JSON: an envelope header, then for each item a header and its payload;
the SDK gzips the body, and `raw` is the body as it was meant, decompressed.
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

from tests.fakes.server import FakeServer, RecordedRequest, json_response


@dataclass
class Envelope:
    """One envelope the receiver got."""

    path: str
    raw: bytes

    @property
    def items(self) -> list[tuple[dict[str, Any], Any]]:
        """(item header, payload) pairs; a JSON payload parsed."""
        lines = self.raw.split(b"\n")[1:]
        items = []
        while len(lines) >= 2:
            header, payload = json.loads(lines[0]), lines[1]
            lines = lines[2:]
            try:
                items.append((header, json.loads(payload)))
            except ValueError:
                items.append((header, payload))
        return items

    def events(self) -> list[dict[str, Any]]:
        return [payload for header, payload in self.items if header.get("type") == "event"]


class FakeSentry(FakeServer):
    """Records envelopes; answers 200 as Sentry does."""

    def __init__(self) -> None:
        super().__init__(self._accept)
        self.dsn = f"http://public@127.0.0.1:{self.port}/1"

    @staticmethod
    def _accept(request: RecordedRequest) -> Response:
        if request.method != "POST" or not request.path.startswith("/api/"):
            return json_response({"detail": "not found"}, status=404)
        return json_response({"id": "0" * 32})

    @property
    def envelopes(self) -> list[Envelope]:
        found = []
        for request in list(self.requests):
            if request.path.endswith("/envelope/"):
                gzipped = request.headers.get("Content-Encoding") == "gzip"
                found.append(Envelope(request.path,
                                      gzip.decompress(request.body) if gzipped else request.body))
        return found

    def events(self) -> list[dict[str, Any]]:
        return [event for envelope in self.envelopes for event in envelope.events()]

    def wait_for_events(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The events received, once there are at least `count` (or the timeout passed)."""
        deadline = time.monotonic() + timeout
        while len(self.events()) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.events()


def main() -> None:
    """`python -m tests.fakes.sentry`: a receiver on loopback that prints what arrives."""
    receiver = FakeSentry()
    print(f"Receiving on {receiver.url}; use SENTRY_DSN={receiver.dsn}", flush=True)
    shown = 0
    try:
        while True:
            events = receiver.events()
            for event in events[shown:]:
                exception = (event.get("exception") or {}).get("values") or [{}]
                print(json.dumps({"level": event.get("level"),
                                  "logger": event.get("logger"),
                                  "message": (event.get("logentry") or {}).get("message"),
                                  "exception": f"{exception[-1].get('type')}: "
                                               f"{exception[-1].get('value')}"}), flush=True)
            shown = len(events)
            time.sleep(0.2)
    except KeyboardInterrupt:
        receiver.stop()


if __name__ == "__main__":
    main()
