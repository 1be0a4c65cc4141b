"""Seed a benchmark database: two years of history, 10,000 incidents, a few open ones.

History goes in with ORM bulk inserts (one statement per table and batch, column defaults
applied), then the daily roll-ups are built month by month with `uptime.refresh_days`, the
incidents of each month loaded once with their timelines so the roll-up reads no more rows.
The open incidents and the maintenance go through the real use-cases.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import selectinload

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import IncidentInput, open_incident
from statuspage.incidents.maintenance import MaintenanceInput, schedule_maintenance
from statuspage.incidents.updates import UpdateInput
from statuspage.models import (
    INCIDENT,
    MAINTENANCE,
    Component,
    ComponentChange,
    Incident,
    IncidentUpdate,
    incident_component,
    new_public_id,
    utcnow,
)
from statuspage.page import uptime
from statuspage.page.record import get_page, touch_page

DAYS = 730
BATCH = 2_000
GROUPS = {
    "Platform": ["API", "Dashboard", "Webhooks", "Search"],
    "Messaging": ["Email delivery", "SMS delivery", "Push notifications"],
    "Data": ["Primary database", "Analytics", "Backups"],
}
ROOT_COMPONENTS = ["Website", "Documentation"]
OUTAGES = ["degraded_performance", "partial_outage", "major_outage"]
BODY = ("We are investigating reports of **elevated error rates** affecting some customers. "
        "More details will follow as we learn more; see [our docs](https://example.com).")


def seed(incident_count: int, rng: random.Random) -> dict[str, int]:
    """Fill an empty schema; returns what was created, by kind."""
    now = utcnow()
    get_page()
    leaves = _components(now)
    leaf_ids = [c.id for c in leaves]
    rows = _history(incident_count, leaf_ids, now, rng)
    for table, batch in rows:
        for chunk in _chunks(batch):
            db.session.execute(insert(table), chunk)
    _advance_sequences()
    db.session.commit()
    _rollups(leaf_ids, (now - timedelta(days=DAYS + 1)).date(), now)
    open_count = _open_items(leaves, now)
    return {"components": len(leaves), "incidents": incident_count, "open": open_count}


def _components(now: datetime) -> list[Component]:
    start = (now - timedelta(days=DAYS + 10)).date()
    leaves: list[Component] = []
    position = 1
    for group_name, names in GROUPS.items():
        group = Component(name=group_name, is_group=True, showcase=False, position=position,
                          start_date=start)
        db.session.add(group)
        position += 1
        for index, name in enumerate(names, start=1):
            leaf = Component(name=name, group=group, position=index, start_date=start,
                             description=f"{name} for every region")
            db.session.add(leaf)
            leaves.append(leaf)
    for name in ROOT_COMPONENTS:
        leaf = Component(name=name, position=position, start_date=start)
        db.session.add(leaf)
        leaves.append(leaf)
        position += 1
    touch_page()
    db.session.commit()
    return leaves


def _history(count: int, leaf_ids: list[int], now: datetime,
             rng: random.Random) -> list[tuple[object, list[dict[str, object]]]]:
    """Rows for `count` closed incidents (3% maintenance) spread over the last DAYS days."""
    incidents: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    changes: list[dict[str, object]] = []
    links: list[dict[str, object]] = []
    span = (DAYS - 1) * 86_400
    for incident_id in range(1, count + 1):
        started = now - timedelta(days=DAYS) + timedelta(seconds=rng.randrange(span))
        resolved = started + timedelta(minutes=rng.randrange(15, 8 * 60))
        maintenance = rng.random() < 0.03
        affected = rng.sample(leaf_ids, rng.choice((1, 1, 1, 2, 3)))
        statuses = (["in_progress", "verifying", "completed"] if maintenance else
                    ["investigating", *rng.sample(["identified", "monitoring"],
                                                  rng.randrange(3)), "resolved"])
        incidents.append({
            "id": incident_id, "public_id": new_public_id(),
            "kind": MAINTENANCE if maintenance else INCIDENT,
            "name": f"{'Planned work' if maintenance else 'Degraded service'} #{incident_id}",
            "status": statuses[-1], "severity": None if maintenance else rng.choice(
                ("SEV1", "SEV2", "SEV3", "SEV3", "SEV4")),
            "started_at": started, "created_at": started, "updated_at": resolved,
            "resolved_at": resolved,
            "scheduled_for": started if maintenance else None,
            "scheduled_until": resolved if maintenance else None,
        })
        links.extend({"incident_id": incident_id, "component_id": c} for c in affected)
        step = (resolved - started) / (len(statuses) - 1)
        current = dict.fromkeys(affected, "operational")
        for index, status in enumerate(statuses):
            at = started + step * index
            update_id = len(updates) + 1
            updates.append({
                "id": update_id, "public_id": new_public_id(), "incident_id": incident_id,
                "status": status, "body": BODY, "visibility": "public",
                "deliver_notifications": True, "display_at": at, "created_at": at,
                "updated_at": at,
            })
            final = index == len(statuses) - 1
            for component_id in affected:
                new = ("operational" if final else
                       "under_maintenance" if maintenance else rng.choice(OUTAGES))
                changes.append({"update_id": update_id, "component_id": component_id,
                                "old_status": current[component_id], "new_status": new})
                current[component_id] = new
    return [(Incident, incidents), (IncidentUpdate, updates), (ComponentChange, changes),
            (incident_component, links)]


def _advance_sequences() -> None:
    """PostgreSQL: explicit ids leave the sequences behind; move them past the seeded rows."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in (Incident, IncidentUpdate):
        highest = select(func.max(model.id)).scalar_subquery()
        sequence = func.pg_get_serial_sequence(model.__tablename__, "id")
        db.session.execute(select(func.setval(sequence, highest)))


def _chunks(rows: list[dict[str, object]]) -> Iterator[list[dict[str, object]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]


def _rollups(leaf_ids: list[int], first: date, now: datetime) -> None:
    """Build ComponentDay rows month by month, the month's timelines loaded in three queries."""
    zone = ZoneInfo(get_page().time_zone)
    last = now.astimezone(zone).date()
    start = first
    while start <= last:
        end = min(start + timedelta(days=30), last)
        lower = datetime.combine(start, time.min, tzinfo=zone).astimezone(UTC)
        upper = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
        # Held until the month is written: refresh_days finds these in the identity map.
        loaded = db.session.execute(
            select(Incident)
            .where(Incident.started_at < upper,
                   or_(Incident.resolved_at.is_(None), Incident.resolved_at >= lower))
            .options(selectinload(Incident.updates).selectinload(IncidentUpdate.changes))
        ).scalars().all()
        for component_id in leaf_ids:
            uptime.refresh_days(component_id, start, end, zone, now)
        db.session.commit()
        db.session.expunge_all()
        del loaded
        start = end + timedelta(days=1)


def _open_items(leaves: list[Component], now: datetime) -> int:
    """A few open incidents and maintenances, through the use-cases a communicator uses."""
    by_name = {c.name: c for c in db.session.execute(select(Component)).scalars()}
    opened = [
        ("Elevated API latency", "SEV2", "identified", {"API": "degraded_performance"}),
        ("SMS delivery delayed", "SEV3", "investigating", {"SMS delivery": "partial_outage"}),
        ("Search unavailable", "SEV1", "monitoring", {"Search": "major_outage",
                                                      "Dashboard": "degraded_performance"}),
    ]
    for hours, (name, severity, status, affected) in enumerate(opened, start=1):
        open_incident(IncidentInput(
            name=name, severity=severity, started_at=now - timedelta(hours=hours),
            update=UpdateInput(status=status, body=BODY, component_statuses={
                by_name[n].id: s for n, s in affected.items()}),
        ), None)
    window = (now + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    schedule_maintenance(MaintenanceInput(
        name="Primary database upgrade", scheduled_for=window,
        scheduled_until=window + timedelta(hours=2), body="Planned work on the database.",
        component_ids=[by_name["Primary database"].id],
    ), None)
    return len(opened) + 1
