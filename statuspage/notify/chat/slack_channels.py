"""A Slack channel reached through the bot token (SLACK_BOT_TOKEN) instead of a webhook.

A stakeholder group's Slack destination is either an incoming-webhook URL or, with a bot
token configured, a channel id: posted to with the Web API's chat.postMessage, so the
messages about one incident can share a thread (notify.chat.slack_api). The destination is
kept like a webhook URL (sealed, looked up by its fingerprint: notify.chat.destinations), as
the text `slack-channel:<id>`, which no webhook URL can be mistaken for.

A channel id is not a secret (anyone in the workspace sees it under the channel's details):
the console shows it whole. Ids are upper-case letters and digits: C… for a public or
private channel, G… for an older private one (docs.slack.dev, "Conversations API").
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from statuspage.core.errors import DomainError

PREFIX = "slack-channel:"
FIELD = "channel"
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{8,20}")


def check_slack_channel(raw: str) -> str:
    """The channel id typed (spaces, a leading "#" name or lower case are refused with the
    reason), or DomainError on field "channel"."""
    value = (raw or "").strip()
    if not value:
        raise DomainError(_("Enter the Slack channel's ID, such as C0123ABCD."), FIELD)
    if value.startswith("#"):
        raise DomainError(_("Enter the channel's ID (such as C0123ABCD), not its name: "
                            "Slack shows it at the bottom of the channel's details."), FIELD)
    if not _CHANNEL_ID.fullmatch(value.upper()):
        raise DomainError(_("A Slack channel ID is a C (or G) followed by 8 to 20 letters "
                            "and digits, such as C0123ABCD."), FIELD)
    return value.upper()


def channel_destination(channel_id: str) -> str:
    """The destination text of a checked channel id (to seal and fingerprint)."""
    return PREFIX + check_slack_channel(channel_id)


def slack_channel_of(destination: str) -> str:
    """The channel id of a `slack-channel:` destination; "" for anything else (a URL)."""
    if not destination.startswith(PREFIX):
        return ""
    channel = destination[len(PREFIX):]
    return channel if _CHANNEL_ID.fullmatch(channel) else ""


def shown_channel(channel_id: str) -> str:
    """What the console shows of a channel destination."""
    return f"Slack channel {channel_id} (bot)"
