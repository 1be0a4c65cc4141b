"""One local fake for the four chat providers' incoming webhooks, with their rate limits.

    fake = FakeChat()                        # or the `fake_chat` fixture
    url = fake.destination_url("slack", "ops")  # http://127.0.0.1:<port>/services/T…/B…/…
    fake.gone(url)                           # 404 no_service from now on
    fake.rate_limit(url, times=2, retry_after=3)
    fake.fail(url, status=503), fake.slow(url, 1.5)
    fake.messages(url)                       # the messages it accepted there, in order
    fake.violations                          # requests that came while the bucket was empty

Paths are the providers' own: Slack /services/T…/B…/<token>, Teams /workflows/<id>/triggers/
manual/paths/invoke?…&sig=…, Discord /api/webhooks/<id>/<token>, Google Chat /v1/spaces/
<space>/messages?key=…&token=…; each destination (its path) has its own state. Any other path
answers 404 in the shape of the provider it resembles most.

Rates, per destination, as the providers document them: Slack 1 message a second with a burst
of 3 (a token bucket); Discord 5 requests per 2 s window, with X-RateLimit-Limit, -Remaining,
-Reset, -Reset-After and -Bucket on every answer; Google Chat 60 a minute per space (a bucket of
60 refilled at 1 a second); Teams none. A request that finds its bucket empty is answered the
provider's 429 and counted in `violations` (and `violations_by_destination`), so a bench can
report "0 rate-limit violations". `limits` can be changed per provider, `enforce_rates` turned
off.

Payloads: the fake refuses what the provider would refuse structurally (chat_shapes), and, when
given, what `validator(provider, payload) -> list of problems` finds (the builders' full
documented rules), answering in the provider's error shape.

Slack's Web API (chat.postMessage with a bot token, for channels reached through the bot)
answers on the same port under /api/ (`fake.slack_api`: tests/fakes/chat_slack_api.py).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Response

from tests.fakes import chat_shapes as shapes
from tests.fakes.chat_shapes import DISCORD, GOOGLE_CHAT, SLACK, TEAMS
from tests.fakes.chat_slack_api import FakeSlackApi
from tests.fakes.server import FakeServer, RecordedRequest

Validator = Callable[[str, Any], list[str]]
_PATHS = {
    SLACK: re.compile(r"/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+"),
    TEAMS: re.compile(r"/workflows/[0-9a-f]{32}/triggers/manual/paths/invoke"),
    DISCORD: re.compile(r"/api(?:/v\d+)?/webhooks/\d+/[A-Za-z0-9_-]+"),
    GOOGLE_CHAT: re.compile(r"/v1/spaces/[A-Za-z0-9_-]+/messages"),
}
_SLACK_METHOD = re.compile(r"/api/[a-z]+\.[A-Za-z.]+")


@dataclass
class Limit:
    """`capacity` requests, refilled continuously at `per_second` (a token bucket), or, with
    `window`, `capacity` requests per fixed window of `window` seconds (Discord's buckets)."""

    capacity: int
    per_second: float = 0.0
    window: float = 0.0


DEFAULT_LIMITS: dict[str, Limit | None] = {
    SLACK: Limit(3, per_second=1.0),
    DISCORD: Limit(5, window=2.0),
    GOOGLE_CHAT: Limit(60, per_second=1.0),
    TEAMS: None,
}


@dataclass
class ChatMessage:
    """A message the fake accepted."""

    provider: str
    destination: str  # the request path
    payload: Any
    query: dict[str, str]
    at: float


@dataclass
class _Destination:
    gone: str | None = None  # the reason ("" for the provider's default)
    rate_limited: int = 0
    retry_after: float = 1.0
    failing: int = 0
    fail_status: int = 503
    delay: float = 0.0
    tokens: float | None = None
    refilled: float = 0.0
    window_start: float = 0.0
    window_used: int = 0
    threads: dict[str, str] = field(default_factory=dict)


class FakeChat(FakeServer):
    """Slack, Teams, Discord and Google Chat incoming webhooks on one local port."""

    def __init__(self, validator: Validator | None = None) -> None:
        super().__init__(self._answer)
        self.validator = validator
        self.enforce_rates = True
        self.limits: dict[str, Limit | None] = dict(DEFAULT_LIMITS)
        self._state_lock = threading.Lock()
        self._destinations: dict[str, _Destination] = {}
        self.accepted: list[ChatMessage] = []
        self.violations_by_destination: Counter[str] = Counter()
        # Bumped by reset(): an answer that was still sleeping (`slow`) when its test ended
        # records nothing in the next test.
        self._generation = 0
        self.slack_api = FakeSlackApi(self.url + "/api", lambda: self.validator)

    # -- destinations ---------------------------------------------------------------------
    def destination_url(self, provider: str, name: str = "default") -> str:
        """A loopback webhook URL of `provider`'s shape, the same for the same `name`."""
        return self.url + shapes.webhook_path(provider, name)

    def _state(self, url_or_path: str) -> _Destination:
        path = urlsplit(url_or_path).path if "://" in url_or_path else url_or_path
        return self._destinations.setdefault(path, _Destination())

    def gone(self, url: str, reason: str | None = None) -> None:
        """From now on the destination answers that it is gone (`reason`: see chat_shapes)."""
        with self._state_lock:
            self._state(url).gone = reason or ""

    def rate_limit(self, url: str, *, times: int = 1, retry_after: float = 1.0) -> None:
        """The next `times` requests there get the provider's 429 (not counted as violations)."""
        with self._state_lock:
            state = self._state(url)
            state.rate_limited, state.retry_after = times, retry_after

    def fail(self, url: str, *, times: int = 1, status: int = 503) -> None:
        """The next `times` requests there get a server error."""
        with self._state_lock:
            state = self._state(url)
            state.failing, state.fail_status = times, status

    def slow(self, url: str, delay: float) -> None:
        """Every answer there waits `delay` seconds first."""
        with self._state_lock:
            self._state(url).delay = delay

    # -- reading ---------------------------------------------------------------------------
    def messages(self, url: str | None = None) -> list[ChatMessage]:
        """Accepted messages, in arrival order: all, or one destination's."""
        path = urlsplit(url).path if url else None
        with self._state_lock:
            return [m for m in self.accepted if path is None or m.destination == path]

    @property
    def violations(self) -> int:
        with self._state_lock:
            return sum(self.violations_by_destination.values())

    def duplicates(self) -> int:
        """Accepted messages whose destination and body an earlier one already had."""
        seen: Counter[tuple[str, str]] = Counter(
            (m.destination, json.dumps(m.payload, sort_keys=True)) for m in self.messages())
        return sum(n - 1 for n in seen.values())

    def _after_reset(self) -> None:
        with self._state_lock:
            self._generation += 1
            self._destinations.clear()
            self.accepted.clear()
            self.violations_by_destination.clear()
        self.validator = None
        self.enforce_rates = True
        self.limits = dict(DEFAULT_LIMITS)
        self.slack_api.reset()

    # -- serving ---------------------------------------------------------------------------
    def _answer(self, request: RecordedRequest) -> Response:
        if _SLACK_METHOD.fullmatch(request.path):
            return self.slack_api.answer(request)
        provider = next((p for p, pattern in _PATHS.items() if pattern.fullmatch(request.path)),
                        None)
        if provider is None or request.method != "POST":
            return shapes.gone(shapes.nearest(request.path), None)
        query = {k: v[0] for k, v in request.args.items()}
        with self._state_lock:
            state = self._state(request.path)
            delay, generation = state.delay, self._generation
        if delay:
            time.sleep(delay)
        with self._state_lock:
            if generation != self._generation:
                return shapes.server_error(provider, 503)
            early = self._early_answer(provider, request.path, state)
            rate_headers = self._take(provider, request.path, state) if early is None else {}
        if early is not None:
            return early
        if rate_headers is None:
            return shapes.rate_limited(provider, self._wait(provider, state),
                                       self._headers(provider, state))
        problems = shapes.structural_problems(provider, request.body)
        if not problems and self.validator is not None:
            problems = list(self.validator(provider, json.loads(request.body)))
        if problems:
            response = shapes.invalid(provider, problems)
        else:
            payload = json.loads(request.body)
            thread = self._thread_name(state, query) if provider == GOOGLE_CHAT else None
            with self._state_lock:
                if generation != self._generation:
                    return shapes.server_error(provider, 503)
                self.accepted.append(ChatMessage(provider, request.path, payload, query,
                                                 time.time()))
            response = shapes.delivered(provider, request.path, payload, thread,
                                        query.get("wait") == "true")
        response.headers.update(rate_headers)
        return response

    def _early_answer(self, provider: str, path: str, state: _Destination) -> Response | None:
        if state.gone is not None:
            return shapes.gone(provider, state.gone or None)
        if state.rate_limited:
            state.rate_limited -= 1
            return shapes.rate_limited(provider, state.retry_after)
        if state.failing:
            state.failing -= 1
            return shapes.server_error(provider, state.fail_status)
        return None

    def _take(self, provider: str, path: str, state: _Destination) -> dict[str, str] | None:
        """Spend one request of the destination's rate; None (and a violation) if none left."""
        limit = self.limits.get(provider)
        if not self.enforce_rates or limit is None:
            return {}
        now = time.monotonic()
        if limit.window:
            if state.window_used == 0 or now - state.window_start >= limit.window:
                state.window_start, state.window_used = now, 0
            if state.window_used >= limit.capacity:
                self.violations_by_destination[path] += 1
                return None
            state.window_used += 1
            return self._headers(provider, state)
        if state.tokens is None:
            state.tokens, state.refilled = float(limit.capacity), now
        state.tokens = min(limit.capacity, state.tokens + (now - state.refilled)
                           * limit.per_second)
        state.refilled = now
        if state.tokens < 1:
            self.violations_by_destination[path] += 1
            return None
        state.tokens -= 1
        return {}

    def _wait(self, provider: str, state: _Destination) -> float:
        limit = self.limits.get(provider)
        if limit is None:
            return 1.0
        if limit.window:
            return max(0.0, limit.window - (time.monotonic() - state.window_start))
        return max(0.0, (1 - (state.tokens or 0.0)) / limit.per_second)

    def _headers(self, provider: str, state: _Destination) -> dict[str, str]:
        limit = self.limits.get(provider)
        if provider != DISCORD or limit is None or not limit.window:
            return {}
        reset_after = max(0.0, limit.window - (time.monotonic() - state.window_start))
        return {"X-RateLimit-Limit": str(limit.capacity),
                "X-RateLimit-Remaining": str(max(0, limit.capacity - state.window_used)),
                "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                "X-RateLimit-Bucket": hashlib.md5(b"webhook").hexdigest()}

    def _thread_name(self, state: _Destination, query: dict[str, str]) -> str:
        key = query.get("threadKey") or ""
        if not key:
            return secrets.token_urlsafe(8)
        with self._state_lock:
            return state.threads.setdefault(key, secrets.token_urlsafe(8))
