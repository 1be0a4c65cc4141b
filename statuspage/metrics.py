"""Response metrics of one incident: how fast and how regularly the public was told.

Times are measured from when each public update was *posted* (`created_at`), not from the
date shown on it (`display_at`): an opening update backdated to `started_at` says nothing
about how long people waited to hear from us.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from statuspage import plan
from statuspage.models import Incident, utcnow


@dataclass(frozen=True)
class IncidentMetrics:
    time_to_first_update: timedelta | None
    time_to_resolve: timedelta | None
    public_updates: int
    cadence_minutes: int | None
    # Share (0..1) of the open duration during which the next update was not yet overdue;
    # None when the severity has no cadence.
    cadence_kept: float | None
    open_duration: timedelta
    overdue: timedelta


def incident_metrics(incident: Incident, now: datetime | None = None) -> IncidentMetrics:
    """The response metrics of an incident (still open ones are measured up to `now`)."""
    now = now or utcnow()
    posted = sorted(u.created_at for u in incident.public_updates)
    start = incident.started_at
    end = incident.resolved_at or now
    first = posted[0] - start if posted else None
    resolve = incident.resolved_at - start if incident.resolved_at else None
    # The communication plan's cadence, the same one the console and the reminders use.
    cadence = plan.cadence_minutes(plan.plan_severity(incident))
    duration = max(end - start, timedelta(0))
    overdue = overdue_time(start, end, posted, cadence) if cadence else timedelta(0)
    if cadence is None:
        kept = None
    elif duration <= timedelta(0):
        kept = 1.0
    else:
        kept = 1 - overdue / duration
    return IncidentMetrics(
        time_to_first_update=max(first, timedelta(0)) if first is not None else None,
        time_to_resolve=resolve,
        public_updates=len(posted),
        cadence_minutes=cadence,
        cadence_kept=kept,
        open_duration=duration,
        overdue=overdue,
    )


def overdue_time(start: datetime, end: datetime, posted: list[datetime],
                 cadence: int) -> timedelta:
    """How long, between `start` and `end`, the next public update was overdue.

    The clock starts at `start` (the incident began: the first update is due `cadence`
    minutes later) and restarts at every update posted inside the window; whatever part of
    a gap exceeds the cadence is overdue.
    """
    allowed = timedelta(minutes=cadence)
    anchors = [start, *(t for t in posted if start < t < end), end]
    total = timedelta(0)
    for previous, following in pairwise(anchors):
        total += max(following - previous - allowed, timedelta(0))
    return total


def human_duration(value: timedelta | None) -> str:
    """`1 h 05 min`, `12 min`, `40 s`; an en dash when there is nothing to measure."""
    if value is None:
        return "\u2013"  # an en dash
    seconds = int(value.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    if hours >= 48:
        return f"{hours // 24} d {hours % 24} h"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
