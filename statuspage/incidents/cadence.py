"""Update cadence of open incidents: when the public last saw an update, when the next is
due, and reminding the communications lead once per overdue period.

The clock is a parameter (`now`) everywhere, so tests move time by passing a value. The
cadence and the first-update target come from the communication plan, the same values the
response metrics measure against (incidents.metrics). Only what the public could see counts,
from the moment it could see it (`published_at`): internal updates and drafts waiting for
approval never restart the clock. Before the first public update the incident says so ("no
public update yet") and the first is due by the severity's first-update target, counted from
the declaration, or without one after a cadence from the start of the impact.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from statuspage.core.extensions import db
from statuspage.core.transaction import execute_dml
from statuspage.incidents.reminder_messages import reminder_message, reminder_sms
from statuspage.models import INCIDENT, Incident, IncidentUpdate
from statuspage.models.incidents import DRAFT
from statuspage.models.status import ACTIVE_INCIDENT_STATUSES
from statuspage.notify.base import DeliveryError
from statuspage.notify.registry import email_channel, sms_channel
from statuspage.plan import rules as plan
from statuspage.plan.document import SeverityPlan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CadenceState:
    """Where an open incident stands against its update cadence at `now`."""

    # When the public could first see the newest public update; None: no public update yet.
    last_public_at: datetime | None
    cadence_minutes: int | None
    next_due: datetime | None
    now: datetime
    # The plan's first-update target (minutes from the declaration); `next_due` counts from
    # it while there is no public update yet.
    first_update_minutes: int | None = None
    # Updates of this incident waiting for approval (shown and said in the reminder).
    drafts_waiting: int = 0

    @property
    def awaiting_first(self) -> bool:
        """No public update yet: the public has not been told about this incident."""
        return self.last_public_at is None

    @property
    def overdue(self) -> bool:
        return is_overdue(self.next_due, self.now)

    @property
    def minutes_since(self) -> int | None:
        """Whole minutes since the last public update (0 for one dated in the future);
        None before the first."""
        if self.last_public_at is None:
            return None
        return max(int((self.now - self.last_public_at).total_seconds() // 60), 0)

    @property
    def minutes_until_due(self) -> int | None:
        """Whole minutes until the next update is due; negative when overdue; None: none due."""
        if self.next_due is None:
            return None
        return int((self.next_due - self.now).total_seconds() // 60)

    @property
    def minutes_overdue(self) -> int:
        """Whole minutes past the due time (0 when not overdue)."""
        if self.next_due is None or not self.overdue:
            return 0
        return int((self.now - self.next_due).total_seconds() // 60)

    @property
    def reminder_period(self) -> int | None:
        """Minutes between two reminders while overdue: the cadence or, for a first update
        at a severity with a target but no cadence, the target."""
        if self.cadence_minutes:
            return self.cadence_minutes
        return self.first_update_minutes if self.awaiting_first else None


def published_time(update: IncidentUpdate) -> datetime:
    """When the public (or the stakeholders) could first see a published update.

    Every published update has `published_at` (the migration filled in older ones); the
    post time stands in for a row written without it.
    """
    return update.published_at or update.created_at


def last_public_update_at(incident: Incident, now: datetime | None = None) -> datetime | None:
    """When the newest public update was published (up to `now`); None before the first."""
    shown = [published_time(u) for u in incident.public_updates]
    if now is not None:
        shown = [at for at in shown if at <= now]
    return max(shown) if shown else None


def first_due_at(incident: Incident, row: SeverityPlan | None) -> datetime | None:
    """When the first public update is due: the first-update target from the declaration,
    else a cadence from the start of the impact; None when the plan asks for neither."""
    if row is None:
        return None
    if row.first_update_minutes:
        return incident.created_at + timedelta(minutes=row.first_update_minutes)
    if row.cadence_minutes:
        return incident.started_at + timedelta(minutes=row.cadence_minutes)
    return None


def next_due_at(last_public_at: datetime, cadence_minutes: int | None) -> datetime | None:
    """When the next public update is due; None when the severity has no cadence."""
    if not cadence_minutes:
        return None
    return last_public_at + timedelta(minutes=cadence_minutes)


def is_overdue(next_due: datetime | None, now: datetime) -> bool:
    """Late once `now` is past the due time (exactly on time is not late)."""
    return next_due is not None and now > next_due


def reminder_due(reminded_at: datetime | None, next_due: datetime | None,
                 period_minutes: int | None, now: datetime) -> bool:
    """Whether the communications lead should be reminded now.

    Once per overdue period: the first time the incident is overdue since its last public
    update (the last reminder, if any, came before `next_due`), then again each time another
    full period (the cadence) passes without a public update.
    """
    if not period_minutes or not is_overdue(next_due, now):
        return False
    assert next_due is not None  # is_overdue said so
    if reminded_at is None or reminded_at < next_due:
        return True
    return now - reminded_at >= timedelta(minutes=period_minutes)


def plan_row_for(incident: Incident) -> SeverityPlan | None:
    """The plan's row for this incident's severity; None for maintenance (no cadence)."""
    if incident.kind != INCIDENT:
        return None
    return plan.load_plan()[plan.plan_severity(incident)]


def cadence_minutes_for(incident: Incident) -> int | None:
    """The plan's cadence for this incident's severity; None for maintenance."""
    row = plan_row_for(incident)
    return row.cadence_minutes if row is not None else None


def cadence_state(incident: Incident, now: datetime,
                  row: SeverityPlan | None = None) -> CadenceState:
    """The incident's cadence at `now`; a closed incident is never due.

    `row` defaults to the plan's row for the incident (pass it to avoid reading the plan
    again).
    """
    row = row if row is not None else plan_row_for(incident)
    cadence = row.cadence_minutes if row is not None else None
    last = last_public_update_at(incident, now)
    if incident.is_closed:
        due = None
    elif last is None:
        due = first_due_at(incident, row)
    else:
        due = next_due_at(last, cadence)
    return CadenceState(
        last_public_at=last, cadence_minutes=cadence, next_due=due, now=now,
        first_update_minutes=row.first_update_minutes if row is not None else None,
        drafts_waiting=sum(1 for u in incident.updates if u.state == DRAFT))


def cadence_states(incidents: list[Incident], now: datetime) -> dict[str, CadenceState]:
    """Cadence of each open incident by public id (the dashboard's and list's column)."""
    loaded = plan.load_plan()  # one read of the plan for the whole list
    states = {}
    for incident in incidents:
        if incident.kind != INCIDENT or incident.is_closed:
            continue
        states[incident.public_id] = cadence_state(incident, now,
                                                   loaded[plan.plan_severity(incident)])
    return states


def send_due_reminders(now: datetime) -> list[str]:
    """Remind the communications lead of each overdue open incident; returns the public ids.

    Run every minute by the worker; safe to run concurrently (see `remind`).
    """
    ids = list(db.session.execute(
        select(Incident.id).where(Incident.kind == INCIDENT,
                                  Incident.status.in_(ACTIVE_INCIDENT_STATUSES),
                                  Incident.comms_lead_id.is_not(None))
        .order_by(Incident.id)
    ).scalars())
    db.session.rollback()
    reminded = []
    for incident_id in ids:
        public_id = remind(incident_id, now)
        if public_id is not None:
            reminded.append(public_id)
    return reminded


def remind(incident_id: int, now: datetime) -> str | None:
    """Remind the communications lead by email, and by SMS when they have a phone, if the
    incident is overdue and not yet reminded for this period; returns the public id, or None
    when nothing was sent.

    The conditional UPDATE on `cadence_reminded_at` claims the period: of two workers (or two
    runs) only one matches the row. The claim commits before the messages leave, so a crash in
    between loses one reminder rather than sending two. The reminder counts as sent when
    either channel accepted it (retrying would send the other one twice); only when every
    channel refused is the claim released, so the next run retries.
    """
    incident = db.session.get(Incident, incident_id, populate_existing=True)
    if incident is None or incident.comms_lead_id is None:
        db.session.rollback()
        return None
    row = plan_row_for(incident)
    state = cadence_state(incident, now, row)
    previous = incident.cadence_reminded_at
    if not reminder_due(previous, state.next_due, state.reminder_period, now):
        db.session.rollback()
        return None
    assert state.next_due is not None and state.reminder_period is not None
    period_start = now - timedelta(minutes=state.reminder_period)
    claimed = execute_dml(
        update(Incident)
        .where(Incident.id == incident_id,
               Incident.status.in_(ACTIVE_INCIDENT_STATUSES),
               Incident.comms_lead_id.is_not(None),
               or_(Incident.cadence_reminded_at.is_(None),
                   Incident.cadence_reminded_at < state.next_due,
                   Incident.cadence_reminded_at <= period_start))
        .values(cadence_reminded_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return None
    # Under the row lock: a public update may have been posted since the first read.
    incident = db.session.get(Incident, incident_id, populate_existing=True)
    assert incident is not None
    db.session.refresh(incident, ["updates"])
    state = cadence_state(incident, now, row)
    lead = incident.comms_lead
    if not state.overdue or lead is None or not lead.is_active_user:
        db.session.rollback()
        return None
    content, recipient = reminder_message(incident, lead, state)
    sms = reminder_sms(incident, lead, state)
    public_id = incident.public_id
    db.session.commit()
    sent = False
    try:
        email_channel().send_batch(content, [recipient])
        sent = True
    except DeliveryError as error:
        log.warning("cadence reminder email for %s not sent: %s", public_id, error.message)
        db.session.rollback()
    if sms is not None:
        try:
            sms_channel().send(*sms)
            sent = True
        except DeliveryError as error:
            log.warning("cadence reminder SMS for %s not sent: %s", public_id, error.message)
            db.session.rollback()
    if not sent:
        db.session.execute(
            update(Incident).where(Incident.id == incident_id,
                                   Incident.cadence_reminded_at == now)
            .values(cadence_reminded_at=previous)
            .execution_options(synchronize_session=False))
        db.session.commit()
        return None
    return public_id
