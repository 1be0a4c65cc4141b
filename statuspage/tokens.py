"""Signed tokens in subscriber links: confirmation (expiring), manage and unsubscribe.

Tokens are itsdangerous signatures over the subscriber's public id and token version, with a
salt per purpose, so a manage token cannot confirm and a leaked link dies when the subscriber's
token version is bumped. They carry no address: the URL reveals nothing about the subscriber.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from statuspage.errors import DomainError

CONFIRM, MANAGE, UNSUBSCRIBE = "confirm", "manage", "unsubscribe"
CONFIRM_MAX_AGE = 7 * 24 * 3600
# Manage and unsubscribe links must keep working in old emails, as long as the version holds.
LINK_MAX_AGE = 400 * 24 * 3600


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                  salt=f"statuspage.subscriber.{purpose}")


def make_token(purpose: str, public_id: str, version: int) -> str:
    return _serializer(purpose).dumps([public_id, version])


def read_token(purpose: str, token: str) -> tuple[str, int]:
    """(public id, token version) from a token, or DomainError if forged or expired."""
    max_age = CONFIRM_MAX_AGE if purpose == CONFIRM else LINK_MAX_AGE
    try:
        public_id, version = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError("This link has expired.") from None
    except (BadSignature, ValueError, TypeError):
        raise DomainError("This link is not valid.") from None
    return str(public_id), int(version)
