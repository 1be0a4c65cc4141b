"""The monthly report: incidents, response times, cadence and uptime against targets.

A month is a calendar month in the page's time zone, the zone the uptime roll-ups
(`ComponentDay`) are kept in. Incidents belong to the month they started in.
"""

from __future__ import annotations

import csv
import io
import math
from calendar import monthrange
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from statuspage import audit, queries, uptime
from statuspage.errors import DomainError
from statuspage.extensions import db
from statuspage.metrics import IncidentMetrics, incident_metrics
from statuspage.models import INCIDENT, Component, Incident, Severity, User, utcnow
from statuspage.pages import get_page
from statuspage.subscriber_csv import neutralise
from statuspage.transaction import use_case

CSV_COLUMNS = (
    "incident_id", "name", "severity", "status", "started_at", "resolved_at", "components",
    "public_updates", "minutes_to_first_update", "minutes_to_resolve", "cadence_minutes",
    "cadence_kept_percent",
)
UPTIME_CSV_COLUMNS = ("component", "uptime_percent", "uptime_target", "missed_target")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """`2026-11` -> Month(2026, 11); anything else is refused."""
        try:
            year_text, month_text = text.split("-")
            year, month = int(year_text), int(month_text)
        except ValueError:
            raise DomainError("Give the month as YYYY-MM.", "month") from None
        if not (1 <= month <= 12 and 1970 <= year <= 9999):
            raise DomainError("Give the month as YYYY-MM.", "month")
        return cls(year, month)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return date(self.year, self.month, 1).strftime("%B %Y")

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, monthrange(self.year, self.month)[1])

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The month's start and end instants in UTC (end exclusive)."""
        start = datetime.combine(self.first_day, time.min, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(self.next().first_day, time.min, tzinfo=zone).astimezone(UTC)
        return start, end


@dataclass(frozen=True)
class Spread:
    """Median and 90th percentile of a duration, in minutes (None without data)."""

    median: float | None
    p90: float | None
    count: int


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    components: list[str]
    metrics: IncidentMetrics


@dataclass(frozen=True)
class UptimeRow:
    component_id: int
    name: str
    percent: float
    target: float | None

    @property
    def missed(self) -> bool:
        return self.target is not None and self.percent < self.target


@dataclass(frozen=True)
class MonthReport:
    month: Month
    incidents: list[IncidentRow]
    by_severity: list[tuple[str, int]]
    by_component: list[tuple[str, int]]
    first_update: Spread
    resolve: Spread
    cadence_kept: float | None
    uptime: list[UptimeRow]

    @property
    def missed_targets(self) -> list[UptimeRow]:
        return [row for row in self.uptime if row.missed]


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (0..100) with linear interpolation between closest ranks
    (numpy's default), so the median of an even count is the mean of the middle two."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def spread(durations: list[timedelta]) -> Spread:
    minutes = [d.total_seconds() / 60 for d in durations]
    return Spread(percentile(minutes, 50), percentile(minutes, 90), len(minutes))


def month_report(month: Month, now: datetime | None = None) -> MonthReport:
    """Everything the reports page and its CSV show for one month."""
    now = now or utcnow()
    zone = ZoneInfo(get_page().time_zone)
    start, end = month.bounds(zone)
    incidents = db.session.execute(
        select(Incident)
        .where(Incident.kind == INCIDENT, Incident.started_at >= start,
               Incident.started_at < end)
        .options(selectinload(Incident.updates), selectinload(Incident.components))
        .order_by(Incident.started_at, Incident.id)
    ).scalars().all()
    rows = [IncidentRow(i, [c.display_name for c in i.components if not c.is_group],
                        incident_metrics(i, now)) for i in incidents]
    severities = Counter(i.severity for i in incidents)
    components = Counter(name for row in rows for name in row.components)
    return MonthReport(
        month=month,
        incidents=rows,
        by_severity=[(s.value, severities.get(s.value, 0)) for s in Severity],
        by_component=sorted(components.items(), key=lambda kv: (-kv[1], kv[0])),
        first_update=spread([r.metrics.time_to_first_update for r in rows
                             if r.metrics.time_to_first_update is not None]),
        resolve=spread([r.metrics.time_to_resolve for r in rows
                        if r.metrics.time_to_resolve is not None]),
        cadence_kept=_cadence_kept(rows),
        uptime=_uptime(month, now.astimezone(zone).date(), zone),
    )


def _cadence_kept(rows: list[IncidentRow]) -> float | None:
    # Weighted by open time: a two-day incident that went quiet matters more than a
    # ten-minute one that was updated on time.
    measured = [r.metrics for r in rows if r.metrics.cadence_minutes is not None]
    total = sum((m.open_duration for m in measured), timedelta(0))
    if not measured:
        return None
    if total <= timedelta(0):
        return 1.0
    overdue = sum((m.overdue for m in measured), timedelta(0))
    return 1 - overdue / total


def _uptime(month: Month, today: date, zone: ZoneInfo) -> list[UptimeRow]:
    """Each component's uptime over the month's days so far, from the daily roll-ups."""
    if month.first_day > today:
        return []
    last = min(month.last_day, today)
    leaves = [c for c in queries.ordered_components() if not c.is_group]
    days = (last - month.first_day).days + 1
    bars = uptime.uptime_bars(leaves, last, days=days, zone=zone)
    return [UptimeRow(c.id, c.display_name, bars[c.id].uptime_percent, c.uptime_target)
            for c in leaves]


@use_case
def set_uptime_targets(targets: dict[int, float | None], actor: User | None) -> int:
    """Set components' monthly uptime targets (percent, None for no target).

    Returns how many targets changed.
    """
    changed = 0
    for component_id, target in targets.items():
        component = db.session.get(Component, component_id)
        if component is None or component.is_group:
            raise DomainError("A chosen component no longer exists.", f"target-{component_id}")
        if target is not None and not (0 < target <= 100):
            raise DomainError("An uptime target is a percentage above 0 and up to 100.",
                              f"target-{component_id}")
        if component.uptime_target != target:
            audit.record(actor, "component.uptime_target", "component", component.public_id,
                         old=component.uptime_target, new=target)
            component.uptime_target = target
            changed += 1
    db.session.commit()
    return changed


# --- CSV -------------------------------------------------------------------------------------

def incidents_csv(report: MonthReport) -> str:
    """The month's incidents with their response metrics, one row each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in report.incidents:
        incident, m = row.incident, row.metrics
        writer.writerow([
            incident.public_id,
            neutralise(incident.name),
            incident.severity or "",
            incident.status,
            _stamp(incident.started_at),
            _stamp(incident.resolved_at),
            neutralise("; ".join(row.components)),
            m.public_updates,
            _minutes(m.time_to_first_update),
            _minutes(m.time_to_resolve),
            m.cadence_minutes if m.cadence_minutes is not None else "",
            f"{m.cadence_kept * 100:.1f}" if m.cadence_kept is not None else "",
        ])
    return buffer.getvalue()


def uptime_csv(report: MonthReport) -> str:
    """Each component's uptime for the month against its target."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(UPTIME_CSV_COLUMNS)
    for row in report.uptime:
        writer.writerow([neutralise(row.name), f"{row.percent:.2f}",
                         "" if row.target is None else f"{row.target:g}",
                         "yes" if row.missed else "no"])
    return buffer.getvalue()


def _stamp(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value is not None else ""


def _minutes(value: timedelta | None) -> str:
    return f"{value.total_seconds() / 60:.1f}" if value is not None else ""
