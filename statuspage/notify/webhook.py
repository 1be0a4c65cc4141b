"""Webhooks: a signed JSON POST to the subscriber's https endpoint.

Request
  POST <subscriber URL>, body = the JSON payload (UTF-8), with headers
    Content-Type: application/json
    User-Agent: statuspage-webhooks/1.0 (+<PUBLIC_BASE_URL>)
    X-Statuspage-Message-Id: <a new random id per request; send() returns it>
    X-Statuspage-Timestamp: <unix seconds when the request was signed>
    X-Statuspage-Signature: sha256=<hex HMAC-SHA256>

Signature scheme (for receivers)
  signed bytes = the timestamp header value, ".", then the raw request body, byte for byte
  signature    = "sha256=" + hex(HMAC-SHA256(key = the subscriber's secret as UTF-8,
                                             msg = signed bytes))
  Verify with a constant-time comparison over the raw body (not re-serialised JSON), and reject
  timestamps more than 5 minutes from your clock, so a captured request cannot be replayed:

      expected = "sha256=" + hmac.new(secret.encode(), f"{ts}.".encode() + body,
                                      hashlib.sha256).hexdigest()
      ok = hmac.compare_digest(expected, request.headers["X-Statuspage-Signature"])

  A subscriber without a secret gets no signature header.

Outcome (as Statuspage): 2xx is success. Redirects are not followed: a 3xx is a failure, and
a permanent one, since the endpoint must be fixed. 410 Gone suppresses the subscriber; other
4xx are permanent; 408, 429, 5xx, timeouts and connection errors are retried.

HTTP goes through `requests` (already installed as a dependency of the twilio SDK), with
environment proxies ignored and a connection adapter that refuses non-public addresses
(statuspage.notify.webhook_guard).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

import requests

from statuspage.core.errors import DomainError
from statuspage.notify.base import (
    DeliveryError,
    Recipient,
    WebhookContent,
    retry_after_seconds,
)
from statuspage.notify.webhook_guard import (
    BlockedAddressError,
    GuardedAdapter,
    check_webhook_url,
)

__all__ = ["HttpWebhookChannel", "check_webhook_url", "sign", "verify_signature"]

SIGNATURE_HEADER = "X-Statuspage-Signature"
TIMESTAMP_HEADER = "X-Statuspage-Timestamp"
MESSAGE_ID_HEADER = "X-Statuspage-Message-Id"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Statuspage-Signature value for `body` signed at `timestamp`."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                      hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, *,
                     now: float | None = None,
                     tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """What a receiver does: check the signature and the timestamp's freshness."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


class HttpWebhookChannel:
    """POSTs a payload to one webhook subscriber; returns the id sent in the request."""

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

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> HttpWebhookChannel:
        """Build the channel from WEBHOOK_TIMEOUT_SECONDS and WEBHOOK_ALLOW_LOOPBACK."""
        base = str(config.get("PUBLIC_BASE_URL") or "").rstrip("/")
        return cls(timeout=float(config.get("WEBHOOK_TIMEOUT_SECONDS") or 10.0),
                   allow_loopback=bool(config.get("WEBHOOK_ALLOW_LOOPBACK")),
                   user_agent=f"statuspage-webhooks/1.0 (+{base})" if base
                   else "statuspage-webhooks/1.0")

    def send(self, content: WebhookContent, recipient: Recipient) -> str:
        """POST the payload to the recipient's URL; raises DeliveryError unless 2xx."""
        try:
            url = check_webhook_url(recipient.address, self.allow_loopback, resolve_host=False)
        except DomainError as error:
            raise DeliveryError(f"Webhook URL refused: {error.message}", permanent=True,
                                code="refused_url") from None
        body = json.dumps(content.payload, separators=(",", ":"), ensure_ascii=False
                          ).encode("utf-8")
        message_id = uuid.uuid4().hex
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": self.user_agent,
            MESSAGE_ID_HEADER: message_id,
            TIMESTAMP_HEADER: timestamp,
        }
        if recipient.secret:
            headers[SIGNATURE_HEADER] = sign(recipient.secret, timestamp, body)
        try:
            response = self.session.post(url, data=body, headers=headers, timeout=self.timeout,
                                         allow_redirects=False)
        except requests.Timeout as error:
            raise DeliveryError(f"Webhook timed out: {error}", permanent=False,
                                code="timeout") from None
        except requests.ConnectionError as error:
            if _blocked(error):
                raise DeliveryError("Webhook URL resolves to a non-public address",
                                    permanent=True, code="refused_url") from None
            raise DeliveryError(f"Webhook unreachable: {error}", permanent=False,
                                code="connection") from None
        except requests.RequestException as error:
            raise DeliveryError(f"Webhook request failed: {error}", permanent=False,
                                code="request") from None
        response.close()
        return _outcome(response, message_id)


def _blocked(error: requests.ConnectionError) -> bool:
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, BlockedAddressError)


def _outcome(response: requests.Response, message_id: str) -> str:
    status = response.status_code
    if 200 <= status < 300:
        return message_id
    code = str(status)
    if 300 <= status < 400:
        return _raise(f"Webhook answered a redirect ({status}); redirects are not followed",
                      permanent=True, code=code)
    if status == 410:
        return _raise("Webhook endpoint is gone (410)", permanent=True, code=code,
                      suppress="provider_error")
    if status in (408, 429) or status >= 500:
        return _raise(f"Webhook answered {status}", permanent=False, code=code,
                      retry_after=retry_after_seconds(response.headers))
    return _raise(f"Webhook refused the payload ({status})", permanent=True, code=code)


def _raise(message: str, **kwargs: Any) -> str:
    raise DeliveryError(message, **kwargs)
