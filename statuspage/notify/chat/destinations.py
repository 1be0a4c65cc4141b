"""A chat destination as the database keeps it: the URL sealed, looked up by its fingerprint.

A webhook URL is a bearer credential (core.sealing): a recipient row holds it sealed in
`destination`, with `address` = the keyed fingerprint of the checked URL (so the unique
address rules and "is this URL already here?" work without decrypting anything). The console
shows only `shown_destination`: the masked URL, never the whole of it again.

A Slack channel reached through the bot token (notify.chat.slack_channels) is kept the same
way, as `slack-channel:<id>`; its id is no secret and is shown whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuspage.core.sealing import SealError, fingerprint, seal, unseal
from statuspage.models.subscribers import SLACK
from statuspage.notify.chat.slack_channels import (
    channel_destination,
    shown_channel,
    slack_channel_of,
)
from statuspage.notify.chat.urls import check_chat_url, mask_chat_url

# What the console shows for a sealed value it cannot open (sealed under a retired key).
UNREADABLE = "(unreadable: sealed under another key)"


@dataclass(frozen=True)
class SealedDestination:
    """A checked destination, ready to store: its provider, fingerprint and sealed URL."""

    provider: str
    address: str
    sealed: str


def seal_destination(provider: str, url: str, *, allow_loopback: bool = False
                     ) -> SealedDestination:
    """Check `url` as a `provider` webhook (DomainError on field "address" if it is not one),
    then seal it and fingerprint its normalised form."""
    checked = check_chat_url(provider, url, allow_loopback=allow_loopback)
    return SealedDestination(provider, fingerprint(checked), seal(checked))


def seal_slack_channel(channel_id: str) -> SealedDestination:
    """Check a Slack channel id (DomainError on field "channel"), then seal and fingerprint
    its destination text, as a webhook URL is."""
    destination = channel_destination(channel_id)
    return SealedDestination(SLACK, fingerprint(destination), seal(destination))


def destination_address(provider: str, url: str, *, allow_loopback: bool = False) -> str:
    """The fingerprint a row of this destination has as `address` (DomainError if the URL is
    not a `provider` webhook): to look a pasted URL up."""
    return fingerprint(check_chat_url(provider, url, allow_loopback=allow_loopback))


def shown_destination(sealed: str | None) -> str:
    """The masked URL of a sealed destination (mask_chat_url), or the Slack channel it
    names, for the console."""
    if not sealed:
        return "—"
    try:
        destination = unseal(sealed)
    except SealError:
        return UNREADABLE
    channel = slack_channel_of(destination)
    return shown_channel(channel) if channel else mask_chat_url(destination)
