"""Incidents with a scripted timeline: fixed timestamps, written straight to the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from statuspage.extensions import db
from statuspage.models import INCIDENT, Component, Incident, IncidentUpdate
from statuspage.pages import get_page

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def scripted_incident(
    started_at: datetime,
    severity: str,
    public_minutes: Sequence[int],
    resolved_minute: int | None = None,
    internal_minutes: Sequence[int] = (),
    components: Sequence[Component] = (),
    name: str = "Scripted",
) -> Incident:
    """An incident whose public updates were posted `public_minutes` after `started_at`
    (each dated back to `started_at`, as a backdated opening update is), and resolved by a
    public update `resolved_minute` after it."""
    get_page()
    incident = Incident(kind=INCIDENT, name=name, severity=severity, started_at=started_at,
                        created_at=started_at, updated_at=started_at,
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


def _update(status: str, started_at: datetime, minute: int, visibility: str) -> IncidentUpdate:
    posted = started_at + timedelta(minutes=minute)
    return IncidentUpdate(status=status, body=f"At +{minute} min.", visibility=visibility,
                          display_at=started_at, created_at=posted, updated_at=posted)
