"""Use-cases for components and component groups: create and edit, and find them.

Components and groups share one table, two levels deep: a group sits at the page root and
holds components; a component sits at the root or in a group. Creating or editing one
validates the form's values, places it (components.ordering), refreshes the status of each
group it left or joined, records an audit entry, marks the page changed and commits once.
Reordering is in components.ordering, deleting in components.deletion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from statuspage import audit
from statuspage.components.ordering import (
    finish_component,
    next_position,
    number_in_order,
    renumber,
)
from statuspage.core.errors import Conflict, DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.incidents.updates import refresh_group_status
from statuspage.models import Component, ComponentStatus, User, utcnow
from statuspage.outbox import publish as delivery
from statuspage.page.record import get_page

MAX_NAME = 255
MAX_DESCRIPTION = 2_000


@dataclass
class ComponentInput:
    """What the component form edits. For a group, `status` and `group_id` are ignored."""

    name: str
    description: str = ""
    group_id: int | None = None
    showcase: bool = True
    only_show_if_degraded: bool = False
    start_date: date | None = None
    status: str = ComponentStatus.OPERATIONAL.value


@dataclass
class GroupInput:
    """A group's name and description, and (when not None) the components it holds."""

    name: str
    description: str = ""
    component_ids: Sequence[int] | None = None


def get_component(public_id: str) -> Component:
    """The component or group with this public id; NotFound otherwise."""
    component = db.session.execute(
        select(Component).where(Component.public_id == public_id)
    ).scalar_one_or_none()
    if component is None:
        raise NotFound("No such component.")
    return component


def groups() -> list[Component]:
    """Every group, in display order (the choices of the form's group select)."""
    return list(db.session.execute(
        select(Component).where(Component.is_group.is_(True))
        .order_by(Component.position, Component.id)
    ).scalars().all())


@use_case
def create_component(data: ComponentInput, actor: User | None) -> Component:
    """Add a component at the end of its parent (the root or a group)."""
    group = _check(data, None)
    now = utcnow()
    component = Component(created_at=now, updated_at=now, is_group=False)
    _apply(component, data, group)
    component.position = next_position(group)
    db.session.add(component)
    db.session.flush()
    refresh_group(component.group_id, now)
    audit.record(actor, "component.create", "component", component.public_id,
                 name=component.name, group=group.public_id if group else None,
                 status=component.status)
    return finish_component(component)


@use_case
def create_group(name: str, actor: User | None, description: str = "",
                 component_ids: Sequence[int] = ()) -> Component:
    """Add a group at the end of the root list, optionally moving components into it."""
    _check_name(name)
    _check_description(description)
    now = utcnow()
    group = Component(name=name.strip(), description=description.strip() or None,
                      is_group=True, showcase=False, position=next_position(None),
                      created_at=now, updated_at=now)
    db.session.add(group)
    db.session.flush()
    moved = _load(component_ids)
    if any(c.is_group for c in moved):
        raise DomainError("A group cannot contain another group.", "components")
    old_parents = {c.group_id for c in moved}
    for component in moved:
        component.group_id = group.id
    number_in_order(moved)  # the new group is empty: they take 1..n in the order chosen
    for parent_id in old_parents:
        renumber(parent_id)
        refresh_group(parent_id, now)
    refresh_group(group.id, now)
    audit.record(actor, "group.create", "component", group.public_id, name=group.name,
                 components=[c.public_id for c in moved])
    return finish_component(group)


@use_case
def update_component(component: Component, data: ComponentInput,
                     actor: User | None) -> Component:
    """Edit a component or group; a component that changes group goes to the new one's end."""
    group = _check(data, component)
    now = utcnow()
    old_group_id, old_status = component.group_id, component.status
    before = {"name": component.name, "status": old_status, "group_id": old_group_id}
    _apply(component, data, group)
    component.updated_at = now
    if not component.is_group and component.group_id != old_group_id:
        component.position = next_position(group)
        db.session.flush()
        renumber(old_group_id)
        refresh_group(old_group_id, now)
    db.session.flush()
    refresh_group(component.group_id, now)
    # Set by hand here (not through an incident): webhook subscribers hear of it all the same.
    delivery.create_component_fanout(component, old_status, now)
    audit.record(actor, "component.update", "component", component.public_id,
                 before=before, name=component.name, status=component.status,
                 group=group.public_id if group else None)
    return finish_component(component)


@use_case
def update_group(group: Component, data: GroupInput, actor: User | None) -> Component:
    """Rename a group and, when `data.component_ids` is given, set exactly what it holds.

    The components named join it in the order given (leaving their old parents, which are
    renumbered); those it held but are not named move to the end of the root list, as when
    a group is deleted with `ungroup`. One commit, one audit entry.
    """
    if not group.is_group:
        raise Conflict("This is a component, not a group.", "id")
    _check_name(data.name)
    _check_description(data.description)
    now = utcnow()
    before = {"name": group.name, "components": [c.public_id for c in group.children]}
    group.name = data.name.strip()
    group.description = (data.description or "").strip() or None
    group.updated_at = now
    if data.component_ids is not None:
        _set_members(group, _load(data.component_ids), now)
    audit.record(actor, "group.update", "component", group.public_id, before=before,
                 name=group.name, components=[c.public_id for c in group.children])
    return finish_component(group)


def _set_members(group: Component, wanted: list[Component], now: datetime) -> None:
    if any(c.is_group for c in wanted):
        raise DomainError("A group cannot contain another group.", "components")
    keep = {c.id for c in wanted}
    leaving = [c for c in group.children if c.id not in keep]
    old_parents = {c.group_id for c in wanted} - {group.id}
    for component in wanted:
        component.group_id = group.id
    number_in_order(wanted)
    start = next_position(None)
    for offset, kid in enumerate(leaving):
        kid.group_id = None
        kid.position = start + offset
    db.session.flush()
    for parent_id in old_parents | ({None} if leaving else set()):
        renumber(parent_id)
        refresh_group(parent_id, now)
    refresh_group(group.id, now)


def _check(data: ComponentInput, component: Component | None) -> Component | None:
    """Validate the form's values; returns the chosen group (None for the root)."""
    _check_name(data.name)
    _check_description(data.description)
    is_group = component is not None and component.is_group
    if not is_group and data.status not in {s.value for s in ComponentStatus}:
        raise DomainError("Choose a status.", "status")
    if data.start_date is not None:
        today = datetime.now(ZoneInfo(get_page().time_zone)).date()
        if data.start_date > today:
            raise DomainError("The start date cannot be in the future.", "start_date")
    if data.group_id is None or is_group:
        if is_group and data.group_id is not None:
            raise Conflict("A group cannot be put inside another group.", "group_id")
        return None
    group = db.session.get(Component, data.group_id)
    if group is None or not group.is_group:
        raise DomainError("Choose an existing group.", "group_id")
    return group


def _check_name(name: str) -> None:
    if not name or not name.strip():
        raise DomainError("Give it a name.", "name")
    if len(name.strip()) > MAX_NAME:
        raise DomainError(f"The name is longer than {MAX_NAME} characters.", "name")


def _check_description(description: str) -> None:
    if len(description or "") > MAX_DESCRIPTION:
        raise DomainError(f"The description is longer than {MAX_DESCRIPTION} characters.",
                          "description")


def _apply(component: Component, data: ComponentInput, group: Component | None) -> None:
    component.name = data.name.strip()
    component.description = (data.description or "").strip() or None
    if component.is_group:
        return
    component.group_id = group.id if group is not None else None
    component.showcase = data.showcase
    component.only_show_if_degraded = data.only_show_if_degraded
    component.start_date = data.start_date
    component.status = data.status


def refresh_group(group_id: int | None, now: datetime) -> None:
    if group_id is None:
        return
    group = db.session.get(Component, group_id)
    if group is not None:
        db.session.refresh(group, ["children"])
        refresh_group_status(group, now)


def _load(ids: Sequence[int]) -> list[Component]:
    if not ids:
        return []
    found = {c.id: c for c in db.session.execute(
        select(Component).where(Component.id.in_(ids))
    ).scalars()}
    if len(found) != len(set(ids)):
        raise DomainError("A chosen component no longer exists.", "components")
    return [found[i] for i in dict.fromkeys(ids)]
