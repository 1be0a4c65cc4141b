"""Stakeholder groups: the internal audiences of the communication plan.

A group has a name unique regardless of case (never "public", the plan's name for
subscribers) and is what the plan routes events to; renaming it keeps its rules, deleting it
takes its members, their recipient rows and delivery records, and its rules with it. Its
members are managed in plan.stakeholder_members.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from statuspage import audit
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import PlanRule, StakeholderGroup, StakeholderMember, Subscriber, User
from statuspage.models.plan import PUBLIC
from statuspage.plan.stakeholder_recipients import delete_deliveries

MAX_NAME = 100


def get_group(public_id: str) -> StakeholderGroup:
    """The group with this public id, or NotFound."""
    # The member list shows each member's recipient state (a bounce, a STOP): load it here.
    group = db.session.scalar(
        select(StakeholderGroup).filter_by(public_id=public_id)
        .options(selectinload(StakeholderGroup.members)
                 .selectinload(StakeholderMember.recipients)))
    if group is None:
        raise NotFound("No such stakeholder group.")
    return group


def groups_with_counts() -> list[tuple[StakeholderGroup, int]]:
    """Every group by name with its number of members (the stakeholder list page)."""
    rows = db.session.execute(
        select(StakeholderGroup, func.count(StakeholderMember.id))
        .outerjoin(StakeholderMember).group_by(StakeholderGroup.id)
        .order_by(StakeholderGroup.name))
    return [(group, count) for group, count in rows]


def _group_name(raw: str, current: StakeholderGroup | None = None) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise DomainError("Enter a name for the group.", "name")
    if len(name) > MAX_NAME:
        raise DomainError(f"Keep the name under {MAX_NAME} characters.", "name")
    # "public" is the plan's name for self-service subscribers.
    if name.lower() == PUBLIC:
        raise DomainError('"public" is the plan\'s name for subscribers; choose another.',
                          "name")
    clash = db.session.scalar(select(StakeholderGroup).where(
        func.lower(StakeholderGroup.name) == name.lower()))
    if clash is not None and clash is not current:
        raise DomainError(f"There is already a group called {clash.name}.", "name")
    return name


@use_case
def create_group(name: str, description: str, actor: User | None) -> StakeholderGroup:
    """Create a stakeholder group; names are unique regardless of case."""
    group = StakeholderGroup(name=_group_name(name), description=(description or "")[:500])
    db.session.add(group)
    db.session.flush()
    audit.record(actor, "stakeholder_group.create", "stakeholder_group", group.public_id,
                 name=group.name)
    db.session.commit()
    return group


@use_case
def rename_group(group: StakeholderGroup, name: str, description: str,
                 actor: User | None) -> StakeholderGroup:
    """Rename a group; the plan refers to it by id, so its rules follow."""
    old = group.name
    group.name = _group_name(name, group)
    group.description = (description or "")[:500]
    audit.record(actor, "stakeholder_group.update", "stakeholder_group", group.public_id,
                 old_name=old, name=group.name)
    db.session.commit()
    return group


@use_case
def delete_group(group: StakeholderGroup, actor: User | None) -> None:
    """Delete a group, its members and the plan's rules for it."""
    # Explicit, because SQLite does not enforce ON DELETE CASCADE without a pragma.
    db.session.execute(delete(PlanRule).where(PlanRule.group_id == group.id))
    delete_deliveries(select(Subscriber.id).join(StakeholderMember).where(
        StakeholderMember.group_id == group.id))
    audit.record(actor, "stakeholder_group.delete", "stakeholder_group", group.public_id,
                 name=group.name, members=len(group.members))
    db.session.delete(group)
    db.session.commit()
