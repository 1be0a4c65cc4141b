"""What every channel shares: the error type, the recipient and the message contents.

A channel's send method returns the provider's message id or raises `DeliveryError`; it never
swallows an error and never returns (ok, message) tuples. Each channel builds its SDK client in
one place, which tests point at a local fake provider.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from statuspage.core.text_rules import one_line

# Placeholders in email bodies, replaced per recipient (SendGrid substitutions, or the log
# backend's own replacement), so one rendered body serves a whole batch of 1,000.
MANAGE_URL = "%%manage_url%%"
UNSUBSCRIBE_URL = "%%unsubscribe_url%%"
# A stakeholder member's own link to the internal incident view (statuspage.plan.internal_links);
# only the bodies rendered for stakeholders contain it.
INTERNAL_URL = "%%internal_url%%"


class DeliveryError(Exception):
    """A send that did not happen.

    permanent: retrying cannot help (invalid number, unsubscribed recipient, 4xx).
    suppress: when set, the subscriber's address is dead or opted out, with this reason
      (one of models.subscribers.SUPPRESSION_REASONS), and nothing more is sent to it.
    retry_after: seconds the provider asked us to wait (429 Retry-After / X-RateLimit-Reset).
    code: the provider's error code (e.g. Twilio "21211"), kept on the delivery record.
    """

    def __init__(self, message: str, *, permanent: bool, code: str | None = None,
                 retry_after: float | None = None, suppress: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code
        self.retry_after = retry_after
        self.suppress = suppress


class RecipientsRefused(DeliveryError):
    """The provider refused a batch because of some of its recipients only; nothing was sent.

    refused: {the recipient's index in the batch: the provider's reason}. The others are
    fine: the caller records these as failed (and suppresses their subscribers) and sends the
    batch again without them.
    """

    def __init__(self, message: str, refused: dict[int, str], *, code: str | None = None
                 ) -> None:
        super().__init__(message, permanent=True, code=code, suppress="provider_error")
        self.refused = refused


@dataclass(frozen=True)
class Recipient:
    delivery_id: int | None  # None for confirmations, which are not fan-out deliveries
    subscriber_id: int
    address: str
    language: str
    manage_url: str
    unsubscribe_url: str
    secret: str | None = None  # webhook signing secret
    # A stakeholder group member: no manage/unsubscribe links, and their own email footer.
    stakeholder: bool = False
    # A stakeholder member's link to the internal view of the event's incident ("" otherwise).
    internal_url: str = ""


@dataclass(frozen=True)
class EmailContent:
    subject: str
    html: str
    text: str
    # Threading: every email about one incident shares References, so mail clients group them.
    message_id: str
    references: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Every header value is one line: a title typed with CR/LF (or stored before input
        # was checked) can never split a header or add one, whichever sender builds it.
        object.__setattr__(self, "subject", one_line(self.subject))
        object.__setattr__(self, "message_id", one_line(self.message_id))
        object.__setattr__(self, "references", [one_line(r) for r in self.references])


@dataclass(frozen=True)
class SmsContent:
    body: str
    # A one-time code the text carries (sign-up confirmation), so the dev outbox can hide it
    # from viewers; never sent as such.
    secret: str = ""


@dataclass(frozen=True)
class WebhookContent:
    payload: dict[str, Any]


@dataclass(frozen=True)
class ChatContent:
    """One chat message: the JSON body a provider's incoming webhook takes.

    provider: one of models.subscribers.CHAT_CHANNELS (slack, teams, discord, googlechat).
    thread_key: messages about one incident share it where the provider threads (Google
    Chat's threadKey, a Slack thread through a bot token); "" for none.
    closing: the message ends what its thread is about (an incident resolved, a maintenance
    completed, and the postmortem after them): a Slack thread reply shows it in the channel
    too (reply_broadcast).
    """

    provider: str
    payload: dict[str, Any]
    thread_key: str = ""
    closing: bool = False


def retry_after_seconds(headers: Any, now: float | None = None) -> float | None:
    """Seconds to wait from Retry-After (seconds or HTTP date) or X-RateLimit-Reset (epoch)."""
    if not headers:
        return None
    now = time.time() if now is None else now
    raw = headers.get("Retry-After")
    if raw:
        try:
            return max(0.0, float(raw))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(raw).timestamp() - now)
            except (TypeError, ValueError):
                pass
    reset = headers.get("X-RateLimit-Reset")
    if reset:
        try:
            return max(0.0, float(reset) - now)
        except ValueError:
            return None
    return None
