"""Chat channels (issue 13): Slack, Microsoft Teams, Discord and Google Chat incoming webhooks.

`urls` checks and masks destination URLs per provider, `sender` posts a ChatContent through the
SSRF guard, `outcomes` reads each provider's answers. The message builders are in
statuspage/messages/chat/.
"""

from __future__ import annotations

from statuspage.notify.chat.sender import ChatSender, RateState
from statuspage.notify.chat.urls import check_chat_url, detect_provider, mask_chat_url

__all__ = ["ChatSender", "RateState", "check_chat_url", "detect_provider", "mask_chat_url"]
