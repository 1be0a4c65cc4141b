"""The console's reads of subscribers: the list with its search box and filters, and one by id.

`filtered` turns the list's search and filters (SubscriberFilter) into one query, shared by
the console list and the CSV export (statuspage.subscriptions.csv_export), so a download
holds what the list shows (but the followers of single incidents, which it leaves out).
Stakeholder members' rows are left out: they belong to their group's page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import selectinload

from statuspage.core.errors import NotFound
from statuspage.core.extensions import db
from statuspage.models import CHANNELS, Incident, Subscriber
from statuspage.models.subscribers import CHAT_CHANNELS
from statuspage.subscriptions.chat import CHAT

STATES = ("active", "unconfirmed", "unsubscribed", "suppressed")
# The list's channel filter: each channel, each chat provider, and "chat" for all of those.
FILTER_CHANNELS = (*CHANNELS, CHAT, *CHAT_CHANNELS)
# What a subscription covers: the whole page, or one incident (subscriptions.follows).
SCOPES = ("page", "incident")


@dataclass
class SubscriberFilter:
    """The list's search box and filters; empty values filter nothing."""

    search: str = ""
    channel: str = ""
    state: str = ""
    scope: str = ""
    # An incident's public id: its followers only.
    incident: str = ""


def state_condition(state: str) -> ColumnElement[bool]:
    """The SQL form of Subscriber.state == state (suppression wins over unsubscription)."""
    if state == "suppressed":
        return Subscriber.suppressed_at.is_not(None)
    not_suppressed = Subscriber.suppressed_at.is_(None)
    if state == "unsubscribed":
        return and_(not_suppressed, Subscriber.unsubscribed_at.is_not(None))
    open_ = and_(not_suppressed, Subscriber.unsubscribed_at.is_(None))
    if state == "active":
        return and_(open_, Subscriber.confirmed_at.is_not(None))
    if state == "unconfirmed":
        return and_(open_, Subscriber.confirmed_at.is_(None))
    raise ValueError(f"unknown subscriber state {state!r}")


def like_pattern(text: str) -> str:
    # The search is a substring match: escape LIKE's own wildcards in what was typed.
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(filters: SubscriberFilter) -> Select[Subscriber]:
    """Subscribers matching the filters (unordered), with their components loaded.

    Unknown channel or state values filter nothing (they come from a query string).
    """
    # Stakeholder members' rows belong to their group's page, not the subscriber list.
    # Erased rows are anonymous opt-out records, nobody's subscription: not listed either.
    query = (select(Subscriber).where(Subscriber.public(), Subscriber.erased_at.is_(None))
             .options(selectinload(Subscriber.components), selectinload(Subscriber.incident)))
    search = filters.search.strip()
    # (A chat destination's row holds its URL's fingerprint: the search finds no chat URL.
    # The privacy page, a POST, looks one up; a search is a GET, whose URL is logged.)
    if search:
        # A substring match, case-insensitive: a full scan, fine for a console search box.
        query = query.where(Subscriber.address.ilike(like_pattern(search), escape="\\"))
    if filters.channel == CHAT:
        query = query.where(Subscriber.channel.in_(CHAT_CHANNELS))
    elif filters.channel in FILTER_CHANNELS:
        query = query.where(Subscriber.channel == filters.channel)
    if filters.state in STATES:
        query = query.where(state_condition(filters.state))
    if filters.scope == "page":
        query = query.where(Subscriber.page_wide())
    elif filters.scope == "incident":
        query = query.where(Subscriber.incident_id.is_not(None))
    if filters.incident:
        # uq_subscriber_incident_address serves one incident's followers.
        query = query.where(Subscriber.incident_id.in_(
            select(Incident.id).where(Incident.public_id == filters.incident)))
    return query


def filtered_incident(filters: SubscriberFilter) -> Incident | None:
    """The incident whose followers the list is filtered to, if any."""
    if not filters.incident:
        return None
    return db.session.execute(
        select(Incident).where(Incident.public_id == filters.incident)).scalar_one_or_none()


def subscriber_query(filters: SubscriberFilter) -> Select[Subscriber]:
    """The console list: matching subscribers, newest first."""
    return filtered(filters).order_by(Subscriber.id.desc())


def get_subscriber(public_id: str) -> Subscriber:
    """The subscriber with this public id; NotFound otherwise."""
    subscriber = db.session.execute(
        select(Subscriber).where(Subscriber.public_id == public_id, Subscriber.public(),
                                 Subscriber.erased_at.is_(None))
        .options(selectinload(Subscriber.components), selectinload(Subscriber.incident))
    ).scalar_one_or_none()
    if subscriber is None:
        raise NotFound("No such subscriber.")
    return subscriber
