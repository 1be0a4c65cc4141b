"""A fake Slack Web API (chat.postMessage, with a bot token), served on FakeChat's port.

    api = fake_chat.slack_api
    app.config.update(SLACK_BOT_TOKEN=api.token, SLACK_API_BASE_URL=api.base_url)
    api.channel("C0123ABCD")               # a channel the bot is in; member=False: not invited
    api.archive("C0123ABCD"); api.revoke()  # is_archived, token_revoked from now on
    api.rate_limit("C0123ABCD", times=1, retry_after=1.0)  # HTTP 429 ratelimited
    api.fail("C0123ABCD", error="internal_error")          # {"ok": false, ...}, then fine
    api.posts("C0123ABCD")                  # the messages it accepted, in order (ts, thread_ts …)

What it checks, as Slack does (docs.slack.dev, chat.postMessage, "Rate limits"): the Bearer
token (none: not_authed, another: invalid_auth, revoked: token_revoked), a JSON body, the
channel (unknown: channel_not_found, the bot not invited: not_in_channel, archived:
is_archived), the payload's Block Kit rules (the structural ones of chat_shapes and, when
FakeChat has one, its `validator`: invalid_blocks with "errors"), and one message a second
per channel with a burst of 3 (HTTP 429 with Retry-After and {"ok": false, "error":
"ratelimited"}, counted in `violations`). Every error is HTTP 200 {"ok": false, "error"},
except the 429, as Slack answers. Stricter than Slack, to catch our mistakes: a thread_ts
must name a message of that channel that starts a thread (else "thread_not_found"), and
reply_broadcast needs a thread_ts ("invalid_arguments").
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Response

from tests.fakes import chat_shapes as shapes
from tests.fakes.server import RecordedRequest, json_response

TOKEN = "xoxb-1234567890-0987654321-FakeBotTokenForTests"
BURST, PER_SECOND = 3, 1.0


@dataclass
class SlackPost:
    """A message the fake accepted."""

    channel: str
    payload: dict[str, Any]
    ts: str
    thread_ts: str | None
    reply_broadcast: bool
    at: float


@dataclass
class _Channel:
    member: bool = True
    archived: bool = False
    rate_limited: int = 0
    retry_after: float = 1.0
    failing: list[tuple[int, str]] = field(default_factory=list)
    tokens: float = float(BURST)
    refilled: float = 0.0


class FakeSlackApi:
    """The Web API's chat.postMessage, for one workspace and its bot."""

    def __init__(self, base_url: str, validator: Callable[[], Any]) -> None:
        self.base_url = base_url  # SLACK_API_BASE_URL
        self.token = TOKEN
        self._validator = validator  # FakeChat's current `validator` (or None)
        self._lock = threading.Lock()
        self._ts = itertools.count(100)
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._channels: dict[str, _Channel] = {}
            self.accepted: list[SlackPost] = []
            self.revoked = False
            self.violations = 0

    # -- programming ------------------------------------------------------------------------
    def channel(self, channel_id: str, *, member: bool = True) -> str:
        with self._lock:
            self._channels.setdefault(channel_id, _Channel()).member = member
        return channel_id

    def archive(self, channel_id: str) -> None:
        with self._lock:
            self._channels.setdefault(channel_id, _Channel()).archived = True

    def revoke(self) -> None:
        """The token is revoked from now on (token_revoked)."""
        self.revoked = True

    def rate_limit(self, channel_id: str, *, times: int = 1, retry_after: float = 1.0) -> None:
        with self._lock:
            state = self._channels.setdefault(channel_id, _Channel())
            state.rate_limited, state.retry_after = times, retry_after

    def fail(self, channel_id: str, *, times: int = 1, error: str = "internal_error",
             status: int = 200) -> None:
        """The next `times` posts there get {"ok": false, "error": error} with `status`."""
        with self._lock:
            self._channels.setdefault(channel_id, _Channel()).failing.extend(
                [(status, error)] * times)

    # -- reading ----------------------------------------------------------------------------
    def posts(self, channel_id: str | None = None) -> list[SlackPost]:
        with self._lock:
            return [p for p in self.accepted if channel_id in (None, p.channel)]

    # -- serving ----------------------------------------------------------------------------
    def answer(self, request: RecordedRequest) -> Response:
        if request.method != "POST" or request.path.rsplit("/", 1)[-1] != "chat.postMessage":
            return json_response({"ok": False, "error": "unknown_method"}, 404)
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return _error("not_authed")
        if auth[len("Bearer "):] != self.token:
            return _error("invalid_auth")
        if self.revoked:
            return _error("token_revoked")
        try:
            body = json.loads(request.body)
        except ValueError:
            return _error("invalid_json")
        if not isinstance(body, dict):
            return _error("invalid_json")
        return self._post(body)

    def _post(self, body: dict[str, Any]) -> Response:
        channel_id = str(body.get("channel") or "")
        with self._lock:
            state = self._channels.get(channel_id)
            early = self._early(state)
        if early is not None:
            return early
        problems = shapes.structural_problems(shapes.SLACK, json.dumps(body).encode())
        validator = self._validator()
        if not problems and validator is not None:
            problems = list(validator(shapes.SLACK, body))
        if problems:
            return json_response({"ok": False, "error": "invalid_blocks", "errors": problems})
        thread_ts = body.get("thread_ts")
        with self._lock:
            roots = {p.ts for p in self.accepted if p.channel == channel_id and not p.thread_ts}
            if thread_ts is not None and thread_ts not in roots:
                return _error("thread_not_found")
            if body.get("reply_broadcast") and thread_ts is None:
                return _error("invalid_arguments")
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            self.accepted.append(SlackPost(channel_id, body, ts, thread_ts,
                                           bool(body.get("reply_broadcast")), time.time()))
        message = {"type": "message", "subtype": "bot_message", "text": body.get("text", ""),
                   "ts": ts, "bot_id": "B0FAKEBOT1", **({"thread_ts": thread_ts}
                                                         if thread_ts else {})}
        return json_response({"ok": True, "channel": channel_id, "ts": ts, "message": message})

    def _early(self, state: _Channel | None) -> Response | None:
        """The answers that come before the payload is read (under the lock)."""
        if state is None:
            return _error("channel_not_found")
        if not state.member:
            return _error("not_in_channel")
        if state.archived:
            return _error("is_archived")
        if state.rate_limited:
            state.rate_limited -= 1
            return _ratelimited(state.retry_after)
        if state.failing:
            status, error = state.failing.pop(0)
            return json_response({"ok": False, "error": error}, status)
        now = time.monotonic()
        state.tokens = min(BURST, state.tokens + (now - (state.refilled or now)) * PER_SECOND)
        state.refilled = now
        if state.tokens < 1:
            self.violations += 1
            return _ratelimited((1 - state.tokens) / PER_SECOND)
        state.tokens -= 1
        return None


def _error(code: str) -> Response:
    return json_response({"ok": False, "error": code})


def _ratelimited(retry_after: float) -> Response:
    return json_response({"ok": False, "error": "ratelimited"}, 429,
                         {"Retry-After": str(max(1, round(retry_after)))})
