"""Which implementation serves each channel: the provider's, or the log backend.

The choice is made at send time from the configuration (never at import), so a missing
credential shows up on the delivery record, not as a crash at start-up.
"""

from __future__ import annotations

from typing import Protocol

from flask import current_app

from statuspage.notify.base import (
    ChatContent,
    EmailContent,
    Recipient,
    SmsContent,
    WebhookContent,
)
from statuspage.notify.log import LogEmailChannel, LogSmsChannel


class EmailChannel(Protocol):
    def send_batch(self, content: EmailContent, recipients: list[Recipient]) -> str: ...


class SmsChannel(Protocol):
    def send(self, content: SmsContent, recipient: Recipient) -> str: ...


class WebhookChannel(Protocol):
    def send(self, content: WebhookContent, recipient: Recipient) -> str: ...


class ChatChannel(Protocol):
    """Slack, Teams, Discord and Google Chat incoming webhooks (notify.chat.ChatSender)."""

    def send(self, content: ChatContent, recipient: Recipient) -> str: ...

    def wait_before_next(self, provider: str, url: str) -> float: ...


class SlackApiChannel(Protocol):
    """Slack channels reached with the bot token (notify.chat.slack_api.SlackWebApi)."""

    def post(self, channel: str, content: ChatContent, *, thread_ts: str = "") -> str: ...

    def wait_before_next(self, channel: str) -> float: ...


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


# app.extensions key of the process's chat sender.
CHAT_SENDER_KEY = "statuspage.chat_sender"


def chat_channel() -> ChatChannel:
    """The process's chat sender, one per app and settings.

    Chat needs no credentials either: it always goes out over HTTP (tests point it at the
    fake endpoints). One sender is shared by every worker thread because it remembers what
    each destination's last answer said about its rate (Discord's bucket headers) and when
    it last sent there: a new sender per message would forget it.
    """
    from statuspage.notify.chat import ChatSender

    config = current_app.config
    settings = (config.get("WEBHOOK_TIMEOUT_SECONDS"), bool(config.get("WEBHOOK_ALLOW_LOOPBACK")),
                config.get("PUBLIC_BASE_URL"))
    held = current_app.extensions.get(CHAT_SENDER_KEY)
    if held is None or held[0] != settings:
        held = (settings, ChatSender.from_config(config))
        current_app.extensions[CHAT_SENDER_KEY] = held
    sender: ChatChannel = held[1]
    return sender


# app.extensions key of the process's Slack Web API client.
SLACK_API_KEY = "statuspage.slack_api"


def slack_api() -> SlackApiChannel | None:
    """The process's Slack Web API client for SLACK_BOT_TOKEN; None without a token (a Slack
    channel destination then fails with "no_bot_token", and webhooks go on as ever)."""
    from statuspage.notify.chat.slack_api import SlackWebApi

    config = current_app.config
    settings = (config.get("SLACK_BOT_TOKEN"), config.get("SLACK_API_BASE_URL"),
                config.get("WEBHOOK_TIMEOUT_SECONDS"), bool(config.get("WEBHOOK_ALLOW_LOOPBACK")),
                config.get("PUBLIC_BASE_URL"))
    held = current_app.extensions.get(SLACK_API_KEY)
    if held is None or held[0] != settings:
        held = (settings, SlackWebApi.from_config(config))
        current_app.extensions[SLACK_API_KEY] = held
    client: SlackApiChannel | None = held[1]
    return client
