"""Daily status roll-ups per component, and the 90-day uptime bars built from them.

Writing: whenever an incident or maintenance changes, the days it covers are recomputed for
each component it affects (`refresh_incident`). Reading: the public page asks for the bars of
all showcased components at once (`uptime_bars`), two indexed queries, whatever the history
size. Uptime counts a major outage fully and a partial outage at 30%, as Statuspage does;
degraded performance and maintenance do not count as downtime.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, or_, select

from statuspage.extensions import db
from statuspage.models import Component, ComponentDay, Incident, incident_component, utcnow
from statuspage.models.status import ComponentStatus, worst

DAYS = 90
PARTIAL_WEIGHT = 0.3
_SECONDS_COLUMN = {
    ComponentStatus.MAJOR_OUTAGE: "major_seconds",
    ComponentStatus.PARTIAL_OUTAGE: "partial_seconds",
    ComponentStatus.DEGRADED_PERFORMANCE: "degraded_seconds",
    ComponentStatus.UNDER_MAINTENANCE: "maintenance_seconds",
}


@dataclass(frozen=True)
class Segment:
    incident_id: int
    start: datetime
    end: datetime
    status: ComponentStatus


def _zone() -> ZoneInfo:
    from statuspage.pages import get_page

    return ZoneInfo(get_page().time_zone)


def _day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    return start, end


def segments_for(incident: Incident, component_id: int, now: datetime) -> list[Segment]:
    """The periods during which `incident` held `component_id` at each status."""
    end = incident.resolved_at or now
    events: list[tuple[datetime, ComponentStatus]] = []
    for update in sorted(incident.public_updates, key=lambda u: (u.display_at, u.id)):
        if incident.is_maintenance and update.status == "scheduled":
            continue  # a planned window affects nothing until it starts
        for change in update.changes:
            if change.component_id == component_id:
                events.append((update.display_at, ComponentStatus(change.new_status)))
    if not events:
        return []
    start = incident.started_at
    # The first status applies from the moment impact began, which may be back-dated.
    events[0] = (min(events[0][0], start), events[0][1])
    segments = []
    for index, (at, status) in enumerate(events):
        until = events[index + 1][0] if index + 1 < len(events) else end
        seg_start, seg_end = max(at, start), min(until, end)
        if seg_end > seg_start:
            segments.append(Segment(incident.id, seg_start, seg_end, status))
    return segments


def refresh_incident(incident: Incident) -> None:
    """Recompute the daily rows of every component the incident touches, in its window."""
    db.session.flush()
    now = utcnow()
    zone = _zone()
    start = min([incident.started_at] + [u.display_at for u in incident.public_updates])
    end = incident.resolved_at or now
    first, last = start.astimezone(zone).date(), max(end, start).astimezone(zone).date()
    component_ids = [c.id for c in incident.components if not c.is_group]
    for component_id in component_ids:
        refresh_days(component_id, first, last, zone, now)


def refresh_days(component_id: int, first: date, last: date, zone: ZoneInfo,
                 now: datetime) -> None:
    range_start, _ = _day_bounds(first, zone)
    _, range_end = _day_bounds(last, zone)
    # Incidents of this component that overlap the range (serves the roll-up rewrite only).
    incidents = db.session.execute(
        select(Incident)
        .join(incident_component, incident_component.c.incident_id == Incident.id)
        .where(
            incident_component.c.component_id == component_id,
            Incident.started_at < range_end,
            or_(Incident.resolved_at.is_(None), Incident.resolved_at >= range_start),
        )
    ).scalars().all()
    segments = [s for i in incidents for s in segments_for(i, component_id, now)]
    db.session.execute(
        delete(ComponentDay).where(
            and_(ComponentDay.component_id == component_id,
                 ComponentDay.day >= first, ComponentDay.day <= last)
        )
    )
    day = first
    while day <= last:
        row = _day_row(component_id, day, segments, zone)
        if row is not None:
            db.session.add(row)
        day += timedelta(days=1)


def _day_row(component_id: int, day: date, segments: Iterable[Segment],
             zone: ZoneInfo) -> ComponentDay | None:
    day_start, day_end = _day_bounds(day, zone)
    length = int((day_end - day_start).total_seconds())
    seconds: dict[ComponentStatus, int] = defaultdict(int)
    incident_ids: list[int] = []
    seen: set[ComponentStatus] = set()
    for seg in segments:
        overlap = (min(seg.end, day_end) - max(seg.start, day_start)).total_seconds()
        if overlap <= 0:
            continue
        seconds[seg.status] += int(overlap)
        seen.add(seg.status)
        if seg.incident_id not in incident_ids:
            incident_ids.append(seg.incident_id)
    if not incident_ids:
        return None
    row = ComponentDay(component_id=component_id, day=day, incident_ids=sorted(incident_ids),
                       worst_status=worst(sorted(seen)).value)
    for status, column in _SECONDS_COLUMN.items():
        setattr(row, column, min(seconds.get(status, 0), length))
    return row


@dataclass
class DayBar:
    day: date
    status: ComponentStatus
    incidents: list[str] = field(default_factory=list)
    major_seconds: int = 0
    partial_seconds: int = 0
    before_start: bool = False


@dataclass
class UptimeBar:
    component_id: int
    days: list[DayBar]
    uptime_percent: float


def uptime_bars(components: Sequence[Component], today: date,
                days: int = DAYS) -> dict[int, UptimeBar]:
    """The last `days` days for each component, oldest first, with its uptime percentage."""
    first = today - timedelta(days=days - 1)
    ids = [c.id for c in components]
    rows = db.session.execute(
        select(ComponentDay).where(ComponentDay.component_id.in_(ids), ComponentDay.day >= first)
    ).scalars().all() if ids else []
    by_key = {(r.component_id, r.day): r for r in rows}
    incident_ids = {i for r in rows for i in r.incident_ids}
    names = dict(db.session.execute(
        select(Incident.id, Incident.name).where(Incident.id.in_(incident_ids))
    ).all()) if incident_ids else {}
    bars = {}
    for component in components:
        begins = component.start_date or component.created_at.date()
        day_bars, counted, down = [], 0, 0.0
        for offset in range(days):
            day = first + timedelta(days=offset)
            row = by_key.get((component.id, day))
            bar = DayBar(day=day, status=ComponentStatus.OPERATIONAL, before_start=day < begins)
            if row is not None:
                bar.status = ComponentStatus(row.worst_status)
                bar.incidents = [names[i] for i in row.incident_ids if i in names]
                bar.major_seconds, bar.partial_seconds = row.major_seconds, row.partial_seconds
            if not bar.before_start or row is not None:
                counted += 1
                down += bar.major_seconds + PARTIAL_WEIGHT * bar.partial_seconds
            day_bars.append(bar)
        total = counted * 86_400
        percent = 100.0 if total == 0 else max(0.0, 100.0 * (1 - down / total))
        bars[component.id] = UptimeBar(component.id, day_bars, round(percent, 2))
    return bars


def refresh_open_incidents() -> int:
    """Extend the roll-ups of incidents still open up to now (run periodically by the worker)."""
    from statuspage.models.status import CLOSED_STATUSES
    from statuspage.pages import touch_page

    open_ones = db.session.execute(
        select(Incident).where(Incident.status.not_in(CLOSED_STATUSES),
                               Incident.status != "scheduled")
    ).scalars().all()
    for incident in open_ones:
        refresh_incident(incident)
    if open_ones:
        touch_page()
    db.session.commit()
    return len(open_ones)
