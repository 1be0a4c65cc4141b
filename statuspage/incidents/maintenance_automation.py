"""Maintenance automation: start and complete windows at their edges, remind before the start.

The worker calls `run_due(now)` every minute. Every step first *claims* its maintenance with a
conditional UPDATE on its status (or on `reminded_at`), inside the transaction that then posts
the update or the reminder: with several workers running the same tick, one claim succeeds and
the others match no row, so nothing is started, completed or announced twice. `now` is a
parameter, so tests move the clock by passing a value instead of patching time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import execute_dml
from statuspage.incidents import lifecycle as use_cases
from statuspage.incidents.maintenance import MAX_REMIND_MINUTES, start_maintenance
from statuspage.models import MAINTENANCE, Incident, utcnow
from statuspage.models.status import ACTIVE_MAINTENANCE_STATUSES
from statuspage.outbox import publish as delivery

log = logging.getLogger(__name__)

REMINDER = "maintenance_reminder"
# A window scheduled under approval is not announced yet: it is neither reminded of, nor
# started, nor completed (each would tell subscribers of a window the page does not show).
APPROVED = Incident.awaiting_approval.is_(False)
STARTED_BODY = "Scheduled maintenance is now in progress."
COMPLETED_BODY = "Scheduled maintenance has been completed."
# Reminders are looked for at most this far ahead (the longest reminder a window may ask for).
REMIND_HORIZON = timedelta(minutes=MAX_REMIND_MINUTES)


@dataclass
class AutomationResult:
    """The public ids of the maintenances each step acted on in one run."""

    started: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)


def run_due(now: datetime | None = None) -> AutomationResult:
    """Send due reminders, start due windows, then complete due ones (one commit each).

    Starting before completing lets a window missed entirely (the worker was down) still
    pass through in_progress, so its timeline and components tell the whole story.
    """
    now = now or utcnow()
    return AutomationResult(
        reminded=send_due_reminders(now),
        started=start_due(now),
        completed=complete_due(now),
    )


def start_due(now: datetime) -> list[str]:
    """Start every auto-start maintenance whose window has begun; returns their public ids."""
    due = (Incident.auto_start.is_(True), Incident.status == "scheduled",
           Incident.scheduled_for <= now, APPROVED)
    started = []
    for maintenance in _claim_each(due, "in_progress"):
        try:
            start_maintenance(
                maintenance, STARTED_BODY, None,
                set_under_maintenance=maintenance.auto_transition_components,
                # A person approved the window when scheduling it; its edges need no approval.
                bypass_approval=True)
        except DomainError:  # pragma: no cover - a component vanished mid-run; next tick
            log.exception("could not start maintenance %s", maintenance.public_id)
            continue
        started.append(maintenance.public_id)
    return started


def complete_due(now: datetime) -> list[str]:
    """Complete every auto-complete maintenance in progress whose window has ended."""
    due = (Incident.auto_complete.is_(True),
           Incident.status.in_(ACTIVE_MAINTENANCE_STATUSES),
           Incident.scheduled_until <= now, APPROVED)
    completed = []
    for maintenance in _claim_each(due, "completed"):
        try:
            use_cases.resolve_incident(
                maintenance, COMPLETED_BODY, None,
                restore_components=maintenance.auto_transition_components,
                bypass_approval=True)
        except DomainError:  # pragma: no cover - as above
            log.exception("could not complete maintenance %s", maintenance.public_id)
            continue
        completed.append(maintenance.public_id)
    return completed


def send_due_reminders(now: datetime) -> list[str]:
    """Announce each maintenance once, `remind_before_minutes` before its start.

    Due when scheduled_for - remind <= now < scheduled_for; a reminder missed until the
    window began is dropped (the start announces it instead).
    """
    candidates = db.session.execute(
        select(Incident.id, Incident.scheduled_for, Incident.remind_before_minutes)
        .where(Incident.kind == MAINTENANCE, Incident.status == "scheduled", APPROVED,
               Incident.remind_before_minutes.is_not(None), Incident.reminded_at.is_(None),
               Incident.scheduled_for > now, Incident.scheduled_for <= now + REMIND_HORIZON)
    ).all()
    db.session.rollback()
    reminded = []
    for row in candidates:
        if row.scheduled_for - timedelta(minutes=row.remind_before_minutes) > now:
            continue
        public_id = remind(row.id, now)
        if public_id is not None:
            reminded.append(public_id)
    return reminded


def remind(incident_id: int, now: datetime) -> str | None:
    """Mark the reminder sent and add its fan-out event in one transaction.

    The conditional UPDATE on `reminded_at IS NULL` is the only-once guarantee: a second
    worker (or a second run) matches no row and adds no event. Returns the public id, or None
    when another run had already reminded.
    """
    claimed = execute_dml(
        update(Incident)
        .where(Incident.id == incident_id, Incident.reminded_at.is_(None),
               Incident.status == "scheduled", APPROVED)
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return None
    maintenance = db.session.get(Incident, incident_id, populate_existing=True)
    assert maintenance is not None  # the UPDATE just matched it
    delivery.create_event_fanout(maintenance, REMINDER)
    db.session.commit()
    return maintenance.public_id


def _claim_each(due: Sequence[ColumnElement[bool]], new_status: str) -> Iterator[Incident]:
    """Claim the due maintenances one by one, yielding each with its claim uncommitted.

    The claim and the use-case the caller runs next share one transaction, which the
    use-case commits (or rolls back when it refuses) before the next one is claimed.
    """
    for incident_id in due_ids(due):
        maintenance = claim(incident_id, due, new_status)
        if maintenance is not None:
            yield maintenance


def due_ids(due: Sequence[ColumnElement[bool]]) -> list[int]:
    """Ids of the maintenances matching `due`, oldest first (read without holding anything)."""
    ids = list(db.session.execute(
        select(Incident.id).where(Incident.kind == MAINTENANCE, *due).order_by(Incident.id)
    ).scalars())
    db.session.rollback()
    return ids


def claim(incident_id: int, due: Sequence[ColumnElement[bool]], new_status: str
          ) -> Incident | None:
    """Move one maintenance to `new_status` if it is still due; None when another run won.

    The conditional UPDATE re-checks `due` under the row lock, so of several workers that read
    the same due id only one matches; the loser rolls back and moves on.
    """
    rows = execute_dml(
        update(Incident).where(Incident.id == incident_id, *due)
        .values(status=new_status)
        .execution_options(synchronize_session=False)
    ).rowcount
    if rows != 1:
        db.session.rollback()
        return None
    return db.session.get(Incident, incident_id, populate_existing=True)
