"""Helpers for the stakeholder tests: a plan routing groups, groups with members."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import Delivery, StakeholderGroup, StakeholderMember, Subscriber
from statuspage.models.plan import PLAN_SEVERITIES, PUBLIC
from statuspage.plan import save as plan_save
from statuspage.plan.document import VERSION, events_for
from statuspage.plan.stakeholder_members import MemberInput, add_member
from statuspage.plan.stakeholders import create_group


def store_plan(audiences: Mapping[str, Sequence[str]], severity: str = "SEV1") -> None:
    """A plan where, at `severity`, each audience (PUBLIC or a group name) hears every event
    on the given channels; nobody hears anything at the other severities."""
    plan_save.save_document({"version": VERSION, "severities": {
        sev: {"cadence_minutes": None, "approval": False, "audiences": {
            audience: {event: list(channels) for event in events_for(sev)}
            for audience, channels in audiences.items()} if sev == severity else {}}
        for sev in PLAN_SEVERITIES}}, None)


def group_with(name: str, *members: MemberInput) -> StakeholderGroup:
    group = create_group(name, "", None)
    for member in members:
        add_member(group, member, None)
    return group


def stakeholder_rows() -> list[Subscriber]:
    db.session.expire_all()
    return list(db.session.execute(
        select(Subscriber).where(Subscriber.stakeholder_member_id.is_not(None))
        .order_by(Subscriber.id)).scalars())


def delivered_by_audience(event_id: int) -> Counter[tuple[str, str]]:
    """{(audience, channel): deliveries} of an event: "public" or the group's public_id."""
    db.session.expire_all()
    rows = db.session.execute(
        select(StakeholderGroup.public_id, Delivery.channel)
        .select_from(Delivery)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .outerjoin(StakeholderMember, StakeholderMember.id == Subscriber.stakeholder_member_id)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == StakeholderMember.group_id)
        .where(Delivery.event_id == event_id)).all()
    return Counter((key or PUBLIC, channel) for key, channel in rows)
