"""The management API's reads of subscribers: Statuspage's list, counts and histogram.

Statuspage names states and types its own way; here they are mapped onto ours:
- state `active`, `unconfirmed` as ours; `quarantined` is our `suppressed` (a provider said the
  address is dead, or its owner complained); `all` is every state but unsubscribed, which
  Statuspage lists apart (`unsubscribed`);
- type `email`, `sms`, `webhook` and the chat providers (`slack`, `teams`, `discord`,
  `googlechat`) are channels; `integration_partner` names nothing here.
Only page-wide public subscriptions are listed and counted (not stakeholder members' rows, not
erased records, not follows of one incident, which each incident lists: `followers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, or_, select
from sqlalchemy.orm import selectinload

from statuspage.core.extensions import db
from statuspage.models import Incident, Subscriber
from statuspage.models.subscribers import CHANNELS, CHAT_CHANNELS
from statuspage.subscriptions.queries import like_pattern, state_condition

API_STATES = ("active", "unconfirmed", "quarantined", "all")
INTEGRATION_PARTNER = "integration_partner"
API_TYPES = (*CHANNELS, *CHAT_CHANNELS, INTEGRATION_PARTNER)
SORT_FIELDS = ("primary", "created_at", "quarantined_at", "relevance")
# The states a histogram counts, under Statuspage's names.
COUNTED_STATES = {"active": "active", "unconfirmed": "unconfirmed",
                  "suppressed": "quarantined"}


@dataclass(frozen=True)
class ListRequest:
    """One page of the list: filters (empty `type`: every type), order and paging."""

    q: str = ""
    type: str = ""
    state: str = "active"
    sort_field: str = "primary"
    descending: bool = False
    limit: int = 100
    offset: int = 0


def _state(state: str) -> ColumnElement[bool]:
    if state == "all":
        # Every state but unsubscribed (suppression wins over unsubscription, as in .state).
        return or_(Subscriber.suppressed_at.is_not(None), Subscriber.unsubscribed_at.is_(None))
    return state_condition("suppressed" if state == "quarantined" else state)


# A record shows the components and the followed incident: loaded with the page of rows.
_LOADED = (selectinload(Subscriber.components), selectinload(Subscriber.incident))


def _base(type_: str = "") -> Select[Subscriber]:
    query = select(Subscriber).where(Subscriber.public(), Subscriber.page_wide(),
                                     Subscriber.erased_at.is_(None)).options(*_LOADED)
    if type_:
        query = query.where(Subscriber.channel == type_)
    return query


def subscribers(request: ListRequest) -> list[Subscriber]:
    """The page of subscribers the request asks for."""
    query = _base(request.type).where(_state(request.state))
    q = request.q.strip().lower()
    if q:
        # A substring of the address, case-insensitive; a chat row's address is a
        # fingerprint, so chat destinations are never found by their URL (the console's rule).
        query = query.where(Subscriber.address.ilike(like_pattern(q), escape="\\"))
    columns: dict[str, ColumnElement[Any]] = {
        "primary": Subscriber.address.expression,
        "created_at": Subscriber.created_at.expression,
        "quarantined_at": Subscriber.suppressed_at.expression,
        # The exact address first, then those starting with q, then the others.
        "relevance": case((func.lower(Subscriber.address) == q, literal(0)),
                          (func.lower(Subscriber.address).startswith(q, autoescape=True),
                           literal(1)), else_=literal(2)),
    }
    column = columns[request.sort_field]
    order = column.desc() if request.descending else column.asc()
    tie = Subscriber.id.desc() if request.descending else Subscriber.id.asc()
    # Ties (relevance, equal times) by address, then by id: a stable order to page through.
    return list(db.session.execute(
        query.order_by(order, Subscriber.address, tie).limit(request.limit)
        .offset(request.offset)
    ).scalars())


def unsubscribed(limit: int, offset: int) -> list[Subscriber]:
    """Page subscribers who left (or were unsubscribed), most recent first."""
    return list(db.session.execute(
        _base().where(state_condition("unsubscribed"))
        .order_by(Subscriber.unsubscribed_at.desc(), Subscriber.id.desc())
        .limit(limit).offset(offset)
    ).scalars())


def histogram() -> dict[str, dict[str, int]]:
    """Page subscribers by channel, then by state (active, unconfirmed, quarantined, total)."""
    state = case((Subscriber.suppressed_at.is_not(None), literal("suppressed")),
                 (Subscriber.unsubscribed_at.is_not(None), literal("unsubscribed")),
                 (Subscriber.confirmed_at.is_not(None), literal("active")),
                 else_=literal("unconfirmed"))
    rows = db.session.execute(
        select(Subscriber.channel, state, func.count())
        .where(Subscriber.public(), Subscriber.page_wide(), Subscriber.erased_at.is_(None))
        .group_by(Subscriber.channel, state)
    ).all()
    result = {kind: {**dict.fromkeys(COUNTED_STATES.values(), 0), "total": 0}
              for kind in API_TYPES}
    for channel, ours, count in rows:
        name = COUNTED_STATES.get(ours)
        if name is None or channel not in result:
            continue  # unsubscribed rows are not counted, as in Statuspage
        result[channel][name] += int(count)
        result[channel]["total"] += int(count)
    return result


def count_by_type(type_: str, state: str) -> dict[str, int]:
    """How many page subscribers of each type are in `state` (only `type_` when given)."""
    rows = db.session.execute(
        _base(type_).where(_state(state)).with_only_columns(Subscriber.channel, func.count())
        .group_by(Subscriber.channel)
    ).all()
    counts = dict.fromkeys([type_] if type_ else API_TYPES, 0)
    for channel, count in rows:
        if channel in counts:
            counts[channel] = int(count)
    return counts


def followers(incident: Incident, limit: int, offset: int) -> list[Subscriber]:
    """The incident's followers (not those whose follow ended or who left), oldest first."""
    return list(db.session.execute(
        select(Subscriber).where(Subscriber.public(), Subscriber.incident_id == incident.id,
                                 Subscriber.erased_at.is_(None), _state("all"))
        .options(*_LOADED).order_by(Subscriber.id).limit(limit).offset(offset)
    ).scalars())


def named(public_ids: list[str]) -> dict[str, Subscriber]:
    """The public subscribers (page-wide or followers) among these ids, by id."""
    if not public_ids:
        return {}
    return {s.public_id: s for s in db.session.execute(
        select(Subscriber).where(Subscriber.public_id.in_(public_ids), Subscriber.public(),
                                 Subscriber.erased_at.is_(None))).scalars()}


def follower(incident: Incident, public_id: str) -> Subscriber | None:
    """One of the incident's followers by id, whatever its state (None if it names none)."""
    return db.session.execute(
        select(Subscriber).where(Subscriber.public(), Subscriber.incident_id == incident.id,
                                 Subscriber.erased_at.is_(None),
                                 Subscriber.public_id == public_id)
    ).scalar_one_or_none()
