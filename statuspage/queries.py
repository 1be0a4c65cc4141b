"""Read queries shared by the public page, the feeds and the API (one place, eager-loaded)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from statuspage.extensions import db
from statuspage.models import (
    INCIDENT,
    MAINTENANCE,
    Component,
    ComponentChange,
    Incident,
    IncidentUpdate,
)
from statuspage.models.status import ACTIVE_INCIDENT_STATUSES, ACTIVE_MAINTENANCE_STATUSES
from statuspage.rollup import PageStatus, page_status


def _with_timeline(query: Select[tuple[Incident]]) -> Select[tuple[Incident]]:
    return query.options(
        selectinload(Incident.updates)
        .selectinload(IncidentUpdate.changes)
        .selectinload(ComponentChange.component)
        .selectinload(Component.group),
        selectinload(Incident.components).selectinload(Component.group),
    )


def ordered_components() -> list[Component]:
    """Every component in display order: root items by position, each group then its children."""
    rows = db.session.execute(
        select(Component).order_by(Component.position, Component.id)
    ).scalars().all()
    roots = [c for c in rows if c.group_id is None]
    children: dict[int, list[Component]] = {}
    for c in rows:
        if c.group_id is not None:
            children.setdefault(c.group_id, []).append(c)
    ordered: list[Component] = []
    for root in roots:
        ordered.append(root)
        ordered.extend(children.get(root.id, []))
    return ordered


def incidents(
    kind: str = INCIDENT,
    statuses: Sequence[str] | None = None,
    limit: int | None = None,
    newest_first: bool = True,
    since: datetime | None = None,
) -> list[Incident]:
    """Incidents (or maintenances) with their timeline loaded, newest first by default."""
    query = select(Incident).where(Incident.kind == kind)
    if statuses is not None:
        query = query.where(Incident.status.in_(statuses))
    if since is not None:
        query = query.where(Incident.started_at >= since)
    order = Incident.scheduled_for if kind == MAINTENANCE else Incident.started_at
    query = query.order_by(order.desc() if newest_first else order.asc(), Incident.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.execute(_with_timeline(query)).scalars().all())


def unresolved_incidents() -> list[Incident]:
    return incidents(INCIDENT, ACTIVE_INCIDENT_STATUSES)


def recent_mixed(limit: int) -> list[Incident]:
    """Incidents and maintenances together, newest first (the feeds' order)."""
    query = (
        select(Incident)
        .order_by(Incident.started_at.desc(), Incident.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(_with_timeline(query)).scalars().all())


def current_status(components: Sequence[Component] | None = None) -> PageStatus:
    leaves = [c for c in (components or ordered_components()) if not c.is_group]
    impacts = [i.impact for i in unresolved_incidents()] if not leaves else []
    maintenance_active = db.session.execute(
        select(Incident.id)
        .where(Incident.kind == MAINTENANCE, Incident.status.in_(ACTIVE_MAINTENANCE_STATUSES))
        .limit(1)
    ).first() is not None
    return page_status([c.status for c in leaves], impacts, maintenance_active)
