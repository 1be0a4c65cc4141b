"""Links in subscriber messages: confirm, manage and one-click unsubscribe.

Links are absolute URLs on PUBLIC_BASE_URL, built without a request, so the worker that sends a
message builds the same links the web page would. Tokens carry the subscriber's public id and
token version only (see core.tokens): a link says nothing about the address it was sent to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from statuspage.core import tokens
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.models import Subscriber
from statuspage.notify.base import Recipient
from statuspage.plan import internal_links


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


def sms_code_url(subscriber: Subscriber) -> str:
    """The code page as an absolute link, for a text message."""
    return _absolute(sms_code_path(subscriber))


class Addressee(Protocol):
    """What recipient_for reads: a Subscriber, or a row of just these columns (the fan-out
    reads 1,000 at a time, and full ORM objects cost more than the message they address)."""

    id: int
    public_id: str
    address: str
    language: str
    token_version: int
    secret: str | None
    stakeholder_member_id: int | None


class Linker:
    """Manage and unsubscribe URLs for many subscribers: settings and key looked up once."""

    def __init__(self) -> None:
        self.base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
        self.sign = tokens.link_signer()
        self._internal: Callable[[str, str], str] | None = None

    def urls(self, public_id: str, version: int) -> tuple[str, str]:
        """(manage URL, one-click unsubscribe URL): one signed token serves both."""
        token = self.sign(public_id, version)
        return f"{self.base}/manage/{token}", f"{self.base}/unsubscribe/{token}"

    def internal(self, member_public_id: str, incident_public_id: str) -> str:
        """A stakeholder member's own link to the incident's internal view."""
        if self._internal is None:
            self._internal = internal_links.url_builder()
        return self._internal(member_public_id, incident_public_id)


def link_urls(public_id: str, version: int) -> tuple[str, str]:
    """(manage URL, one-click unsubscribe URL): one signed token serves both (see tokens)."""
    return Linker().urls(public_id, version)


def recipient_for(subscriber: Subscriber | Addressee, delivery_id: int | None,
                  linker: Linker | None = None, *, internal_url: str = "") -> Recipient:
    """Everything a channel needs to address one message to this subscriber.

    `linker`: one for a whole batch of recipients, so its lookups are made once.

    A stakeholder member gets no manage or unsubscribe link (and so no List-Unsubscribe
    header): staff add and remove members, and a one-click drop-out would let someone who
    must hear about incidents leave silently. Their messages say whom to ask instead, and
    link to the internal view of the incident (`internal_url`, see Linker.internal).
    """
    if subscriber.stakeholder_member_id is not None:
        return Recipient(delivery_id=delivery_id, subscriber_id=subscriber.id,
                         address=subscriber.address, language=subscriber.language,
                         manage_url="", unsubscribe_url="", secret=None, stakeholder=True,
                         internal_url=internal_url)
    manage, unsubscribe = (linker or Linker()).urls(subscriber.public_id,
                                                    subscriber.token_version)
    return Recipient(
        delivery_id=delivery_id,
        subscriber_id=subscriber.id,
        address=subscriber.address,
        language=subscriber.language,
        manage_url=manage,
        unsubscribe_url=unsubscribe,
        secret=subscriber.secret,
    )


def subscriber_for_token(purpose: str, token: str) -> Subscriber:
    """The subscriber a link names, or DomainError (forged, expired, superseded) / NotFound.

    A link dies when the subscriber's token version moves on: subscribing again after an
    unsubscribe starts a new consent, and links from the old one no longer act on it.
    """
    public_id, version = tokens.read_token(purpose, token)
    # A stakeholder member's row has no public links: staff manage members.
    subscriber = db.session.execute(
        select(Subscriber).where(Subscriber.public_id == public_id, Subscriber.public())
    ).scalar_one_or_none()
    if subscriber is None:
        raise NotFound(_("This subscription no longer exists."))
    if version != subscriber.token_version:
        raise DomainError(_("This link is no longer valid; use the one in the latest message "
                            "we sent you."))
    return subscriber


def subscriber_by_public_id(public_id: str) -> Subscriber | None:
    """A subscriber by the public id in an SMS code page's URL."""
    return db.session.execute(
        select(Subscriber).where(Subscriber.public_id == public_id, Subscriber.public())
    ).scalar_one_or_none()
