"""Chat webhook URLs: which provider a URL belongs to, whether it is a real one, and what of it
the console may show.

A destination is accepted only on the provider's own hosts, over https, with the path (and
the query parameters) its webhooks have; nothing else of the URL may vary. Sources (checked
with the providers' documentation, 2026):

- Slack incoming webhooks: https://hooks.slack.com/services/T…/B…/<token> (docs.slack.dev,
  "Sending messages using incoming webhooks"; slack_sdk.webhook.WebhookClient's docstring).
  Workflow Builder's hooks.slack.com/triggers/… URLs take another payload and are refused.
- Microsoft Teams, the Workflows app ("Post to a channel when a webhook request is received",
  Power Automate): https://prod-NN.<region>.logic.azure.com:443/workflows/<id>/triggers/manual/
  paths/invoke?api-version=…&sp=…&sv=…&sig=…, and since 2025 https://<environment>.environment.
  api.powerplatform.com:443/powerautomate/automations/direct/workflows/<id>/triggers/manual/
  paths/invoke?api-version=1&sp=…&sv=…&sig=… (the sig parameter is the credential); the retired
  Office 365 connectors' https://<tenant>.webhook.office.com/webhookb2/… are still accepted,
  for groups that kept one (learn.microsoft.com, "Create incoming webhooks with Workflows";
  MicrosoftDocs/msteams-docs add-incoming-webhook.md).
- Discord: https://discord.com/api/webhooks/<id>/<token> (also discordapp.com, the ptb. and
  canary. hosts, and a /api/vN/ prefix), optional ?thread_id=<id> (discord.com/developers,
  "Execute Webhook").
- Google Chat: https://chat.googleapis.com/v1/spaces/<space>/messages?key=…&token=…
  (developers.google.com/workspace/chat/quickstart/webhooks). threadKey and
  messageReplyOption are set per message, so a pasted URL that carries them loses them.

With `allow_loopback` (WEBHOOK_ALLOW_LOOPBACK: tests and local fakes), http or https to
127.0.0.1 or [::1] on any port is also accepted, with the same path and query rules.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from flask_babel import gettext as _

from statuspage.core.errors import DomainError
from statuspage.models.subscribers import DISCORD, GOOGLE_CHAT, SLACK, TEAMS

MAX_URL_LENGTH = 2000
FIELD = "address"
PROVIDER_NAMES = {SLACK: "Slack", TEAMS: "Microsoft Teams", DISCORD: "Discord",
                  GOOGLE_CHAT: "Google Chat"}
# What each provider's URL looks like, for error messages (nothing secret in them).
EXPECTED = {
    SLACK: "https://hooks.slack.com/services/T…/B…/…",
    TEAMS: "https://….logic.azure.com/workflows/…, or https://….environment.api."
           "powerplatform.com/powerautomate/automations/direct/workflows/…",
    DISCORD: "https://discord.com/api/webhooks/<id>/<token>",
    GOOGLE_CHAT: "https://chat.googleapis.com/v1/spaces/<space>/messages?key=…&token=…",
}
_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_SIGNED_QUERY = ("api-version", "sp", "sv", "sig")


@dataclass(frozen=True)
class Shape:
    """One form of a provider's webhook URL.

    path: its group "id" is where the variable part starts (a team, workflow, webhook or
      space id): `mask_chat_url` shows the path up to there and four characters of it.
    secret: the query parameter holding the credential, or "" when the path's last segment is.
    """

    host: re.Pattern[str]
    path: re.Pattern[str]
    required: tuple[str, ...] = ()
    optional: frozenset[str] = frozenset()
    dropped: frozenset[str] = frozenset()
    secret: str = ""


SHAPES: dict[str, tuple[Shape, ...]] = {
    SLACK: (Shape(re.compile(r"hooks\.slack\.com"),
                  re.compile(r"/services/(?P<id>T[A-Z0-9]{2,20})/B[A-Z0-9]{2,20}"
                             r"/[A-Za-z0-9]{8,64}")),),
    TEAMS: (
        Shape(re.compile(r"prod-\d{1,3}\.[a-z0-9]{2,40}\.logic\.azure\.com"),
              re.compile(r"/workflows/(?P<id>[0-9a-f]{32})/triggers/[A-Za-z0-9_.-]{1,80}"
                         r"/paths/invoke"),
              _SIGNED_QUERY, secret="sig"),
        Shape(re.compile(r"(?:[a-z0-9-]{1,63}\.){1,3}environment\.api\.powerplatform\.com"),
              re.compile(r"/powerautomate/automations/direct/workflows/(?P<id>[0-9a-f]{32})"
                         r"/triggers/[A-Za-z0-9_.-]{1,80}/paths/invoke"),
              _SIGNED_QUERY, secret="sig"),
        Shape(re.compile(r"[a-z0-9-]{1,63}\.webhook\.office\.com"),
              re.compile(rf"/webhookb2/(?P<id>{_GUID})@{_GUID}/IncomingWebhook/[0-9a-f]{{32}}"
                         rf"/{_GUID}(?:/[A-Za-z0-9_-]{{1,200}})?")),
    ),
    DISCORD: (Shape(re.compile(r"(?:ptb\.|canary\.)?discord(?:app)?\.com"),
                    re.compile(r"/api(?:/v\d{1,2})?/webhooks/(?P<id>\d{15,25})"
                               r"/[A-Za-z0-9_-]{20,120}"),
                    optional=frozenset({"thread_id"}),
                    dropped=frozenset({"wait"})),),
    GOOGLE_CHAT: (Shape(re.compile(r"chat\.googleapis\.com"),
                        re.compile(r"/v1/spaces/(?P<id>[A-Za-z0-9_-]{1,100})/messages"),
                        ("key", "token"),
                        dropped=frozenset({"threadKey", "messageReplyOption"}),
                        secret="token"),),
}
# Query values: printable ASCII without spaces (they arrive percent-decoded).
_QUERY_VALUE = re.compile(r"[!-~]{1,1000}")
_THREAD_ID = re.compile(r"\d{15,25}")


def _refuse(message: str) -> DomainError:
    return DomainError(message, FIELD)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split(url: str) -> tuple[str, str, int | None, str, str]:
    """(scheme, host, port, path, query) of a URL, or DomainError for one no provider issues."""
    raw = (url or "").strip()
    if len(raw) > MAX_URL_LENGTH:
        raise _refuse(_("The URL must be at most %(max)s characters.", max=MAX_URL_LENGTH))
    # No spaces, backslashes, control or non-ASCII characters: no provider's URL has them,
    # and they are how a URL is made to read differently to different parsers.
    if not raw or not raw.isascii() or re.search(r"[\s\\\x00-\x1f\x7f]", raw):
        raise _refuse(_("Enter the webhook URL exactly as copied, starting with https://."))
    parts = urlsplit(raw)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _refuse(_("The URL must not contain a user name or password."))
    try:
        port = parts.port
    except ValueError:
        raise _refuse(_("The URL has an invalid port.")) from None
    host = (parts.hostname or "").rstrip(".").lower()
    return parts.scheme.lower(), host, port, parts.path, parts.query


def _query(raw: str, shape: Shape, provider: str) -> str:
    """The normalised query: required and optional parameters kept, per-message ones dropped."""
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=bool(raw))
    except ValueError:
        raise _refuse(_("The URL's parameters cannot be read.")) from None
    names = [name for name, _value in pairs]
    if len(set(names)) != len(names):
        raise _refuse(_("The URL repeats a parameter."))
    allowed = set(shape.required) | shape.optional | shape.dropped
    unknown = sorted(set(names) - allowed)
    if unknown:
        raise _refuse(_("%(provider)s webhook URLs have no parameter %(names)s.",
                        provider=PROVIDER_NAMES[provider], names=", ".join(unknown)[:200]))
    values = dict(pairs)
    missing = [name for name in shape.required if not values.get(name)]
    if missing:
        raise _refuse(_("The URL is missing its %(names)s part: copy the whole URL from "
                        "%(provider)s.", names=", ".join(missing),
                        provider=PROVIDER_NAMES[provider]))
    kept = [(name, value) for name, value in pairs if name not in shape.dropped]
    if any(not _QUERY_VALUE.fullmatch(value) for _name, value in kept):
        raise _refuse(_("The URL's parameters are not valid."))
    if "thread_id" in values and not _THREAD_ID.fullmatch(values["thread_id"]):
        raise _refuse(_("The URL's thread_id must be a Discord id (digits)."))
    # Required ones first, in the documented order, then the optional ones as given.
    order = {name: n for n, name in enumerate(shape.required)}
    kept.sort(key=lambda pair: order.get(pair[0], len(order)))
    return urlencode(kept, quote_via=quote)


def check_chat_url(provider: str, url: str, *, allow_loopback: bool = False) -> str:
    """The normalised destination URL for `provider`, or DomainError (field "address").

    Normalising lower-cases the scheme and host, drops the default port (Teams URLs carry
    ":443"), the fragment and the parameters set per message, and re-encodes the query.
    Provider hosts are matched whole, so hooks.slack.com.evil.example is refused. DNS is
    not consulted here: the connection guard checks each address at send time.
    """
    if provider not in SHAPES:
        raise ValueError(f"unknown chat provider {provider!r}")
    name, expected = PROVIDER_NAMES[provider], EXPECTED[provider]
    scheme, host, port, path, raw_query = _split(url)
    local = allow_loopback and _loopback(host)
    if scheme not in ({"http", "https"} if local else {"https"}):
        raise _refuse(_("%(provider)s webhook URLs start with https://, like %(expected)s.",
                        provider=name, expected=expected))
    if not local and port not in (None, 443):
        raise _refuse(_("%(provider)s webhook URLs use the standard https port, like "
                        "%(expected)s.", provider=name, expected=expected))
    shapes = [s for s in SHAPES[provider] if local or s.host.fullmatch(host)]
    if not shapes:
        raise _refuse(_("This is not a %(provider)s webhook address: expected %(expected)s.",
                        provider=name, expected=expected))
    shape = next((s for s in shapes if s.path.fullmatch(path)), None)
    if shape is None:
        raise _refuse(_("This %(provider)s address is not an incoming webhook: expected "
                        "%(expected)s.", provider=name, expected=expected))
    query = _query(raw_query, shape, provider)
    netloc = f"[{host}]" if ":" in host else host
    if local and port is not None:
        netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, path, query, ""))


def detect_provider(url: str) -> str | None:
    """The provider whose webhook host (or, on loopback, path) `url` has; None if none.

    For a form that takes a pasted URL and picks the channel: the URL is still to be checked
    with `check_chat_url`.
    """
    try:
        _scheme, host, _port, path, _query_text = _split(url)
    except DomainError:
        return None
    local = _loopback(host)
    for provider, shapes in SHAPES.items():
        for shape in shapes:
            if shape.path.fullmatch(path) if local else shape.host.fullmatch(host):
                return provider
    return None


def _secret_value(shape: Shape, path: str, query: str) -> str:
    if shape.secret:
        return dict(parse_qsl(query, keep_blank_values=True)).get(shape.secret, "")
    return path.rstrip("/").rsplit("/", 1)[-1]


def mask_chat_url(url: str) -> str:
    """What the console may show of a destination: the host, the path up to the first few
    characters of its variable part (a team, webhook or space id), "…", and the last 4
    characters of the credential (token, or sig). Never enough to post with."""
    try:
        _scheme, host, _port, path, query = _split(url)
    except DomainError:
        return "…"
    for shapes in SHAPES.values():
        for shape in shapes:
            match = shape.path.fullmatch(path)
            if match and (_loopback(host) or shape.host.fullmatch(host)):
                head_at = match.start("id")
                secret = _secret_value(shape, path, query)
                tail = secret[-4:] if len(secret) >= 16 else ""
                return f"{host}{path[:head_at + 4]}…{tail}"
    return f"{host}/…" if host else "…"
