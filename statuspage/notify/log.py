"""The log backend: records messages in the dev outbox instead of sending them.

Used for a channel whose provider credentials are not configured (a fresh `make run`), so the
whole flow is visible on a laptop in the console's dev outbox.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from statuspage.core.extensions import db
from statuspage.models import OutboxMessage
from statuspage.models.types import new_public_id
from statuspage.notify.base import (
    INTERNAL_URL,
    MANAGE_URL,
    UNSUBSCRIBE_URL,
    EmailContent,
    Recipient,
    SmsContent,
    WebhookContent,
)

log = logging.getLogger(__name__)
# Where an SMS's one-time code is noted, for the outbox to redact it (console.outbox_redaction).
SECRET_HEADER = "One-Time-Code"


def _personal(text: str, recipient: Recipient) -> str:
    return text.replace(MANAGE_URL, recipient.manage_url).replace(
        UNSUBSCRIBE_URL, recipient.unsubscribe_url
    ).replace(INTERNAL_URL, recipient.internal_url)


def _record(message: OutboxMessage) -> str:
    db.session.add(message)
    db.session.commit()
    log.info("log backend: %s message to %s recorded in the dev outbox", message.channel,
             message.to)
    return f"log-{new_public_id()}"


def _headers(content: EmailContent, recipient: Recipient) -> dict[str, str]:
    headers = {"Message-ID": content.message_id, "References": " ".join(content.references)}
    if recipient.unsubscribe_url:  # none for stakeholder members, as with SendGrid
        headers["List-Unsubscribe"] = f"<{recipient.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


class LogEmailChannel:
    def send_batch(self, content: EmailContent, recipients: Sequence[Recipient]) -> str:
        batch_id = f"log-{new_public_id()}"
        for recipient in recipients:
            db.session.add(OutboxMessage(
                channel="email", to=recipient.address, subject=content.subject,
                body=_personal(content.text, recipient), html=_personal(content.html, recipient),
                headers=_headers(content, recipient),
            ))
        db.session.commit()
        return batch_id


class LogSmsChannel:
    def send(self, content: SmsContent, recipient: Recipient) -> str:
        headers = {SECRET_HEADER: content.secret} if content.secret else {}
        return _record(OutboxMessage(channel="sms", to=recipient.address, body=content.body,
                                     headers=headers))


class LogWebhookChannel:
    def send(self, content: WebhookContent, recipient: Recipient) -> str:
        return _record(OutboxMessage(channel="webhook", to=recipient.address,
                                     body=json.dumps(content.payload)))
