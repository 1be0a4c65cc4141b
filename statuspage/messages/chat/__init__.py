"""Chat messages: what an event says in Slack, Microsoft Teams, Discord and Google Chat.

Two steps, so the composer can preview every format and the sender renders per destination:
1. `chat_notice(event, language, manage_url=…, unsubscribe_url=…)` reads the event once
   (notice.py) into a ChatNotice, the message's content in the reader's language;
2. `render_chat(provider, notice)` writes it in the provider's format (slack.py, teams.py,
   discord.py, googlechat.py) as a notify.base.ChatContent, within the provider's documented
   limits, its update body converted from markdown and sanitised (markup.py, styles.py).
The double opt-in test message of a public chat subscription is a notice too
(`chat_confirmation_notice`), rendered by `render_chat_confirmation`.
Nothing here sends.
"""

from __future__ import annotations

from collections.abc import Callable

from statuspage.messages.chat.discord import discord_message
from statuspage.messages.chat.googlechat import googlechat_message
from statuspage.messages.chat.notice import (
    ChatLabels,
    ChatNotice,
    ComponentChange,
    chat_confirmation_notice,
    chat_notice,
    context_notice,
)
from statuspage.messages.chat.slack import slack_message
from statuspage.messages.chat.teams import teams_message
from statuspage.models.subscribers import DISCORD, GOOGLE_CHAT, SLACK, TEAMS
from statuspage.notify.base import ChatContent

__all__ = [
    "BUILDERS",
    "ChatLabels",
    "ChatNotice",
    "ComponentChange",
    "chat_confirmation_notice",
    "chat_notice",
    "context_notice",
    "render_chat",
    "render_chat_confirmation",
]

BUILDERS: dict[str, Callable[[ChatNotice], ChatContent]] = {
    SLACK: slack_message,
    TEAMS: teams_message,
    DISCORD: discord_message,
    GOOGLE_CHAT: googlechat_message,
}


def render_chat(provider: str, notice: ChatNotice) -> ChatContent:
    """`notice` as `provider` (one of models.subscribers.CHAT_CHANNELS) takes it."""
    builder = BUILDERS.get(provider)
    if builder is None:
        raise ValueError(f"no chat format for {provider!r}")
    return builder(notice)


def render_chat_confirmation(provider: str, notice: ChatNotice) -> ChatContent:
    """The opt-in test message (a notice from chat_confirmation_notice, with its link)."""
    if not notice.confirm_url:
        raise ValueError("a confirmation notice needs its confirm_url")
    return render_chat(provider, notice)
