"""Where the incidents stand right now, read from the database for GET /metrics.

Open incidents and waiting drafts are few, so these reads are small: the open incidents
through ix_incident_status, the drafts by their state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.incidents.cadence import cadence_states
from statuspage.models import INCIDENT, Incident, IncidentUpdate
from statuspage.models.incidents import DRAFT
from statuspage.models.postmortems import PostmortemReview
from statuspage.models.status import ACTIVE_INCIDENT_STATUSES, Severity


@dataclass
class IncidentFigures:
    open_by_severity: dict[str, int] = field(default_factory=dict)
    cadence_overdue: int = 0
    # Drafts waiting for a second person's approval, by kind ("update", "postmortem").
    approvals_waiting: dict[str, int] = field(default_factory=dict)
    oldest_approval_age: float | None = None  # seconds; None: nothing waits


def incident_figures(now: datetime) -> IncidentFigures:
    """Open incidents by severity, how many are late for their next public update, and the
    drafts waiting for approval, as of `now`."""
    figures = IncidentFigures(open_by_severity={s.value: 0 for s in Severity})
    incidents = list(db.session.execute(
        select(Incident).where(Incident.kind == INCIDENT,
                               Incident.status.in_(ACTIVE_INCIDENT_STATUSES))).scalars())
    for incident in incidents:
        severity = incident.severity or "none"
        figures.open_by_severity[severity] = figures.open_by_severity.get(severity, 0) + 1
    figures.cadence_overdue = sum(1 for state in cadence_states(incidents, now).values()
                                  if state.overdue)
    oldest: list[datetime] = []
    for kind, model in (("update", IncidentUpdate), ("postmortem", PostmortemReview)):
        count, first = db.session.execute(
            select(func.count(), func.min(model.created_at)).where(model.state == DRAFT)).one()
        figures.approvals_waiting[kind] = int(count)
        if first is not None:
            oldest.append(first)
    if oldest:
        figures.oldest_approval_age = max(0.0, (now - min(oldest)).total_seconds())
    return figures
