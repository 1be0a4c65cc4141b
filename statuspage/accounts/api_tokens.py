"""Use-cases for API tokens: create (the clear token is returned once), revoke, authenticate.

A token created in the console is owned by its creator: it works only while that user is
active, so deactivating someone also stops the automation they set up (the console's token
list shows each token's creator and says when it is suspended for this reason).

A token is `sp_` followed by 256 random bits (URL-safe base64). Only its SHA-256 is stored.
A fast, unsalted hash is enough here, unlike for passwords: the token is random and long, so
there is nothing to guess from a leaked hash, and authentication stays one indexed lookup per
API request instead of an argon2 verification against every row.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from statuspage import audit
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import SCOPES, ApiToken, User, utcnow

TOKEN_PREFIX = "sp_"
# Recognisable prefix plus four characters: enough to tell tokens apart in a list.
DISPLAY_PREFIX_LENGTH = len(TOKEN_PREFIX) + 4
MAX_NAME = 100
# Longer input cannot be one of our tokens; refuse it before hashing.
MAX_TOKEN_LENGTH = 200
# last_used_at is a hint for people reviewing tokens, not a log: one write a minute at most,
# so a busy integration does not turn every API read into a database write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class InvalidToken(DomainError):
    """A token that is unknown, malformed or revoked."""


@dataclass(frozen=True)
class NewToken:
    """A freshly created token and its clear value, which exists only in this object."""

    token: ApiToken
    secret: str


def hash_token(secret: str) -> str:
    """The stored form of a clear token: hex SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def audit_label(token: ApiToken) -> str:
    """How the audit log names changes made with `token`."""
    return f"token:{token.name}"


@use_case
def create_token(name: str, scope: str, actor: User | None) -> NewToken:
    """Create a token; the clear value is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the token a name, e.g. the system that will use it.", "name")
    if len(name) > MAX_NAME:
        raise DomainError(f"The name is longer than {MAX_NAME} characters.", "name")
    if scope not in SCOPES:
        raise DomainError("The scope must be read or write.", "scope")
    # The name labels the token's changes in the audit log, so two live tokens may not share it.
    taken = db.session.execute(
        select(ApiToken.id).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
    ).first()
    if taken is not None:
        raise DomainError("An active token already has this name.", "name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        scope=scope,
        token_hash=hash_token(secret),
        prefix=secret[:DISPLAY_PREFIX_LENGTH],
        created_by_id=actor.id if actor is not None else None,
        created_at=utcnow(),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token.create", "api_token", token.public_id, name=name,
                 scope=scope)
    db.session.commit()
    return NewToken(token=token, secret=secret)


@use_case
def revoke_token(token: ApiToken, actor: User | None) -> ApiToken:
    """Revoke a token at once; it is kept (revoked) so the audit trail still names it."""
    if token.revoked_at is not None:
        raise DomainError("This token is already revoked.", "token")
    token.revoked_at = utcnow()
    audit.record(actor, "api_token.revoke", "api_token", token.public_id, name=token.name)
    db.session.commit()
    return token


def authenticate(secret: str) -> ApiToken:
    """The active token whose clear value is `secret`; InvalidToken otherwise.

    Records when the token was last used (to the minute) and commits that.
    """
    secret = (secret or "").strip()
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
        raise InvalidToken("The API token is not valid.")
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == hash_token(secret))
    ).scalar_one_or_none()
    if token is None:
        raise InvalidToken("The API token is not valid.")
    if token.revoked_at is not None:
        raise InvalidToken("The API token has been revoked.")
    if not token_owner_active(token):
        raise InvalidToken("The API token's creator has been deactivated.")
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token


def token_owner_active(token: ApiToken) -> bool:
    """Whether the user a token acts for may still act: a token made in the console belongs
    to its creator and stops working while that user is deactivated (and works again if they
    are reactivated). Tokens made with `flask create-token` have no creator and are unaffected.
    """
    return token.created_by is None or token.created_by.is_active_user


def list_tokens() -> list[ApiToken]:
    """Every token, active ones first, newest first (the console's token list)."""
    return list(db.session.execute(
        select(ApiToken)
        .options(selectinload(ApiToken.created_by))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                  ApiToken.id.desc())
    ).scalars().all())


def get_token(public_id: str) -> ApiToken:
    """The token with this public id; NotFound otherwise."""
    token = db.session.execute(
        select(ApiToken).where(ApiToken.public_id == public_id)
    ).scalar_one_or_none()
    if token is None:
        raise NotFound("No such token.")
    return token
