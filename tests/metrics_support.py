"""Incidents with a scripted timeline: fixed timestamps, written straight to the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from statuspage.core.extensions import db
from statuspage.models import INCIDENT, Component, Incident, IncidentUpdate
from statuspage.page.record import get_page
from statuspage.plan import rules as plan
from statuspage.plan import save as plan_save

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def scripted_incident(
    started_at: datetime,
    severity: str,
    public_minutes: Sequence[int],
    resolved_minute: int | None = None,
    internal_minutes: Sequence[int] = (),
    components: Sequence[Component] = (),
    name: str = "Scripted",
    declared_minute: float = 0,
) -> Incident:
    """An incident whose public updates were published `public_minutes` after `started_at`
    (each dated back to `started_at`, as a backdated opening update is), and resolved by a
    public update `resolved_minute` after it; declared `declared_minute` after the start."""
    get_page()
    declared = started_at + timedelta(minutes=declared_minute)
    incident = Incident(kind=INCIDENT, name=name, severity=severity, started_at=started_at,
                        created_at=declared, updated_at=declared,
                        status="investigating")
    incident.components = list(components)
    for minute in public_minutes:
        incident.updates.append(_update("investigating", started_at, minute, "public"))
    for minute in internal_minutes:
        incident.updates.append(_update("investigating", started_at, minute, "internal"))
    if resolved_minute is not None:
        at = started_at + timedelta(minutes=resolved_minute)
        resolution = _update("resolved", started_at, resolved_minute, "public")
        resolution.display_at = at
        incident.updates.append(resolution)
        incident.status, incident.resolved_at = "resolved", at
    db.session.add(incident)
    db.session.commit()
    return incident


def approved_update(incident: Incident, drafted_at: datetime, published_at: datetime,
                    status: str = "identified", action: str = "approved") -> IncidentUpdate:
    """A public update drafted at `drafted_at` that waited for approval until
    `published_at` (dated then, as approving does)."""
    update = IncidentUpdate(status=status, body="Approved words.", visibility="public",
                            display_at=published_at, created_at=drafted_at,
                            updated_at=published_at, published_at=published_at,
                            reviewed_at=published_at, review_action=action)
    incident.updates.append(update)
    if status == "resolved":
        incident.status, incident.resolved_at = "resolved", published_at
    db.session.commit()
    return update


KEEP: Any = object()  # leave that field of the plan as it is


def set_targets(severity: str, first_update_minutes: int | None = KEEP,
                cadence_minutes: int | None = KEEP, approval: bool = KEEP) -> None:
    """Change a severity's row of the plan in force: its first-update target (minutes from
    the declaration), its cadence, whether public updates wait for approval."""
    rows = plan.load_plan()
    row = rows[severity]
    if first_update_minutes is not KEEP:
        row.first_update_minutes = first_update_minutes
    if cadence_minutes is not KEEP:
        row.cadence_minutes = cadence_minutes
    if approval is not KEEP:
        row.approval = approval
    plan_save._write(rows)
    db.session.commit()


def _update(status: str, started_at: datetime, minute: int, visibility: str) -> IncidentUpdate:
    posted = started_at + timedelta(minutes=minute)
    return IncidentUpdate(status=status, body=f"At +{minute} min.", visibility=visibility,
                          display_at=started_at, created_at=posted, updated_at=posted,
                          published_at=posted)


def declared_at(incident: Incident, at: datetime) -> Incident:
    """Rewrite an incident opened just now as if declared, and its updates published, at `at`
    (tests run now and pass an earlier clock: the public saw those updates at `at`)."""
    incident.created_at = at
    for update in incident.updates:
        update.created_at = at
        if update.published_at is not None:
            update.published_at = at
    db.session.commit()
    return incident


def published_at(update: IncidentUpdate, at: datetime) -> IncidentUpdate:
    """Rewrite an update posted just now as if posted and published at `at`."""
    update.created_at = update.updated_at = at
    if update.published_at is not None:
        update.published_at = at
    db.session.commit()
    return update
