"""Deleting a component, or a group with a choice of what happens to its components.

Deleting a group never deletes what is in it by accident: the caller chooses `ungroup` (the
default: the children move to the end of the root list, keeping their order) or `delete`
(they go with the group). Losing components silently would drop their history from the page.
What is deleted takes its history rows with it; the parent left behind is renumbered and its
status refreshed, all in one commit.
"""

from __future__ import annotations

from sqlalchemy import delete

from statuspage import audit
from statuspage.components.editing import refresh_group
from statuspage.components.ordering import next_position, renumber
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import (
    AlertMapping,
    AlertMatch,
    AutomaticStatus,
    Component,
    ComponentChange,
    ComponentDay,
    User,
    incident_component,
    utcnow,
)
from statuspage.models.subscribers import subscriber_component
from statuspage.page.record import touch_page

CHILDREN_POLICIES = ("ungroup", "delete")


@use_case
def delete_component(component: Component, actor: User | None,
                     children: str = "ungroup") -> None:
    """Delete a component, or a group with its children moved to the root or deleted.

    Its history rows (component changes in past updates, daily roll-ups, incident links) and
    subscribers' and alert mappings' choices of it go too: explicitly, because SQLite does not
    enforce the ON DELETE CASCADE the schema declares (PostgreSQL would delete the same rows).
    """
    if children not in CHILDREN_POLICIES:
        raise DomainError("Choose what happens to the group's components.", "children")
    now = utcnow()
    kids = list(component.children) if component.is_group else []
    if kids and children == "ungroup":
        start = next_position(None)
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
        # Subscribers' choices of it: else a later component given the same id in SQLite
        # (which reuses the highest) would be chosen for them.
        delete(subscriber_component).where(
            subscriber_component.c.component_id.in_(doomed_ids)),
        # Alert intake: the mappings to it, its alerts' matches, an automatic status it held.
        delete(AlertMapping).where(AlertMapping.component_id.in_(doomed_ids)),
        delete(AlertMatch).where(AlertMatch.component_id.in_(doomed_ids)),
        delete(AutomaticStatus).where(AutomaticStatus.component_id.in_(doomed_ids)),
    ):
        db.session.execute(table_filter.execution_options(synchronize_session=False))
    for item in reversed(doomed):  # children before their group (foreign key order)
        db.session.delete(item)
        db.session.flush()
    db.session.expire_all()
    renumber(parent_id)
    if kids and children == "ungroup":
        renumber(None)
    refresh_group(parent_id, now)
    touch_page()
    db.session.commit()
