"""Public chat subscriptions: a Slack, Microsoft Teams, Discord or Google Chat channel's
incoming webhook, subscribed on /subscribe like an address (issue 13).

The subscriber's channel is the provider; the form offers one "chat" choice and finds the
provider from the pasted URL (`pick_provider`). The URL is a bearer credential (whoever has
it can post into the channel), so a row never holds it in clear: `address` is its keyed
fingerprint (notify.addresses.chat_address: the one-subscription rule and lookups keep
working) and `destination` the URL sealed (core.sealing). Only `destination_url` opens it,
for the sender; pages, the console, exports and audit entries show `shown_destination`, a
mask that cannot be posted to.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from statuspage.core.errors import DomainError
from statuspage.core.sealing import SealError, unseal
from statuspage.models import Subscriber
from statuspage.models.subscribers import CHAT_CHANNELS
from statuspage.notify.chat import destinations, detect_provider
from statuspage.notify.chat.destinations import seal_destination
from statuspage.notify.chat.urls import PROVIDER_NAMES

__all__ = ["CHAT", "PROVIDER_NAMES", "destination_url", "display_address", "is_chat",
           "pick_provider", "sealed_destination", "shown_destination"]

# The sign-up form's choice (its tab); the row's channel is the provider.
CHAT = "chat"


def is_chat(channel: str) -> bool:
    return channel in CHAT_CHANNELS


def _allow_loopback() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_LOOPBACK"))


def pick_provider(choice: str, url: str) -> str:
    """The provider a sign-up is for: the one chosen on the form, else the one whose webhook
    host (on loopback: path) the URL has; DomainError on the field to fix."""
    chosen = (choice or "").strip().lower()
    if chosen:
        if chosen not in CHAT_CHANNELS:
            raise DomainError(_("Choose the chat app from the list."), "provider")
        return chosen
    if not (url or "").strip():
        raise DomainError(_("Paste the incoming webhook URL of your channel."), "address")
    found = detect_provider(url)
    if found is None:
        raise DomainError(_("This is not an incoming webhook URL of Slack, Microsoft Teams, "
                            "Discord or Google Chat: copy it from the channel's webhook "
                            "settings (it starts with https://)."), "address")
    return found


def sealed_destination(provider: str, raw: str) -> str:
    """The checked URL, sealed for `Subscriber.destination`; DomainError if it is refused."""
    return seal_destination(provider, raw, allow_loopback=_allow_loopback()).sealed


def destination_url(subscriber: Subscriber) -> str:
    """The destination's URL in clear, for the sender only; SealError when there is none
    (erased) or it cannot be opened (SECRET_KEY changed without a fallback)."""
    if subscriber.destination is None:
        raise SealError("This chat subscriber has no destination.")
    return unseal(subscriber.destination)


def shown_destination(subscriber: Subscriber) -> str:
    """What may be shown of the destination: its mask (host, the start of the team, webhook
    or space id, the last 4 characters of the credential); "" when there is none."""
    if subscriber.destination is None:
        return ""
    return destinations.shown_destination(subscriber.destination)


def display_address(subscriber: Subscriber) -> str:
    """How the console names a subscriber: the address, or for a chat destination the
    provider and the mask ("Slack: hooks.slack.com/services/T012…abcd")."""
    if not is_chat(subscriber.channel):
        return subscriber.address
    shown = shown_destination(subscriber) or "…"
    return f"{PROVIDER_NAMES[subscriber.channel]}: {shown}"
