"""One address, several rows: a page-wide subscription and follows of single incidents.

An email address or a number may be subscribed to the page and follow incidents, each a row
of its own (statuspage.subscriptions.follows), so that each has its own double opt-in,
links and end. What is true of the address itself holds for all of them:
- a provider saying the address is dead or complained (bounce, spam report, a dead number)
  suppresses every row (leaving.suppress), and a new row of a suppressed address is born
  suppressed (subscribe.sign_up): a follow cannot reopen a suppressed address;
- STOP from a number unsubscribes every row, START restores those STOP ended;
- erasure keeps the hash of the address on each row, so the lookups here find erased rows
  as sign-up does (subscriptions.erasure).
Stakeholder members' rows are left out: staff add and remove those.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, select

from statuspage.core.extensions import db
from statuspage.models import Subscriber
from statuspage.subscriptions import erasure


def of_address(channel: str, normalised: str) -> ColumnElement[bool]:
    """The public rows of a normalised address, page-wide and follows, also erased ones."""
    return and_(Subscriber.public(), Subscriber.channel == channel,
                Subscriber.address.in_(erasure.lookup_addresses(channel, normalised)))


def others(subscriber: Subscriber) -> ColumnElement[bool]:
    """The other public rows of this subscriber's address (by its hash once it is erased)."""
    return and_(Subscriber.public(), Subscriber.id != subscriber.id,
                Subscriber.channel == subscriber.channel,
                Subscriber.address.in_(erasure.lookup_addresses(subscriber.channel,
                                                                subscriber.address)))


def first_row(channel: str, normalised: str) -> Subscriber | None:
    """The row a provider's message about the address concerns (an inbound STOP or START):
    the page-wide subscription, or else the newest follow."""
    return db.session.execute(
        select(Subscriber).where(of_address(channel, normalised))
        .order_by(Subscriber.incident_id.is_not(None), erasure.live_first(),
                  Subscriber.id.desc()).limit(1)
    ).scalar_one_or_none()


def suppressed_elsewhere(channel: str, normalised: str,
                         other_than: int | None) -> Subscriber | None:
    """A row of the address (but `other_than`) a provider suppressed (bounce, spam report)."""
    condition = of_address(channel, normalised)
    if other_than is not None:
        condition = and_(condition, Subscriber.id != other_than)
    return db.session.execute(
        select(Subscriber).where(condition, Subscriber.suppressed_at.is_not(None))
        .order_by(Subscriber.id).limit(1)
    ).scalar_one_or_none()


def follows(channel: str, normalised: str) -> list[Subscriber]:
    """The address's follows of incidents, oldest first (for privacy export and erasure)."""
    return list(db.session.execute(
        select(Subscriber).where(of_address(channel, normalised),
                                 Subscriber.incident_id.is_not(None))
        .order_by(Subscriber.id)
    ).scalars())
