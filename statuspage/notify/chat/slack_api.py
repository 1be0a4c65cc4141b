"""SlackWebApi: posts a chat message into a Slack channel with the bot token (SLACK_BOT_TOKEN),
through the Web API's chat.postMessage, in a thread when given one.

Why not slack_sdk's WebClient: it sends with urllib's urlopen, which reads proxies from the
environment and follows redirects, outside the connection guard every other chat request goes
through. This sends the request WebClient.chat_postMessage sends (a JSON POST to
<base>/chat.postMessage with the token as a Bearer header) over the same guarded `requests`
session as the webhooks (notify.webhook_guard: a public address only, no proxies, no
redirects); tests/test_chat_slack_api.py runs the real WebClient against the same fake to
show both are answered alike. The base is fixed (https://slack.com/api, SLACK_API_BASE_URL
for a proxy or the tests' loopback fake, itself allowed only with WEBHOOK_ALLOW_LOOPBACK).

The token is a secret: it is in the Authorization header and nowhere else; no log line and no
error text here carries it.

Answers (docs.slack.dev, chat.postMessage and "Rate limits", 2026): HTTP 200 with
{"ok": true, "channel", "ts", "message"}, or {"ok": false, "error": "<code>"} (still 200);
HTTP 429 with Retry-After and {"ok": false, "error": "ratelimited"} (about one message a second
per channel). What each error means here:
- the channel is gone to us (channel_not_found, not_in_channel, is_archived): permanent, and
  the destination is suppressed ("destination_gone") for the console to show;
- the token is refused (invalid_auth, token_revoked, missing_scope …): permanent for this
  message, but the destinations are kept: it is the installation's token, not one channel,
  so every bot channel would otherwise be silently suppressed by one revoked token; the
  delivery records say "the bot token was refused", the group's page shows it, and the next
  message goes out as soon as a working token is configured;
- Slack is busy or failing (ratelimited, internal_error, 5xx): transient, after Retry-After;
- anything else refuses this message only (invalid_blocks, msg_too_long …).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

import requests

from statuspage.core.config_slack import check_api_base
from statuspage.core.errors import ConfigError
from statuspage.core.logging_setup import redact
from statuspage.models.subscribers import SLACK
from statuspage.notify.base import ChatContent, DeliveryError, retry_after_seconds
from statuspage.notify.chat.outcomes import GONE
from statuspage.notify.chat.sender import MIN_INTERVAL
from statuspage.notify.webhook_guard import BlockedAddressError, GuardedAdapter

logger = logging.getLogger(__name__)

METHOD = "chat.postMessage"
CHANNEL_GONE = frozenset({"channel_not_found", "not_in_channel", "is_archived",
                          "channel_is_archived"})
TOKEN_REFUSED = frozenset({"not_authed", "invalid_auth", "account_inactive", "token_revoked",
                           "token_expired", "no_permission", "missing_scope",
                           "not_allowed_token_type", "ekm_access_denied", "access_denied",
                           "team_access_not_granted", "org_login_required",
                           "two_factor_setup_required", "enterprise_is_restricted"})
TRANSIENT = frozenset({"ratelimited", "rate_limited", "internal_error", "fatal_error",
                       "service_unavailable", "request_timeout", "team_added_to_org"})
MAX_DETAIL = 200


class SlackWebApi:
    """Posts messages into Slack channels with the bot token; one per process, shared by the
    worker threads (it remembers when it last posted to each channel, under a lock)."""

    def __init__(self, *, token: str, base_url: str, timeout: float, allow_loopback: bool,
                 user_agent: str) -> None:
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.allow_loopback = allow_loopback
        self.user_agent = user_agent
        self.session = requests.Session()
        self.session.trust_env = False  # an environment proxy would bypass the guard
        adapter = GuardedAdapter(allow_loopback)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # When each channel was last posted to (time.monotonic()), for the pacing.
        self._last_sent: dict[str, float] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the token
        return f"SlackWebApi({self.base_url!r})"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SlackWebApi | None:
        """The client for SLACK_BOT_TOKEN and SLACK_API_BASE_URL; None without a token."""
        token = config.get("SLACK_BOT_TOKEN")
        if not token:
            return None
        base = str(config.get("PUBLIC_BASE_URL") or "").rstrip("/")
        return cls(token=str(token),
                   base_url=str(config.get("SLACK_API_BASE_URL") or "https://slack.com/api"),
                   timeout=float(config.get("WEBHOOK_TIMEOUT_SECONDS") or 10.0),
                   allow_loopback=bool(config.get("WEBHOOK_ALLOW_LOOPBACK")),
                   user_agent=f"statuspage-chat/1.0 (+{base})" if base
                   else "statuspage-chat/1.0")

    def post(self, channel: str, content: ChatContent, *, thread_ts: str = "") -> str:
        """Post `content` (a Slack Block Kit payload) into `channel`; in the thread of the
        message `thread_ts` when given (and into the channel too when `content.closing`).
        Returns the new message's ts; raises DeliveryError (see the module)."""
        body: dict[str, Any] = {**content.payload, "channel": channel}
        if thread_ts:
            body["thread_ts"] = thread_ts
            if content.closing:
                body["reply_broadcast"] = True
        with self._lock:
            self._last_sent[channel] = time.monotonic()
            if len(self._last_sent) > 10_000:  # forget channels long quiet
                self._last_sent = dict(list(self._last_sent.items())[-1000:])
        try:
            ts = self._post(body)
        except DeliveryError as error:
            level = logging.WARNING if error.code in TOKEN_REFUSED else logging.INFO
            logger.log(level, "slack %s to %s failed: %s", METHOD, channel, error.message,
                       extra={"permanent": error.permanent, "code": error.code})
            raise
        logger.debug("slack %s to %s sent (%s)", METHOD, channel,
                     "reply" if thread_ts else "new thread")
        return ts

    def wait_before_next(self, channel: str) -> float:
        """Seconds until `channel` takes the next message: Slack's one a second per channel
        after the last post started (0 if none)."""
        with self._lock:
            last = self._last_sent.get(channel)
        if last is None:
            return 0.0
        return max(0.0, last + MIN_INTERVAL[SLACK] - time.monotonic())

    def _post(self, body: dict[str, Any]) -> str:
        try:
            base = check_api_base(self.base_url, allow_loopback=self.allow_loopback)
        except ConfigError:
            raise DeliveryError("SLACK_API_BASE_URL is not allowed here", permanent=True,
                                code="refused_url") from None
        data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        headers = {"Authorization": f"Bearer {self._token}",
                   "Content-Type": "application/json; charset=utf-8",
                   "User-Agent": self.user_agent}
        try:
            response = self.session.post(f"{base}/{METHOD}", data=data, headers=headers,
                                         timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            raise DeliveryError("Slack timed out", permanent=False, code="timeout") from None
        except requests.ConnectionError as error:
            if _blocked(error):
                raise DeliveryError("Slack's API address resolves to a non-public address",
                                    permanent=True, code="refused_url") from None
            raise DeliveryError("Slack unreachable", permanent=False,
                                code="connection") from None
        except requests.RequestException as error:
            raise DeliveryError(f"Slack request failed ({type(error).__name__})",
                                permanent=False, code="request") from None
        response.close()
        return answer(response)


def _blocked(error: requests.ConnectionError) -> bool:
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, BlockedAddressError)


def _body(response: requests.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _detail(body: dict[str, Any]) -> str:
    """What Slack added to an error (invalid_blocks lists the blocks it refused)."""
    found = body.get("errors") or body.get("response_metadata", {}).get("messages") or []
    text = "; ".join(str(item) for item in found) if isinstance(found, list) else ""
    return redact(" ".join(text.split()))[:MAX_DETAIL]


def answer(response: requests.Response) -> str:
    """The ts of the message Slack saved, or the DeliveryError its answer means."""
    status, body = response.status_code, _body(response)
    code = str(body.get("error") or "")[:32]
    if 200 <= status < 300 and body.get("ok") is True:
        return str(body.get("ts") or uuid.uuid4().hex)
    retry_after = retry_after_seconds(response.headers)
    if 200 <= status < 300 and not body:  # a proxy's page, a cut answer: ask again later
        raise DeliveryError(f"Slack answered {status} with no readable result; will retry",
                            permanent=False, code="unreadable_answer")
    if status == 429 or status >= 500 or status == 408 or code in TRANSIENT:
        said = f"{status} {code}" if code else str(status)
        raise DeliveryError(f"Slack answered {said}; will retry", permanent=False,
                            code=code or str(status), retry_after=retry_after)
    if 300 <= status < 400:
        raise DeliveryError(f"Slack answered {status}: redirects are not followed",
                            permanent=True, code=str(status))
    if code in CHANNEL_GONE:
        raise DeliveryError(
            f"Slack channel is gone for the bot ({code}): invite the app to the channel "
            "(or pick another), then save the destination again",
            permanent=True, code=code, suppress=GONE)
    if code in TOKEN_REFUSED:
        raise DeliveryError(
            f"Slack refused the bot token ({code}): set a working SLACK_BOT_TOKEN (scope "
            "chat:write); the destination is kept", permanent=True, code=code)
    if not code:
        raise DeliveryError(f"Slack answered {status} without an error code", permanent=True,
                            code=str(status))
    detail = _detail(body)
    raise DeliveryError(f"Slack refused the message ({code})" + (f": {detail}" if detail
                                                                 else ""),
                        permanent=True, code=code)
