"""Read queries shared by the public page, the feeds and the API (one place, eager-loaded)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from statuspage.core.extensions import db
from statuspage.models import (
    INCIDENT,
    MAINTENANCE,
    Component,
    ComponentChange,
    Incident,
    IncidentUpdate,
)
from statuspage.models.status import ACTIVE_INCIDENT_STATUSES, ACTIVE_MAINTENANCE_STATUSES
from statuspage.page.rollup import PageStatus, page_status


def _with_timeline(query: Select[Incident]) -> Select[Incident]:
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


# Incidents waiting for their opening update's approval exist only in the console: every
# public query leaves them out; the console asks for them with drafts=True.
SHOWN = Incident.awaiting_approval.is_(False)


def incidents(
    kind: str = INCIDENT,
    statuses: Sequence[str] | None = None,
    limit: int | None = None,
    newest_first: bool = True,
    since: datetime | None = None,
    drafts: bool = False,
) -> list[Incident]:
    """Incidents (or maintenances) with their timeline loaded, newest first by default."""
    query = select(Incident).where(Incident.kind == kind)
    if not drafts:
        query = query.where(SHOWN)
    if statuses is not None:
        query = query.where(Incident.status.in_(statuses))
    if since is not None:
        query = query.where(Incident.started_at >= since)
    order = Incident.scheduled_for if kind == MAINTENANCE else Incident.started_at
    query = query.order_by(order.desc() if newest_first else order.asc(), Incident.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.execute(_with_timeline(query)).scalars().all())


def unresolved_incidents(drafts: bool = False) -> list[Incident]:
    """Active incidents; with drafts=True also those awaiting approval (console only)."""
    return incidents(INCIDENT, ACTIVE_INCIDENT_STATUSES, drafts=drafts)


def recent_mixed(limit: int) -> list[Incident]:
    """Incidents and maintenances together, newest first (the feeds' order)."""
    query = (
        select(Incident)
        .where(SHOWN)
        .order_by(Incident.started_at.desc(), Incident.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(_with_timeline(query)).scalars().all())


def current_status(components: Sequence[Component] | None = None) -> PageStatus:
    leaves = [c for c in (components or ordered_components()) if not c.is_group]
    impacts = [i.impact for i in unresolved_incidents()] if not leaves else []
    maintenance_active = db.session.execute(
        select(Incident.id)
        .where(Incident.kind == MAINTENANCE, Incident.status.in_(ACTIVE_MAINTENANCE_STATUSES),
               SHOWN)
        .limit(1)
    ).first() is not None
    return page_status([c.status for c in leaves], impacts, maintenance_active)


# Statuses of everything the front page lists as current: active incidents, active maintenance
# and maintenance still to come.
OPEN_STATUSES = (*ACTIVE_INCIDENT_STATUSES, *ACTIVE_MAINTENANCE_STATUSES, "scheduled")


def open_items() -> list[Incident]:
    """Active incidents, active and upcoming maintenance, with timelines, in one query.

    Serves the front page; bounded by the number of open items (ix_incident_status), not by
    the size of the history.
    """
    query = (
        select(Incident)
        .where(Incident.status.in_(OPEN_STATUSES), SHOWN)
        .order_by(Incident.started_at.desc(), Incident.id.desc())
    )
    return list(db.session.execute(_with_timeline(query)).scalars().all())


def started_between(start: datetime, end: datetime, limit: int) -> list[Incident]:
    """Incidents and maintenances that started in [start, end), newest first, at most `limit`.

    Serves the front page's recent history and /history's months; no timeline is loaded,
    only the incident rows. The `kind IN (...)` lets ix_incident_kind_started serve the range.
    """
    query = (
        select(Incident)
        .where(
            Incident.kind.in_((INCIDENT, MAINTENANCE)),
            Incident.started_at >= start,
            Incident.started_at < end,
            SHOWN,
        )
        .order_by(Incident.started_at.desc(), Incident.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query).scalars().all())


def count_started_between(start: datetime, end: datetime) -> int:
    """How many incidents and maintenances started in [start, end) (for /history's months)."""
    query = select(func.count(Incident.id)).where(
        Incident.kind.in_((INCIDENT, MAINTENANCE)),
        Incident.started_at >= start,
        Incident.started_at < end,
        SHOWN,
    )
    return int(db.session.execute(query).scalar() or 0)


def any_started_before(moment: datetime) -> bool:
    """Whether anything started before `moment` (does /history have an older page?)."""
    query = (
        select(Incident.id)
        .where(Incident.kind.in_((INCIDENT, MAINTENANCE)), Incident.started_at < moment, SHOWN)
        .limit(1)
    )
    return db.session.execute(query).first() is not None


def incident_with_timeline(public_id: str, drafts: bool = False) -> Incident | None:
    """One incident or maintenance by its public id, timeline loaded (the permalink);
    one awaiting approval only with drafts=True (console)."""
    query = select(Incident).where(Incident.public_id == public_id)
    if not drafts:
        query = query.where(SHOWN)
    return db.session.execute(_with_timeline(query)).scalar_one_or_none()


def feed_items(limit: int) -> list[Incident]:
    """Incidents and maintenances together for /history.rss and /history.atom, newest first.

    A maintenance is dated by its window (`scheduled_for`), so an upcoming one sits on top as
    on Statuspage; an incident (no window) by `started_at`. A sort on an expression scans
    the incident table, which is fine for a response the cache rebuilds only on change.
    """
    published = func.coalesce(Incident.scheduled_for, Incident.started_at)
    query = (select(Incident).where(SHOWN)
             .order_by(published.desc(), Incident.id.desc()).limit(limit))
    return list(db.session.execute(_with_timeline(query)).scalars().all())
