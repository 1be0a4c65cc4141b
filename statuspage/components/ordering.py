"""Where components sit: their order within the root or a group, moved or set explicitly.

`position` is 1-based within the parent (the page root or a group) and every change
renumbers the parent to 1..n, so the order stays gap-free however items move; the helpers
here (siblings, next position, numbering) are what every component use-case places items
with, and `finish_component` is the commit they end with (the page marked changed, then one commit).
Move and reorder record an audit entry each, like the other component use-cases.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from statuspage import audit
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import Component, User
from statuspage.page.record import touch_page


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
    number_in_order(siblings)
    audit.record(actor, "component.move", "component", component.public_id,
                 direction=direction, position=component.position)
    return finish_component(component)


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
    number_in_order(ordered)
    audit.record(actor, "component.reorder", "component",
                 parent.public_id if parent is not None else "",
                 order=[c.public_id for c in ordered])
    touch_page()
    db.session.commit()
    return ordered


def _siblings(parent_id: int | None) -> list[Component]:
    parent_filter = (Component.group_id.is_(None) if parent_id is None
                     else Component.group_id == parent_id)
    return list(db.session.execute(
        select(Component).where(parent_filter).order_by(Component.position, Component.id)
    ).scalars().all())


def next_position(group: Component | None) -> int:
    parent_filter = (Component.group_id.is_(None) if group is None
                     else Component.group_id == group.id)
    highest = db.session.execute(
        select(func.max(Component.position)).where(parent_filter)
    ).scalar_one_or_none()
    return (highest or 0) + 1


def number_in_order(items: Sequence[Component]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position
    db.session.flush()


def renumber(parent_id: int | None) -> None:
    """Renumber a parent's items 1..n, keeping their current order."""
    number_in_order(_siblings(parent_id))


def finish_component(component: Component) -> Component:
    touch_page()
    db.session.commit()
    return component
