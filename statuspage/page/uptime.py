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
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import selectinload

from statuspage.core.extensions import db
from statuspage.models import (
    Component,
    ComponentDay,
    Incident,
    IncidentUpdate,
    incident_component,
    utcnow,
)
from statuspage.models.status import CLOSED_STATUSES, ComponentStatus, worst
from statuspage.page.record import get_page, touch_page

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
    first, last = incident_days(incident)
    refresh_span(incident.id, [c.id for c in incident.components if not c.is_group],
                 first, last)


def incident_days(incident: Incident) -> tuple[date, date]:
    """The first and last day (page time zone) the incident covers up to now."""
    zone = _zone()
    start = min([incident.started_at] + [u.display_at for u in incident.public_updates])
    end = incident.resolved_at or utcnow()
    return start.astimezone(zone).date(), max(end, start).astimezone(zone).date()


def refresh_span(incident_id: int, component_ids: list[int], first: date, last: date) -> None:
    """Rewrite the components' rows from `first` to `last`, and later ones naming the
    incident; also right after the incident is deleted (statuspage.incidents.deletion)."""
    now = utcnow()
    zone = _zone()
    for component_id in component_ids:
        refresh_days(component_id, first, last, zone, now)
    _refresh_stale_days(incident_id, component_ids, last, zone, now)


def _refresh_stale_days(incident_id: int, component_ids: list[int], last: date,
                        zone: ZoneInfo, now: datetime) -> None:
    """Rewrite days after `last` that still name the incident.

    While open, an incident's rows run up to today; resolving it with a back-dated time ends
    it earlier, and the days between would otherwise keep showing it. Only rows after `last`
    are read (a primary-key range), and only the span of days naming this incident is rewritten.
    """
    if not component_ids:
        return
    rows = db.session.execute(
        select(ComponentDay.component_id, ComponentDay.day, ComponentDay.incident_ids).where(
            ComponentDay.component_id.in_(component_ids), ComponentDay.day > last
        )
    ).all()
    stale: dict[int, list[date]] = defaultdict(list)
    for component_id, day, incident_ids in rows:
        if incident_id in (incident_ids or []):
            stale[component_id].append(day)
    for component_id, days in stale.items():
        refresh_days(component_id, min(days), max(days), zone, now)


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
        # segments_for reads every update's changes: load them up front, not one by one.
        .options(selectinload(Incident.updates).selectinload(IncidentUpdate.changes))
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
    incident_ids: list[int] = []
    today: list[Segment] = []
    for seg in segments:
        if min(seg.end, day_end) <= max(seg.start, day_start):
            continue
        today.append(seg)
        if seg.incident_id not in incident_ids:
            incident_ids.append(seg.incident_id)
    if not incident_ids:
        return None
    row = ComponentDay(component_id=component_id, day=day, incident_ids=sorted(incident_ids),
                       worst_status=worst([s.status for s in today]).value)
    seconds = _seconds_by_status(today, day_start, day_end)
    for status, column in _SECONDS_COLUMN.items():
        setattr(row, column, min(seconds.get(status, 0), length))
    return row


def _seconds_by_status(segments: list[Segment], day_start: datetime,
                       day_end: datetime) -> dict[ComponentStatus, int]:
    """Seconds spent at each status, the worst status winning where incidents overlap.

    Two incidents holding the same component down at the same time are one outage, not two:
    summing their segments would count that time twice and understate the uptime.
    """
    points = sorted({day_start, day_end}
                    | {min(max(t, day_start), day_end) for s in segments for t in (s.start, s.end)})
    seconds: dict[ComponentStatus, int] = defaultdict(int)
    for begin, end in pairwise(points):
        covering = [s.status for s in segments if s.start < end and s.end > begin]
        if covering:
            seconds[worst(covering)] += int((end - begin).total_seconds())
    return seconds


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


def uptime_bars(components: Sequence[Component], today: date, days: int = DAYS,
                zone: ZoneInfo | None = None) -> dict[int, UptimeBar]:
    """The last `days` days for each component, oldest first, with its uptime percentage.

    `today` is the page's local date; pass the page's `zone` when the caller has it (it is
    looked up otherwise) so a component without a start date begins on its local creation day.
    """
    zone = zone or _zone()
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
        begins = component.start_date or component.created_at.astimezone(zone).date()
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
