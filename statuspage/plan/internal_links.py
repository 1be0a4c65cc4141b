"""Links to the internal incident view: signed, expiring, one per stakeholder member.

Members of stakeholder groups have no console account, yet they must follow an incident the
public may not see yet (its opening update waits for approval) and its internal updates. Each
message to a member carries "<base>/internal/<token>", the token naming the member and the
incident, "<member id>.<incident id>.<expiry>.<signature>":

- the signature is a truncated HMAC-SHA256 under a key derived from SECRET_KEY for this
  purpose only, so no other token of the site (manage, unsubscribe) can stand in for it and
  changing any part (another incident, a later expiry) breaks it;
- the expiry (seconds since the epoch, base 36 to keep SMS short) is VALID_SECONDS after
  the message was sent: a forwarded link does not open the incident for ever;
- the member is looked up on every visit, so removing them from their group ends their links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple

from flask import current_app
from flask_babel import gettext as _

from statuspage.core.errors import DomainError

VALID_SECONDS = 30 * 24 * 3600
PATH = "/internal/"
# 128 bits of HMAC-SHA256, as for the subscriber links (statuspage.core.tokens).
SIGNATURE_BYTES = 16
_TOKEN = re.compile(r"([0-9a-z]{1,32})\.([0-9a-z]{1,32})\.([0-9a-z]{1,13})\.([0-9A-Za-z_-]{22})")


class LinkTarget(NamedTuple):
    """What a valid token names, and until when it does."""

    member_public_id: str
    incident_public_id: str
    expires_at: datetime


class LinkRefused(DomainError):
    """A link that opens nothing. `status`: 403 (not a link we made) or 410 (no longer
    valid: expired, or the member or the incident is gone)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@lru_cache(maxsize=8)
def _keyed(secret: str | bytes) -> hmac.HMAC:
    """The purpose's own key, derived once per process (a fan-out signs one per member)."""
    key = secret.encode() if isinstance(secret, str) else secret
    derived = hmac.new(key, b"statuspage.stakeholder.internal-view", hashlib.sha256).digest()
    return hmac.new(derived, digestmod=hashlib.sha256)


def _signature(keyed: hmac.HMAC, payload: str) -> str:
    mac = keyed.copy()
    mac.update(payload.encode())
    return base64.urlsafe_b64encode(mac.digest()[:SIGNATURE_BYTES]).rstrip(b"=").decode()


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text


def url_builder(now: float | None = None) -> Callable[[str, str], str]:
    """internal_url for many members: key, base URL and expiry looked up once (a chunk)."""
    keyed = _keyed(current_app.config["SECRET_KEY"])
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    expires = _base36(int(now if now is not None else time.time()) + VALID_SECONDS)

    def build(member_public_id: str, incident_public_id: str) -> str:
        payload = f"{member_public_id}.{incident_public_id}.{expires}"
        return f"{base}{PATH}{payload}.{_signature(keyed, payload)}"

    return build


def internal_url(member_public_id: str, incident_public_id: str,
                 now: float | None = None) -> str:
    """The member's own link to the incident's internal view, valid VALID_SECONDS from `now`."""
    return url_builder(now)(member_public_id, incident_public_id)


def read_token(token: str, now: float | None = None) -> LinkTarget:
    """The member and incident a token names, or LinkRefused (forged 403, expired 410)."""
    match = _TOKEN.fullmatch(token or "")
    if match is None:
        raise LinkRefused(_("This link is not valid."), 403)
    member, incident, expires, signature = match.groups()
    keyed = _keyed(current_app.config["SECRET_KEY"])
    if not hmac.compare_digest(signature, _signature(keyed, f"{member}.{incident}.{expires}")):
        raise LinkRefused(_("This link is not valid."), 403)
    expiry = int(expires, 36)
    if expiry < (now if now is not None else time.time()):
        raise LinkRefused(_("This link has expired. The next message about an incident "
                             "brings a new one."), 410)
    return LinkTarget(member, incident, datetime.fromtimestamp(expiry, UTC))
