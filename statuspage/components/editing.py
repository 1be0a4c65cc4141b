"""Use-cases for components and component groups: create, edit, reorder, delete.

Components and groups share one table, two levels deep: a group sits at the page root and
holds components; a component sits at the root or in a group. `position` is 1-based within the
parent (root or group) and every change here renumbers the parent to 1..n, so the order stays
gap-free however items move. Each function records an audit entry, marks the page changed and
commits once.

Deleting a group never deletes what is in it by accident: the caller chooses `ungroup` (the
default: the children move to the end of the root list, keeping their order) or `delete`
(they go with the group). Losing components silently would drop their history from the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from statuspage import audit
from statuspage.core.errors import Conflict, DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.incidents.updates import refresh_group_status
from statuspage.models import (
    Component,
    ComponentChange,
    ComponentDay,
    ComponentStatus,
    User,
    incident_component,
    utcnow,
)
from statuspage.outbox import publish as delivery
from statuspage.page.record import get_page, touch_page

MAX_NAME = 255
MAX_DESCRIPTION = 2_000
CHILDREN_POLICIES = ("ungroup", "delete")


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
    component.position = _next_position(group)
    db.session.add(component)
    db.session.flush()
    _refresh_group(component.group_id, now)
    audit.record(actor, "component.create", "component", component.public_id,
                 name=component.name, group=group.public_id if group else None,
                 status=component.status)
    return _finish(component)


@use_case
def create_group(name: str, actor: User | None, description: str = "",
                 component_ids: Sequence[int] = ()) -> Component:
    """Add a group at the end of the root list, optionally moving components into it."""
    _check_name(name)
    _check_description(description)
    now = utcnow()
    group = Component(name=name.strip(), description=description.strip() or None,
                      is_group=True, showcase=False, position=_next_position(None),
                      created_at=now, updated_at=now)
    db.session.add(group)
    db.session.flush()
    moved = _load(component_ids)
    if any(c.is_group for c in moved):
        raise DomainError("A group cannot contain another group.", "components")
    old_parents = {c.group_id for c in moved}
    for component in moved:
        component.group_id = group.id
    _number(moved)  # the new group is empty: they take 1..n in the order chosen
    for parent_id in old_parents:
        _renumber(parent_id)
        _refresh_group(parent_id, now)
    _refresh_group(group.id, now)
    audit.record(actor, "group.create", "component", group.public_id, name=group.name,
                 components=[c.public_id for c in moved])
    return _finish(group)


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
        component.position = _next_position(group)
        db.session.flush()
        _renumber(old_group_id)
        _refresh_group(old_group_id, now)
    db.session.flush()
    _refresh_group(component.group_id, now)
    # Set by hand here (not through an incident): webhook subscribers hear of it all the same.
    delivery.create_component_fanout(component, old_status, now)
    audit.record(actor, "component.update", "component", component.public_id,
                 before=before, name=component.name, status=component.status,
                 group=group.public_id if group else None)
    return _finish(component)


@use_case
def move_component(component: Component, direction: str, actor: User | None) -> Component:
    """Swap a component (or group) with its neighbour above (`up`) or below (`down`)."""
    if direction not in ("up", "down"):
        raise DomainError("Move a component up or down.", "direction")
    siblings = _siblings(component.group_id)
    index = siblings.index(component)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
    _number(siblings)
    audit.record(actor, "component.move", "component", component.public_id,
                 direction=direction, position=component.position)
    return _finish(component)


@use_case
def reorder_components(parent: Component | None, ordered_ids: Sequence[int],
                       actor: User | None) -> list[Component]:
    """Set the order of every item in `parent` (None: the root) explicitly.

    `ordered_ids` must name each item of the parent exactly once, so a stale form (an item
    added or removed since it was loaded) is refused instead of half-applied.
    """
    parent_id = parent.id if parent is not None else None
    if parent is not None and not parent.is_group:
        raise DomainError("Only groups hold components.", "group_id")
    siblings = _siblings(parent_id)
    by_id = {c.id: c for c in siblings}
    if sorted(ordered_ids) != sorted(by_id):
        raise DomainError("The list changed since it was loaded; reload and try again.",
                          "positions")
    ordered = [by_id[i] for i in ordered_ids]
    _number(ordered)
    audit.record(actor, "component.reorder", "component",
                 parent.public_id if parent is not None else "",
                 order=[c.public_id for c in ordered])
    touch_page()
    db.session.commit()
    return ordered


@use_case
def delete_component(component: Component, actor: User | None,
                     children: str = "ungroup") -> None:
    """Delete a component, or a group with its children moved to the root or deleted.

    Its history rows (component changes in past updates, daily roll-ups, incident links) go
    too: explicitly, because SQLite does not enforce the ON DELETE CASCADE the schema declares.
    """
    if children not in CHILDREN_POLICIES:
        raise DomainError("Choose what happens to the group's components.", "children")
    now = utcnow()
    kids = list(component.children) if component.is_group else []
    if kids and children == "ungroup":
        start = _next_position(None)
        for offset, kid in enumerate(kids):
            kid.group_id = None
            kid.position = start + offset
    doomed = [component] + (kids if children == "delete" else [])
    doomed_ids = [c.id for c in doomed]
    parent_id = component.group_id
    audit.record(actor, "component.delete", "component", component.public_id,
                 name=component.name, is_group=component.is_group,
                 children=children if kids else None,
                 deleted=[c.public_id for c in doomed])
    db.session.flush()
    for table_filter in (
        delete(ComponentChange).where(ComponentChange.component_id.in_(doomed_ids)),
        delete(ComponentDay).where(ComponentDay.component_id.in_(doomed_ids)),
        delete(incident_component).where(incident_component.c.component_id.in_(doomed_ids)),
    ):
        db.session.execute(table_filter.execution_options(synchronize_session=False))
    for item in reversed(doomed):  # children before their group (foreign key order)
        db.session.delete(item)
        db.session.flush()
    db.session.expire_all()
    _renumber(parent_id)
    if kids and children == "ungroup":
        _renumber(None)
    _refresh_group(parent_id, now)
    touch_page()
    db.session.commit()


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


def _siblings(parent_id: int | None) -> list[Component]:
    parent_filter = (Component.group_id.is_(None) if parent_id is None
                     else Component.group_id == parent_id)
    return list(db.session.execute(
        select(Component).where(parent_filter).order_by(Component.position, Component.id)
    ).scalars().all())


def _next_position(group: Component | None) -> int:
    parent_filter = (Component.group_id.is_(None) if group is None
                     else Component.group_id == group.id)
    highest = db.session.execute(
        select(func.max(Component.position)).where(parent_filter)
    ).scalar_one_or_none()
    return (highest or 0) + 1


def _number(items: Sequence[Component]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position
    db.session.flush()


def _renumber(parent_id: int | None) -> None:
    """Renumber a parent's items 1..n, keeping their current order."""
    _number(_siblings(parent_id))


def _refresh_group(group_id: int | None, now: datetime) -> None:
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


def _finish(component: Component) -> Component:
    touch_page()
    db.session.commit()
    return component
