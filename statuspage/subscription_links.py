"""Links in subscriber messages: confirm, manage and one-click unsubscribe.

Links are absolute URLs on PUBLIC_BASE_URL, built without a request, so the worker that sends a
message builds the same links the web page would. Tokens carry the subscriber's public id and
token version only (see statuspage.tokens): a link says nothing about the address it was sent to.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from statuspage import tokens
from statuspage.errors import DomainError, NotFound
from statuspage.extensions import db
from statuspage.models import Subscriber
from statuspage.notify.base import Recipient


def _absolute(path: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}{path}"


def confirm_url(subscriber: Subscriber) -> str:
    """The email double opt-in link (expires after tokens.CONFIRM_MAX_AGE)."""
    token = tokens.make_token(tokens.CONFIRM, subscriber.public_id, subscriber.token_version)
    return _absolute(f"/subscribe/confirm/{token}")


def manage_path(subscriber: Subscriber) -> str:
    """The manage page's path (for redirects within the site)."""
    token = tokens.make_token(tokens.MANAGE, subscriber.public_id, subscriber.token_version)
    return f"/manage/{token}"


def manage_url(subscriber: Subscriber) -> str:
    """The subscriber's own page: change components, unsubscribe."""
    return _absolute(manage_path(subscriber))


def unsubscribe_url(subscriber: Subscriber) -> str:
    """The RFC 8058 one-click target: a POST here unsubscribes, with no cookie or login."""
    token = tokens.make_token(tokens.UNSUBSCRIBE, subscriber.public_id,
                              subscriber.token_version)
    return _absolute(f"/unsubscribe/{token}")


def sms_code_path(subscriber: Subscriber) -> str:
    """Where a visitor types the code texted to their number."""
    return f"/subscribe/sms/{subscriber.public_id}"


def recipient_for(subscriber: Subscriber, delivery_id: int | None) -> Recipient:
    """Everything a channel needs to address one message to this subscriber."""
    return Recipient(
        delivery_id=delivery_id,
        subscriber_id=subscriber.id,
        address=subscriber.address,
        language=subscriber.language,
        manage_url=manage_url(subscriber),
        unsubscribe_url=unsubscribe_url(subscriber),
        secret=subscriber.secret,
    )


def subscriber_for_token(purpose: str, token: str) -> Subscriber:
    """The subscriber a link names, or DomainError (forged, expired, superseded) / NotFound.

    A link dies when the subscriber's token version moves on: subscribing again after an
    unsubscribe starts a new consent, and links from the old one no longer act on it.
    """
    public_id, version = tokens.read_token(purpose, token)
    subscriber = db.session.execute(
        select(Subscriber).where(Subscriber.public_id == public_id)
    ).scalar_one_or_none()
    if subscriber is None:
        raise NotFound("This subscription no longer exists.")
    if version != subscriber.token_version:
        raise DomainError("This link is no longer valid; use the one in the latest message "
                          "we sent you.")
    return subscriber


def subscriber_by_public_id(public_id: str) -> Subscriber | None:
    """A subscriber by the public id in an SMS code page's URL."""
    return db.session.execute(
        select(Subscriber).where(Subscriber.public_id == public_id)
    ).scalar_one_or_none()
