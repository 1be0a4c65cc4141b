"""Who a fan-out event reaches: the one definition the expansion and the reach preview share.

Three audiences live in the one recipient table (statuspage.models.subscribers):
- the public: active page-wide subscribers (`Subscriber.public()`, no incident) of the
  event's public channels who follow one of its components (none chosen = all; an event that
  names none concerns all);
- the incident's followers (subscriptions.follows): active rows following the event's
  incident, on the event's public channels, whatever its components. Only public events
  have public channels, so an internal update or a draft's notice never reaches them, and
  another incident's events never do;
- stakeholder groups: the active recipient rows of each routed group's members, on that
  route's channels. Members need no opt-in and do not filter by component.

The plan names chat as one channel, "chat"; here it stands for every chat provider's
destinations (CHAT_CHANNELS: a recipient row's channel is its provider).

Everyone gets an event once per channel: a follower is left out when the same address is
reached as a page-wide subscriber, and a stakeholder row when it is reached as either or
through another routed group (the lowest row id wins). Otherwise someone in two groups would
get two emails, and SendGrid refuses a whole batch that names one address twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import aliased

from statuspage.core.extensions import db
from statuspage.models import Component, StakeholderGroup, StakeholderMember, Subscriber
from statuspage.models.subscribers import CHAT, CHAT_CHANNELS, subscriber_component

GroupRoute = tuple[int, tuple[str, ...]]  # (stakeholder group id, channels)


@dataclass(frozen=True)
class Audience:
    """An event's audience, resolved for querying.

    channels: the public channels; components: the affected components with their groups
    (see with_groups); groups: the routed stakeholder groups by database id; incident: the
    event's incident by database id, whose followers it reaches on the public channels.
    """

    channels: tuple[str, ...] = ()
    components: tuple[int, ...] = ()
    groups: tuple[GroupRoute, ...] = ()
    incident: int | None = None


def with_groups(component_ids: Sequence[int]) -> list[int]:
    """The affected components plus their groups: a subscriber may follow a whole group."""
    if not component_ids:
        return []
    groups = db.session.execute(
        select(Component.group_id).where(Component.id.in_(list(component_ids)),
                                         Component.group_id.is_not(None))
    ).scalars().all()
    return sorted(set(component_ids) | {g for g in groups if g is not None})


def recipient_channels(channels: Sequence[str]) -> tuple[str, ...]:
    """The plan's channels as recipient rows name them: "chat" becomes every chat provider."""
    expanded: list[str] = []
    for channel in channels:
        for name in (CHAT_CHANNELS if channel == CHAT else (channel,)):
            if name not in expanded:
                expanded.append(name)
    return tuple(expanded)


def group_routes(routes: Mapping[str, Sequence[str]]) -> tuple[GroupRoute, ...]:
    """{group public_id: channels} as (group id, channels); a group deleted since drops out."""
    keys = [key for key, channels in routes.items() if channels]
    if not keys:
        return ()
    ids = dict(db.session.execute(
        select(StakeholderGroup.public_id, StakeholderGroup.id)
        .where(StakeholderGroup.public_id.in_(keys))).all())
    return tuple(sorted((ids[key], recipient_channels(routes[key]))
                        for key in keys if key in ids))


def audience_for(channels: Sequence[str], component_ids: Sequence[int],
                 routes: Mapping[str, Sequence[str]] | None = None,
                 incident_id: int | None = None) -> Audience:
    """The audience of an event: public channels, affected components, stakeholder routes
    (channels as the plan names them: "chat" is expanded to the chat providers), and the
    incident whose followers it reaches."""
    return Audience(recipient_channels(channels),
                    tuple(with_groups(sorted(set(component_ids)))),
                    group_routes(routes or {}), incident_id)


def _active(row: type[Subscriber]) -> list[ColumnElement[bool]]:
    return [row.confirmed_at.is_not(None), row.unsubscribed_at.is_(None),
            row.suppressed_at.is_(None)]


def _public(row: type[Subscriber], audience: Audience) -> ColumnElement[bool]:
    if not audience.channels:
        return false()
    conditions = [row.stakeholder_member_id.is_(None), row.incident_id.is_(None),
                  row.channel.in_(audience.channels), *_active(row)]
    if audience.components:
        chosen = subscriber_component.c
        follows_some = exists().where(chosen.subscriber_id == row.id)
        follows_these = exists().where(chosen.subscriber_id == row.id,
                                       chosen.component_id.in_(audience.components))
        conditions.append(or_(~follows_some, follows_these))
    return and_(*conditions)


def _followers(row: type[Subscriber], audience: Audience) -> ColumnElement[bool]:
    if audience.incident is None or not audience.channels:
        return false()
    return and_(row.incident_id == audience.incident, row.channel.in_(audience.channels),
                *_active(row))


def _members(row: type[Subscriber], audience: Audience) -> ColumnElement[bool]:
    routed = [
        and_(row.channel.in_(channels), row.stakeholder_member_id.in_(
            select(StakeholderMember.id).where(StakeholderMember.group_id == group_id)))
        for group_id, channels in audience.groups
    ]
    return and_(row.stakeholder_member_id.is_not(None), *_active(row), or_(*routed))


def audience_condition(audience: Audience) -> ColumnElement[bool]:
    """Which recipient rows an event reaches (see the module's docstring).

    The fan-out and the composer's reach preview both use this one definition, so the
    preview's counts are the deliveries the fan-out creates.
    """
    reached = [_public(Subscriber, audience)]
    if audience.incident is not None and audience.channels:
        page_wide = aliased(Subscriber)
        # Served by uq_subscriber_public_address: (channel, address) of page-wide rows.
        as_subscriber = exists().where(
            page_wide.channel == Subscriber.channel, page_wide.address == Subscriber.address,
            _public(page_wide, audience))
        reached.append(and_(_followers(Subscriber, audience), ~as_subscriber))
    if audience.groups:
        other = aliased(Subscriber)
        # Served by uq_subscriber_public_address and uq_subscriber_incident_address for
        # public rows; stakeholder rows are few.
        reached_otherwise = exists().where(
            other.channel == Subscriber.channel, other.address == Subscriber.address,
            other.id != Subscriber.id,
            or_(_public(other, audience), _followers(other, audience),
                and_(other.id < Subscriber.id, _members(other, audience))))
        reached.append(and_(_members(Subscriber, audience), ~reached_otherwise))
    return or_(*reached)
