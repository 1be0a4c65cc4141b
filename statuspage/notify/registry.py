"""Which implementation serves each channel: the provider's, or the log backend.

The choice is made at send time from the configuration (never at import), so a missing
credential shows up on the delivery record, not as a crash at start-up.
"""

from __future__ import annotations

from typing import Protocol

from flask import current_app

from statuspage.notify.base import EmailContent, Recipient, SmsContent, WebhookContent
from statuspage.notify.log import LogEmailChannel, LogSmsChannel


class EmailChannel(Protocol):
    def send_batch(self, content: EmailContent, recipients: list[Recipient]) -> str: ...


class SmsChannel(Protocol):
    def send(self, content: SmsContent, recipient: Recipient) -> str: ...


class WebhookChannel(Protocol):
    def send(self, content: WebhookContent, recipient: Recipient) -> str: ...


def email_channel() -> EmailChannel:
    if not current_app.config.get("SENDGRID_API_KEY"):
        return LogEmailChannel()
    from statuspage.notify.email import SendGridChannel

    return SendGridChannel.from_config(current_app.config)


def sms_channel() -> SmsChannel:
    if not (current_app.config.get("TWILIO_ACCOUNT_SID")
            and current_app.config.get("TWILIO_AUTH_TOKEN")):
        return LogSmsChannel()
    from statuspage.notify.sms import TwilioChannel

    return TwilioChannel.from_config(current_app.config)


def webhook_channel() -> WebhookChannel:
    # Webhooks need no credentials: they always go out over HTTP. Tests point them at fakes.
    from statuspage.notify.webhook import HttpWebhookChannel

    return HttpWebhookChannel.from_config(current_app.config)
