"""Response metrics of one incident: how fast and how regularly the public was told.

Every time is measured to the moment the public could see an update: its publication
(`IncidentUpdate.published_at`: the post for an update that did not wait, the approval for one
that did), never its creation (a draft may wait for approval) nor the date shown on it
(`display_at`: an opening update backdated to `started_at` says nothing about how long
people waited to hear from us). Durations start at the declaration (`Incident.created_at`,
when the incident was opened here) and, where it says something, at the back-dated start of
the impact (`started_at`). The cadence and the first-update target are the communication
plan's, the same ones the console and the reminders use (incidents.cadence); they are read
from the plan in force now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents.cadence import first_due_at, published_time
from statuspage.models import Incident, PostmortemReview, utcnow
from statuspage.plan import rules as plan
from statuspage.plan.document import SeverityPlan

RESOLVED_STATUSES = ("resolved", "completed")


@dataclass(frozen=True)
class IncidentMetrics:
    # Impact start -> declaration: how long the impact went unnoticed (0 when not back-dated).
    detection: timedelta
    # Declaration (and impact start) -> publication of the first public update.
    first_update_from_declaration: timedelta | None
    first_update_from_start: timedelta | None
    # Impact start (and declaration) -> publication of the resolution; None while open.
    resolve_from_start: timedelta | None
    resolve_from_declaration: timedelta | None
    public_updates: int
    cadence_minutes: int | None
    first_update_target: int | None
    # Whether the first public update came within the target: None without a target, or
    # while none came and the target has not passed yet.
    first_update_met: bool | None
    # Share (0..1) of the open duration during which no public update was overdue (as the
    # console shows OVERDUE); None when the severity has no cadence.
    cadence_kept: float | None
    # The longest wait between public updates after the first (to the resolution, or to now
    # while open), and whether it stayed within the cadence (None: no cadence, or nothing to
    # measure yet).
    longest_gap: timedelta | None
    cadence_met: bool | None
    open_duration: timedelta
    overdue: timedelta
    # Time in approval: over the updates that waited and were published, from the draft's
    # creation to its publication; and the postmortem's, from submission to publication.
    approval_waits: tuple[timedelta, ...]
    postmortem_approval: timedelta | None

    @property
    def has_targets(self) -> bool:
        return self.first_update_target is not None or self.cadence_minutes is not None

    @property
    def approval_total(self) -> timedelta:
        return sum(self.approval_waits, timedelta(0))

    @property
    def approval_longest(self) -> timedelta | None:
        return max(self.approval_waits, default=None)


def incident_metrics(incident: Incident, now: datetime | None = None,
                     row: SeverityPlan | None = None,
                     reviews: Sequence[PostmortemReview] | None = None) -> IncidentMetrics:
    """The response metrics of an incident (still open ones are measured up to `now`).

    `row` is the plan's row for the incident's severity and `reviews` its postmortem
    reviews; both are read when not given (the monthly report passes them, read once).
    """
    now = now or utcnow()
    row = row if row is not None else plan.load_plan()[plan.plan_severity(incident)]
    if reviews is None:
        reviews = db.session.execute(select(PostmortemReview).where(
            PostmortemReview.incident_id == incident.id)).scalars().all()
    public = incident.public_updates
    published = sorted(at for at in (published_time(u) for u in public) if at <= now)
    start, declared = incident.started_at, incident.created_at
    resolved_at = resolution_published_at(incident)
    end = resolved_at or now
    first = published[0] if published else None
    cadence = row.cadence_minutes
    first_due = first_due_at(incident, row)
    duration = max(end - start, timedelta(0))
    overdue = overdue_time(first_due, published, end, cadence)
    if cadence is None:
        kept = None
    elif duration <= timedelta(0):
        kept = 1.0
    else:
        kept = max(1 - overdue / duration, 0.0)
    gap = longest_gap(published, end)
    # An update waited when it was reviewed (older rows have no review_action yet).
    waits = [max(published_time(u) - u.created_at, timedelta(0)) for u in incident.updates
             if u.published_at is not None
             and (u.review_action is not None or u.reviewed_at is not None)]
    return IncidentMetrics(
        detection=max(declared - start, timedelta(0)),
        first_update_from_declaration=_since(declared, first),
        first_update_from_start=_since(start, first),
        resolve_from_start=_since(start, resolved_at),
        resolve_from_declaration=_since(declared, resolved_at),
        public_updates=len(published),
        cadence_minutes=cadence,
        first_update_target=row.first_update_minutes,
        first_update_met=_first_update_met(declared, first, row.first_update_minutes, now),
        cadence_kept=kept,
        longest_gap=gap,
        cadence_met=None if cadence is None or gap is None else (
            gap <= timedelta(minutes=cadence)),
        open_duration=duration,
        overdue=overdue,
        approval_waits=tuple(waits),
        postmortem_approval=postmortem_approval(reviews),
    )


def resolution_published_at(incident: Incident) -> datetime | None:
    """When the public saw the resolution: the first published resolving update (its
    approval, for one that waited); `resolved_at` for an incident resolved without one."""
    resolving = [published_time(u) for u in incident.public_updates
                 if u.status in RESOLVED_STATUSES]
    if resolving:
        return min(resolving)
    return incident.resolved_at


def postmortem_approval(reviews: Sequence[PostmortemReview]) -> timedelta | None:
    """How long the postmortem waited for approval before the public first read it (later
    approved revisions of the published text are not its publication)."""
    published = [r for r in reviews if r.state == "published" and r.reviewed_at is not None]
    if not published:
        return None
    first = min(published, key=lambda r: r.reviewed_at or r.created_at)
    assert first.reviewed_at is not None
    return max(first.reviewed_at - first.created_at, timedelta(0))


def overdue_time(first_due: datetime | None, published: list[datetime], end: datetime,
                 cadence: int | None) -> timedelta:
    """How long, up to `end`, a public update was overdue, as the console counts it.

    The first is due at `first_due` (the first-update target, or a cadence from the start);
    each one published restarts the clock: the next is due `cadence` minutes later (without a
    cadence nothing more is due). Whatever time passes beyond a due time is overdue.
    """
    allowed = timedelta(minutes=cadence) if cadence else None
    due = first_due
    total = timedelta(0)
    for at in (t for t in published if t < end):
        if due is not None and at > due:
            total += at - due
        due = at + allowed if allowed is not None else None
    if due is not None and end > due:
        total += end - due
    return total


def longest_gap(published: list[datetime], end: datetime) -> timedelta | None:
    """The longest time between two public updates, the last one counted to `end`."""
    anchors = [t for t in published if t < end]
    if not anchors:
        return None
    return max(following - previous for previous, following in pairwise([*anchors, end]))


def _since(origin: datetime, moment: datetime | None) -> timedelta | None:
    return max(moment - origin, timedelta(0)) if moment is not None else None


def _first_update_met(declared: datetime, first: datetime | None, target: int | None,
                      now: datetime) -> bool | None:
    if target is None:
        return None
    deadline = declared + timedelta(minutes=target)
    if first is None:
        return False if now > deadline else None
    return first <= deadline


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
