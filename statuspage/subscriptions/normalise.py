"""What staff enter made canonical: a subscriber's channel, address and language.

The console's add form and the CSV import (statuspage.subscriptions.csv_rows) both go through
here. Only the add form takes a chat destination (Slack, Teams, Discord, Google Chat): its URL
is a secret, and an import keeps its file, so an import refuses chat rows. Addresses follow
the public sign-up's rules (statuspage.notify.addresses, SMS countries too); unlike the
public form, which quietly falls back to defaults (statuspage.subscriptions.subscribe), a
channel or language typed wrong is refused with a DomainError naming the field, so a typo in
a file is reported.
"""

from __future__ import annotations

import re

from flask import current_app

from statuspage.core.errors import DomainError
from statuspage.models import CHANNELS
from statuspage.models.subscribers import CHAT_CHANNELS
from statuspage.notify import addresses
from statuspage.page.record import get_page

# Language tags as the public sign-up accepts them (statuspage.subscriptions.subscribe).
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")


def normalise_channel(raw: str, *, chat: bool = False) -> str:
    """The channel named; a chat provider only where `chat` (the console's add form)."""
    channel = (raw or "").strip().lower()
    if channel in CHAT_CHANNELS:
        if chat:
            return channel
        raise DomainError("Chat webhooks cannot be imported from a file: their URLs are "
                          "secrets, and an import keeps its file. Add them one at a time in "
                          "the console, or let them subscribe on the status page.", "channel")
    if channel not in CHANNELS:
        raise DomainError("Use a channel: email, sms or webhook.", "channel")
    return channel


def normalise_address(channel: str, raw: str) -> str:
    """The canonical address, by the same rules as the public sign-up (SMS countries too)."""
    return addresses.normalise(channel, raw or "", get_page(),
                               bool(current_app.config.get("WEBHOOK_ALLOW_LOOPBACK")))


def normalise_language(raw: str) -> str:
    """A language tag such as "en" or "pt-BR" ("en" when empty), or DomainError.

    The public form quietly falls back to "en"; here a typo in a file is worth reporting.
    """
    text = (raw or "").strip().replace("_", "-")
    if not text:
        return "en"
    if not _LANGUAGE.fullmatch(text):
        raise DomainError(f"Unknown language {text!r}; use a tag such as en or pt-BR.",
                          "language")
    return text
