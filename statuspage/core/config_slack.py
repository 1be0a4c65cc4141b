"""The Slack bot settings (issue 13): SLACK_BOT_TOKEN and SLACK_API_BASE_URL, checked at start-up.

With a bot token, a stakeholder group's chat destination may be a Slack channel (its id)
instead of an incoming webhook, and the messages about one incident go into one thread
(statuspage.notify.chat.slack_api, statuspage.delivery.chat_threads). The token is a secret:
it is never echoed in an error here, and every log line masks it (core.logging_setup).

The Web API's address is fixed in production (https://slack.com/api); SLACK_API_BASE_URL
exists for a proxy and for the tests' fake, which listens on loopback `http://` only when
WEBHOOK_ALLOW_LOOPBACK allows it, as for the other chat targets.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from statuspage.core.errors import ConfigError

SLACK_API_BASE_URL = "https://slack.com/api"
# Bot tokens are "xoxb-" then digits, letters and dashes (docs.slack.dev, "Tokens").
_BOT_TOKEN = re.compile(r"xoxb-[A-Za-z0-9-]{10,250}")


def is_loopback(host: str) -> bool:
    """Whether `host` is a loopback address literal (127.0.0.0/8, ::1) or "localhost"."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_base(raw: str, *, allow_loopback: bool) -> str:
    """The Web API base URL without its trailing slash: https, no credentials, query or
    fragment; http only to a loopback address with `allow_loopback`. ConfigError if not."""
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower()
    local = allow_loopback and is_loopback(host)
    if parts.scheme not in ({"http", "https"} if local else {"https"}) or not host \
            or parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError(
            "SLACK_API_BASE_URL must be an https URL such as https://slack.com/api (http only "
            f"to a loopback address, with WEBHOOK_ALLOW_LOOPBACK), got {raw!r}")
    return raw.rstrip("/")


def slack_settings(env: Mapping[str, str], *, allow_loopback: bool) -> dict[str, str | None]:
    """SLACK_BOT_TOKEN (None: no bot; webhooks only) and SLACK_API_BASE_URL, checked."""
    token = (env.get("SLACK_BOT_TOKEN") or "").strip() or None
    if token is not None and not _BOT_TOKEN.fullmatch(token):
        # Not the value: it may be a real token pasted into the wrong variable.
        raise ConfigError("SLACK_BOT_TOKEN must be a Slack bot token (xoxb-…), as the "
                                "app's OAuth & Permissions page shows it")
    base = check_api_base(env.get("SLACK_API_BASE_URL") or SLACK_API_BASE_URL,
                          allow_loopback=allow_loopback)
    return {"SLACK_BOT_TOKEN": token, "SLACK_API_BASE_URL": base}
