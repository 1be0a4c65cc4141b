"""Email through SendGrid's v3 mail/send, one API call per batch of up to 1,000 recipients.

One rendered message serves the whole batch: each recipient gets their own personalization
(exactly one `to`, so nobody sees another subscriber's address), with substitutions that fill
in their manage and unsubscribe links, their own RFC 8058 one-click headers, and the delivery
id in `custom_args`, which SendGrid echoes on every Event Webhook event so receipts find their
delivery. The caller batches; more than 1,000 recipients is a programming error.

The SDK does not retry and has no timeout by default, so both are ours: every failure becomes a
`DeliveryError` saying whether retrying can help (providers.md, 8.1).
"""

from __future__ import annotations

import http.client
import logging
import re
import urllib.error
from collections.abc import Mapping, Sequence
from email.utils import parseaddr
from typing import Any

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient

from statuspage.notify.base import (
    INTERNAL_URL,
    MANAGE_URL,
    UNSUBSCRIBE_URL,
    DeliveryError,
    EmailContent,
    Recipient,
    RecipientsRefused,
    retry_after_seconds,
)

log = logging.getLogger(__name__)

# SendGrid's limit: 1,000 recipients (to + cc + bcc) per request; we use one `to` each.
MAX_BATCH = 1000
DEFAULT_TIMEOUT_SECONDS = 10.0
# The `field` of a 400 that blames one recipient: personalizations.N.to.M.email (we send one
# `to` per personalization, so N is the recipient's index in the batch).
_RECIPIENT_FIELD = re.compile(r"personalizations\.(\d+)\.(?:to|cc|bcc)\.\d+\.email")


class SendGridChannel:
    """Sends one rendered email to a batch of recipients in a single mail/send call."""

    def __init__(self, client: SendGridAPIClient, mail_from: str) -> None:
        self.client = client
        self.mail_from = mail_from

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SendGridChannel:
        """Build the client from the app config; SENDGRID_API_BASE_URL points tests at a fake."""
        client = SendGridAPIClient(api_key=config["SENDGRID_API_KEY"],
                                   host=config["SENDGRID_API_BASE_URL"])
        # python_http_client waits forever by default; child clients inherit this value.
        client.client.timeout = float(config.get("SENDGRID_TIMEOUT_SECONDS")
                                      or DEFAULT_TIMEOUT_SECONDS)
        return cls(client, config["MAIL_FROM"])

    def build_mail(self, content: EmailContent, recipients: Sequence[Recipient]) -> dict[str, Any]:
        """The mail/send request body for this batch (a plain dict, as the SDK posts it)."""
        if not recipients:
            raise ValueError("a batch needs at least one recipient")
        if len(recipients) > MAX_BATCH:
            raise ValueError(f"a batch holds at most {MAX_BATCH} recipients, got "
                             f"{len(recipients)}: split it before calling send_batch")
        seen: set[str] = set()
        for recipient in recipients:
            key = recipient.address.lower()
            if key in seen:
                # SendGrid rejects the whole request when an address repeats.
                raise ValueError(f"address appears twice in one batch: {recipient.address}")
            seen.add(key)

        headers = {"Message-ID": content.message_id}
        if content.references:
            headers["References"] = " ".join(content.references)
            headers["In-Reply-To"] = content.references[-1]
        # Plain dicts in the shape the SDK's Mail helper produces: its helper objects parse
        # every address with email.utils, the largest cost of building a 1,000-recipient
        # batch (profiled). The request still goes through the SDK's client.
        return {
            "from": _sender(self.mail_from),
            "subject": content.subject,
            "personalizations": [_personalization(r) for r in recipients],
            # text/plain must come first (SendGrid rule absent from the schema).
            "content": [{"type": "text/plain", "value": content.text},
                        {"type": "text/html", "value": content.html}],
            "headers": headers,
        }

    def send_batch(self, content: EmailContent, recipients: Sequence[Recipient]) -> str:
        """Send to up to 1,000 recipients in one call; returns SendGrid's X-Message-Id."""
        body = self.build_mail(content, recipients)
        try:
            response = self.client.send(body)
        except HTTPError as error:
            raise _http_error(error) from None
        except TimeoutError as error:
            raise DeliveryError(f"SendGrid timed out: {error}", permanent=False,
                                code="timeout") from None
        except (urllib.error.URLError, ConnectionError, http.client.HTTPException) as error:
            # urllib wraps a connect timeout in URLError; a read timeout arrives bare (above).
            timed_out = isinstance(getattr(error, "reason", None), TimeoutError)
            raise DeliveryError(f"SendGrid unreachable: {error}", permanent=False,
                                code="timeout" if timed_out else "connection") from None
        message_id = response.headers.get("X-Message-Id") if response.headers else None
        if not message_id:
            # Accepted all the same: raising would send the batch twice.
            log.warning("SendGrid accepted a batch (status %s) without X-Message-Id",
                        response.status_code)
            return ""
        return str(message_id)


def _sender(mail_from: str) -> dict[str, str]:
    """MAIL_FROM ("Name <address>" or a bare address) as SendGrid's from object."""
    name, address = parseaddr(mail_from)
    return {"name": name, "email": address} if name else {"email": address or mail_from}


def _personalization(recipient: Recipient) -> dict[str, Any]:
    # Exactly one `to`: nobody sees another subscriber's address.
    personalization: dict[str, Any] = {
        "to": [{"email": recipient.address}],
        "substitutions": {MANAGE_URL: recipient.manage_url,
                          UNSUBSCRIBE_URL: recipient.unsubscribe_url},
    }
    if recipient.stakeholder:  # only a stakeholder's body names the internal view
        personalization["substitutions"][INTERNAL_URL] = recipient.internal_url
    # RFC 8058 one-click unsubscribe: the URL is per recipient, so the headers are too.
    # Stakeholder members have none (staff manage them): no header rather than an empty one.
    if recipient.unsubscribe_url:
        personalization["headers"] = {
            "List-Unsubscribe": f"<{recipient.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    if recipient.delivery_id is not None:
        # Only the opaque delivery id: SendGrid keeps custom_args long term as non-PII.
        personalization["custom_args"] = {"delivery_id": str(recipient.delivery_id)}
    return personalization


def _http_error(error: HTTPError) -> DeliveryError:
    status = int(error.status_code)
    detail = _error_message(error)
    if status == 429:
        return DeliveryError(f"SendGrid rate limit: {detail}", permanent=False, code="429",
                             retry_after=retry_after_seconds(error.headers))
    if status >= 500:
        return DeliveryError(f"SendGrid error {status}: {detail}", permanent=False,
                             code=str(status), retry_after=retry_after_seconds(error.headers))
    if status == 400:
        refused = _refused_recipients(error)
        if refused:
            return RecipientsRefused(f"SendGrid refused {len(refused)} recipient(s): {detail}",
                                     refused, code="invalid_address")
    return DeliveryError(f"SendGrid refused the batch ({status}): {detail}", permanent=True,
                         code=str(status))


def _refused_recipients(error: HTTPError) -> dict[int, str]:
    """{index: reason} when every error of a 400 names a recipient; {} otherwise.

    A 400 that also blames something else (the sender, the content) is about the request, and
    fails the batch as before: leaving out recipients would not fix it.
    """
    try:
        errors = error.to_dict.get("errors") or []
    except (ValueError, AttributeError, UnicodeDecodeError):
        return {}
    refused: dict[int, str] = {}
    for item in errors:
        match = _RECIPIENT_FIELD.fullmatch(str((item or {}).get("field") or ""))
        if match is None:
            return {}
        refused[int(match.group(1))] = f"{item.get('message')} (field {item['field']})"
    return refused


def _error_message(error: HTTPError) -> str:
    try:
        errors = error.to_dict.get("errors") or []
        return "; ".join(
            f"{e.get('message')}" + (f" (field {e['field']})" if e.get("field") else "")
            for e in errors
        ) or str(error.reason)
    except (ValueError, AttributeError, UnicodeDecodeError):
        return str(error.reason)
