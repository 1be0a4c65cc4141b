"""ChatSender: posts a chat message (ChatContent) to a Slack, Teams, Discord or Google Chat
incoming webhook, and tells the caller how soon that destination takes the next one.

Every request goes through the webhooks' SSRF guard (statuspage.notify.webhook_guard): the
URL is checked against the provider's hosts (`check_chat_url`) before each send, and the
socket connects only to a public address resolved in the same step (GuardedAdapter), so a
provider host name re-pointed at 10.0.0.5 or 127.0.0.1 is refused before a byte is sent.
Environment proxies are ignored and redirects are not followed.

Slack goes through the same guarded `requests` session, not slack_sdk's WebhookClient: the
WebhookClient sends with urllib's urlopen, whose only hook into the connection is an SSL
context, and urlopen always follows a 301/302/303 (as a bodyless GET, to any http URL, where
no TLS hook runs) and reads proxies from the environment. The request is the one the
WebhookClient sends (a JSON POST of the payload); tests/test_chat_senders_rates.py runs the
real WebhookClient against the same fake to show both are answered alike.

A destination URL is a credential: it appears in no log line and no error message here (the
console shows `mask_chat_url`); the HTTP client's own error texts, which name the request
path, are never passed on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from statuspage.core.errors import DomainError
from statuspage.models.subscribers import DISCORD, GOOGLE_CHAT, SLACK, TEAMS
from statuspage.notify.base import ChatContent, DeliveryError, Recipient
from statuspage.notify.chat.outcomes import outcome
from statuspage.notify.chat.urls import check_chat_url, mask_chat_url
from statuspage.notify.webhook_guard import BlockedAddressError, GuardedAdapter

logger = logging.getLogger(__name__)

# The documented sustained rate of one destination, as the least time between two messages:
# Slack about 1 message a second per webhook (short bursts tolerated); Discord 5 requests per
# 2 s per webhook (its headers say so on every answer, and win); Google Chat 60 writes a minute
# per space; Teams Workflows publish none per flow, so the retired connectors' 4 a second.
MIN_INTERVAL = {SLACK: 1.0, DISCORD: 0.4, GOOGLE_CHAT: 1.0, TEAMS: 0.25}
REPLY_OPTION = "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"


@dataclass(frozen=True)
class RateState:
    """What a destination's last answer said about its rate limit (Discord's X-RateLimit-*
    headers), and when we last sent to it. Times are time.monotonic() values."""

    last_sent: float
    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None


def _number(headers: Mapping[str, str], name: str) -> float | None:
    try:
        raw = headers.get(name)
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def _key(url: str) -> str:
    """The in-memory key of a destination: a digest, so the table holds no URLs."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _secrets(url: str) -> tuple[str, ...]:
    """The parts of a destination URL that must not reach an error text."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    values = [value for _name, value in parse_qsl(parts.query, keep_blank_values=True)]
    return tuple(sorted({*segments, *values}, key=len, reverse=True))


def request_url(content: ChatContent, url: str) -> str:
    """The URL one message is posted to: Discord waits for the saved message (so it returns
    its id, and an unsaved message is an error); Google Chat replies in the message's thread."""
    parts = urlsplit(url)
    extra: list[tuple[str, str]] = []
    if content.provider == DISCORD:
        extra.append(("wait", "true"))
    elif content.provider == GOOGLE_CHAT and content.thread_key:
        extra += [("threadKey", content.thread_key), ("messageReplyOption", REPLY_OPTION)]
    if not extra:
        return url
    query = "&".join(q for q in (parts.query, urlencode(extra)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


class ChatSender:
    """Sends chat messages to their providers' incoming webhooks; one per worker thread or
    shared (the rate table is locked)."""

    def __init__(self, *, timeout: float, allow_loopback: bool, user_agent: str) -> None:
        self.timeout = timeout
        self.allow_loopback = allow_loopback
        self.user_agent = user_agent
        self.session = requests.Session()
        # Environment proxies would make the SSRF guard check the proxy instead of the target.
        self.session.trust_env = False
        adapter = GuardedAdapter(allow_loopback)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._rates: dict[str, RateState] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ChatSender:
        """Build the sender from WEBHOOK_TIMEOUT_SECONDS and WEBHOOK_ALLOW_LOOPBACK."""
        base = str(config.get("PUBLIC_BASE_URL") or "").rstrip("/")
        return cls(timeout=float(config.get("WEBHOOK_TIMEOUT_SECONDS") or 10.0),
                   allow_loopback=bool(config.get("WEBHOOK_ALLOW_LOOPBACK")),
                   user_agent=f"statuspage-chat/1.0 (+{base})" if base
                   else "statuspage-chat/1.0")

    def send(self, content: ChatContent, recipient: Recipient) -> str:
        """Post `content` to the destination URL in `recipient.address`.

        Returns the provider's message id (Discord's message id, Google Chat's message name,
        Teams' workflow run id) or a generated one (Slack returns none). Raises DeliveryError:
        permanent with suppress="destination_gone" when the webhook is gone, permanent for a
        refused message or URL, transient with retry_after for 429, 5xx and network errors.
        """
        try:
            url = check_chat_url(content.provider, recipient.address,
                                 allow_loopback=self.allow_loopback)
        except (DomainError, ValueError) as error:
            reason = error.message if isinstance(error, DomainError) else "unknown provider"
            raise DeliveryError(f"Chat destination refused: {reason}", permanent=True,
                                code="refused_url") from None
        masked = mask_chat_url(url)
        try:
            message_id = self._post(content, url)
        except DeliveryError as error:
            logger.info("chat %s to %s failed: %s", content.provider, masked, error.message,
                        extra={"permanent": error.permanent, "code": error.code})
            raise
        logger.debug("chat %s to %s sent", content.provider, masked)
        return message_id

    def _post(self, content: ChatContent, url: str) -> str:
        body = json.dumps(content.payload, separators=(",", ":"), ensure_ascii=False
                          ).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "User-Agent": self.user_agent}
        started = time.monotonic()
        try:
            response = self.session.post(request_url(content, url), data=body, headers=headers,
                                         timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            self._note(url, started, None)
            raise DeliveryError("Chat provider timed out", permanent=False,
                                code="timeout") from None
        except requests.ConnectionError as error:
            if _blocked(error):
                raise DeliveryError("Chat destination resolves to a non-public address",
                                    permanent=True, code="refused_url") from None
            raise DeliveryError("Chat provider unreachable", permanent=False,
                                code="connection") from None
        except requests.RequestException as error:
            raise DeliveryError(f"Chat request failed ({type(error).__name__})",
                                permanent=False, code="request") from None
        response.close()
        self._note(url, started, response.headers)
        return outcome(content.provider, response, _secrets(url))

    def _note(self, url: str, sent: float, headers: Mapping[str, str] | None) -> None:
        state = RateState(last_sent=sent)
        if headers is not None and "X-RateLimit-Limit" in headers:
            reset_after = _number(headers, "X-RateLimit-Reset-After")
            limit, remaining = (_number(headers, "X-RateLimit-Limit"),
                                _number(headers, "X-RateLimit-Remaining"))
            state = RateState(
                last_sent=sent, limit=int(limit) if limit is not None else None,
                remaining=int(remaining) if remaining is not None else None,
                reset_at=time.monotonic() + reset_after if reset_after is not None else None)
        with self._lock:
            self._rates[_key(url)] = state

    def rate_state(self, url: str) -> RateState | None:
        """What the last answer from this destination (a normalised URL) said, if any."""
        with self._lock:
            return self._rates.get(_key(url))

    def wait_before_next(self, provider: str, url: str) -> float:
        """Seconds to wait before the next message to this destination (0 if none): until the
        bucket resets when the provider said none is left (Discord's X-RateLimit-Remaining 0),
        and at least the provider's documented interval after the last send."""
        state = self.rate_state(url)
        if state is None:
            return 0.0
        now = time.monotonic()
        wait = state.last_sent + MIN_INTERVAL.get(provider, 0.0) - now
        if state.remaining == 0 and state.reset_at is not None:
            wait = max(wait, state.reset_at - now)
        return max(0.0, wait)


def _blocked(error: requests.ConnectionError) -> bool:
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, BlockedAddressError)
