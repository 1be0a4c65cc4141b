"""The monthly report: incidents, response times against targets, cadence and uptime.

A month is a calendar month in the page's time zone, the zone the uptime roll-ups
(`ComponentDay`) are kept in. Incidents belong to the month they started in. Response times
come from statuspage.incidents.metrics (measured to publication), the figures from
statuspage.reports.figures, the CSV exports from statuspage.reports.csv_export.
"""

from __future__ import annotations

from calendar import monthrange
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from statuspage import audit
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.incidents.metrics import IncidentMetrics, incident_metrics
from statuspage.models import (
    INCIDENT,
    Component,
    Incident,
    PostmortemReview,
    Severity,
    User,
    utcnow,
)
from statuspage.page import queries, uptime
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


@dataclass(frozen=True, order=True)
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


def current_month(now: datetime | None = None) -> Month:
    """The month it is now in the page's time zone: the latest a report can show."""
    today = (now or utcnow()).astimezone(ZoneInfo(get_page().time_zone)).date()
    return Month(today.year, today.month)


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
