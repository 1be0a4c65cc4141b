"""The monthly report: incidents, response times against targets, cadence and uptime.

Incidents belong to the month they started in (statuspage.reports.month). Response times
come from statuspage.incidents.metrics (measured to publication), the figures from
statuspage.reports.figures, the uptime rows from statuspage.reports.uptime_targets, the CSV
exports from statuspage.reports.csv_export.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from statuspage.core.extensions import db
from statuspage.incidents.metrics import IncidentMetrics, incident_metrics
from statuspage.models import INCIDENT, Incident, PostmortemReview, Severity, utcnow
from statuspage.page.record import get_page
from statuspage.plan import rules as plan
from statuspage.reports.figures import (
    ApprovalFigures,
    SeverityFigures,
    Share,
    Spread,
    approval_figures,
    cadence_kept,
    severity_figures,
    share,
    spread,
    targets_set,
)
from statuspage.reports.month import Month
from statuspage.reports.uptime_targets import UptimeRow, _uptime


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    components: list[str]
    metrics: IncidentMetrics


@dataclass(frozen=True)
class MonthReport:
    month: Month
    incidents: list[IncidentRow]
    by_severity: list[tuple[str, int]]
    by_component: list[tuple[str, int]]
    # Response times (minutes): the first public update from the declaration and from the
    # impact start, the resolution from the start and from the declaration, detection.
    first_update: Spread
    first_update_from_start: Spread
    resolve: Spread
    resolve_from_declaration: Spread
    detection: Spread
    cadence_kept: float | None
    approval: ApprovalFigures
    # Against the plan's targets: per severity, and over the month (None: no targets set).
    severities: list[SeverityFigures]
    targets_set: bool
    first_update_share: Share
    cadence_share: Share
    uptime: list[UptimeRow]

    @property
    def missed_targets(self) -> list[UptimeRow]:
        return [row for row in self.uptime if row.missed]


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
    loaded = plan.load_plan()  # one read of the plan and of the reviews for the month
    reviews: defaultdict[int, list[PostmortemReview]] = defaultdict(list)
    for review in db.session.execute(select(PostmortemReview).where(
            PostmortemReview.incident_id.in_([i.id for i in incidents]))).scalars():
        reviews[review.incident_id].append(review)
    rows = [IncidentRow(i, [c.display_name for c in i.components if not c.is_group],
                        incident_metrics(i, now, loaded[plan.plan_severity(i)],
                                         reviews[i.id])) for i in incidents]
    metrics = [r.metrics for r in rows]
    by_severity: defaultdict[str, list[IncidentMetrics]] = defaultdict(list)
    for row in rows:
        by_severity[plan.plan_severity(row.incident)].append(row.metrics)
    severities = Counter(i.severity for i in incidents)
    components = Counter(name for row in rows for name in row.components)
    return MonthReport(
        month=month,
        incidents=rows,
        by_severity=[(s.value, severities.get(s.value, 0)) for s in Severity],
        by_component=sorted(components.items(), key=lambda kv: (-kv[1], kv[0])),
        first_update=spread([m.first_update_from_declaration for m in metrics]),
        first_update_from_start=spread([m.first_update_from_start for m in metrics]),
        resolve=spread([m.resolve_from_start for m in metrics]),
        resolve_from_declaration=spread([m.resolve_from_declaration for m in metrics]),
        detection=spread([m.detection for m in metrics]),
        cadence_kept=cadence_kept(metrics),
        approval=approval_figures(metrics),
        severities=severity_figures(by_severity, loaded),
        targets_set=targets_set(loaded),
        first_update_share=share([m.first_update_met for m in metrics]),
        cadence_share=share([m.cadence_met for m in metrics]),
        uptime=_uptime(month, now.astimezone(zone).date(), zone),
    )
