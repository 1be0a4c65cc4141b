"""Chat channels (issue 13): Slack, Microsoft Teams, Discord and Google Chat incoming webhooks.

`urls` checks and masks destination URLs per provider, `sender` posts a ChatContent through the
SSRF guard, `outcomes` reads each provider's answers, `destinations` seals a URL for the
database and shows it masked. With a bot token, a Slack destination may be a channel id
instead (`slack_channels`), posted to in threads through the Web API (`slack_api`). The
message builders are in statuspage/messages/chat/.
"""

from __future__ import annotations

from statuspage.notify.chat.destinations import (
    SealedDestination,
    destination_address,
    seal_destination,
    seal_slack_channel,
    shown_destination,
)
from statuspage.notify.chat.sender import ChatSender, RateState
from statuspage.notify.chat.slack_channels import slack_channel_of
from statuspage.notify.chat.urls import (
    PROVIDER_NAMES,
    check_chat_url,
    detect_provider,
    mask_chat_url,
)

__all__ = ["PROVIDER_NAMES", "ChatSender", "RateState", "SealedDestination",
           "check_chat_url", "destination_address", "detect_provider", "mask_chat_url",
           "seal_destination", "seal_slack_channel", "shown_destination", "slack_channel_of"]
