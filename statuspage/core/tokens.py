"""Signed tokens in subscriber links: confirmation (expiring), manage and unsubscribe.

No token carries an address: a URL reveals nothing about its subscriber. Both kinds sign the
subscriber's public id and token version, so a leaked link dies when the version is bumped.

- Confirmation: an itsdangerous timed signature (it must expire), with its own salt.
- Manage and unsubscribe share one link token, "<public id>.<version>.<signature>", the
  signature a truncated HMAC-SHA256 under a key derived from SECRET_KEY for links only. The
  fan-out builds one for every recipient of every message (100,000 per update): an HMAC of a
  few bytes costs a few microseconds, where the two timed signatures it replaces cost ~70 us
  per recipient. The manage page can unsubscribe too, so one token for both grants nothing
  more; links need no expiry (they must work in old emails) because the version revokes them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from statuspage.core.errors import DomainError

CONFIRM, MANAGE, UNSUBSCRIBE = "confirm", "manage", "unsubscribe"
CONFIRM_MAX_AGE = 7 * 24 * 3600
# 128 bits of HMAC-SHA256: unguessable, and a short URL.
LINK_SIGNATURE_BYTES = 16
_LINK_TOKEN = re.compile(r"([0-9A-Za-z_-]{1,64})\.([0-9]{1,9})\.([0-9A-Za-z_-]{22})")


def _keys() -> list[str]:
    """SECRET_KEY, then its fallbacks (newest first): every key a token may be signed with."""
    config = current_app.config
    return [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or ())]


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # itsdangerous takes its keys oldest to newest and signs with the last.
    return URLSafeTimedSerializer(list(reversed(_keys())),
                                  salt=f"statuspage.subscriber.{purpose}")


@lru_cache(maxsize=8)
def _link_mac(secret: str | bytes) -> hmac.HMAC:
    """A keyed HMAC to copy per token: deriving and keying once per process, not per link."""
    key = secret.encode() if isinstance(secret, str) else secret
    derived = hmac.new(key, b"statuspage.subscriber.link", hashlib.sha256).digest()
    return hmac.new(derived, digestmod=hashlib.sha256)


def _signature(keyed: hmac.HMAC, payload: str) -> str:
    mac = keyed.copy()
    mac.update(payload.encode())
    return base64.urlsafe_b64encode(mac.digest()[:LINK_SIGNATURE_BYTES]).rstrip(b"=").decode()


def link_signer() -> Callable[[str, int], str]:
    """link_token for many subscribers: the app's key looked up once (a fan-out chunk)."""
    keyed = _link_mac(current_app.config["SECRET_KEY"])

    def sign(public_id: str, version: int) -> str:
        payload = f"{public_id}.{int(version)}"
        return f"{payload}.{_signature(keyed, payload)}"

    return sign


def link_token(public_id: str, version: int) -> str:
    """The one token of a subscriber's manage and unsubscribe links."""
    return link_signer()(public_id, version)


def make_token(purpose: str, public_id: str, version: int) -> str:
    if purpose == CONFIRM:
        return _serializer(purpose).dumps([public_id, version])
    return link_token(public_id, version)


def read_token(purpose: str, token: str) -> tuple[str, int]:
    """(public id, token version) from a token, or DomainError if forged or expired."""
    if purpose != CONFIRM:
        return _read_link_token(token)
    try:
        public_id, version = _serializer(purpose).loads(token, max_age=CONFIRM_MAX_AGE)
    except SignatureExpired:
        raise DomainError(_("This link has expired.")) from None
    except (BadSignature, ValueError, TypeError):
        raise DomainError(_("This link is not valid.")) from None
    return str(public_id), int(version)


def _read_link_token(token: str) -> tuple[str, int]:
    match = _LINK_TOKEN.fullmatch(token or "")
    if match is None:
        raise DomainError(_("This link is not valid."))
    public_id, version, signature = match.groups()
    payload = f"{public_id}.{version}"
    # Under any key in use: links sent before SECRET_KEY was rotated keep working while the
    # former key is among SECRET_KEY_FALLBACKS.
    if not any(hmac.compare_digest(signature, _signature(_link_mac(key), payload))
               for key in _keys()):
        raise DomainError(_("This link is not valid."))
    return public_id, int(version)
