"""A stakeholder group's Slack channel reached with the bot token ("Slack channel (bot)").

With SLACK_BOT_TOKEN set, a group's Slack destination may be a channel id instead of an
incoming webhook: posted to through the Web API, one thread per incident
(delivery.chat_threads). It is kept like a webhook (notify.chat.slack_channels: sealed, looked
up by its fingerprint) and shown whole, a channel id being no secret.

When Slack refuses the bot token (revoked, expired, without chat:write …), the destinations are
not suppressed: the token is the installation's, not one channel's. Each such destination's
latest delivery says so instead, and the group's page shows it (`token_problem`), as it shows
a missing SLACK_BOT_TOKEN; the next message goes out once a working token is configured.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.sealing import SealError, unseal
from statuspage.models import Delivery, StakeholderMember, Subscriber
from statuspage.models.deliveries import FAILED
from statuspage.notify.chat import SealedDestination, seal_slack_channel, slack_channel_of
from statuspage.notify.chat.slack_api import TOKEN_REFUSED

# The form's provider choice, and what the console calls it.
SLACK_BOT = "slack_bot"
SLACK_BOT_NAME = "Slack channel (bot)"
# A bot destination's latest delivery failed for one of these: the token, not the channel.
NO_BOT_TOKEN = "no_bot_token"
TOKEN_PROBLEMS = TOKEN_REFUSED | {NO_BOT_TOKEN}


def bot_available() -> bool:
    """Whether SLACK_BOT_TOKEN is set, so the forms offer "Slack channel (bot)"."""
    return bool(current_app.config.get("SLACK_BOT_TOKEN"))


def wants_bot(provider: str, url: str, channel: str) -> bool:
    """Whether the form asks for a bot channel: chosen as the provider, or, with no provider
    chosen, a channel id typed and no URL."""
    chosen = (provider or "").strip().lower()
    return chosen == SLACK_BOT or (not chosen and bool((channel or "").strip())
                                   and not (url or "").strip())


def sealed_channel(url: str, channel: str) -> SealedDestination:
    """The checked, sealed destination of a Slack channel id (DomainError: no token, a URL
    given as well, or not a channel id)."""
    if not bot_available():
        raise DomainError("Posting to a Slack channel with the bot needs SLACK_BOT_TOKEN, "
                          "which is not set: paste the channel's incoming webhook URL "
                          "instead.", "provider")
    if (url or "").strip():
        raise DomainError(f"A {SLACK_BOT_NAME} takes the channel's ID, not a webhook URL: "
                          "leave the URL empty.", "url")
    return seal_slack_channel(channel)  # DomainError on field "channel"


def is_bot_destination(member: StakeholderMember) -> bool:
    """Whether the member is a Slack channel reached with the bot token."""
    if not member.chat_destination:
        return False
    try:
        return bool(slack_channel_of(unseal(member.chat_destination)))
    except SealError:
        return False


def token_problem(row: Subscriber | None) -> tuple[str, datetime | None]:
    """Why a bot destination cannot be posted to, when the token is to blame: none configured
    ("no_bot_token"), or Slack refused it on the destination's latest delivery (its code and
    when). ("", None) otherwise. One indexed read: the row's newest delivery."""
    if not bot_available():
        return NO_BOT_TOKEN, None
    if row is None or row.id is None:
        return "", None
    latest = db.session.execute(
        select(Delivery.state, Delivery.error_code, Delivery.updated_at)
        .where(Delivery.subscriber_id == row.id).order_by(Delivery.id.desc()).limit(1)).first()
    if latest is None or latest.state != FAILED or latest.error_code not in TOKEN_PROBLEMS:
        return "", None
    return str(latest.error_code), latest.updated_at
