"""Update cadence of open incidents: when the last public update was shown, when the next is
due, and reminding the communications lead once per overdue period.

The clock is a parameter (`now`) everywhere, so tests move time by passing a value. The
cadence itself comes from the communication plan (`plan.cadence_minutes`), the same value the
response metrics measure against. Internal updates never restart the clock: only what the
public saw counts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from flask import current_app
from sqlalchemy import or_, select, update

from statuspage import plan, segments
from statuspage.extensions import db
from statuspage.messages_context import base_url, mail_host
from statuspage.models import INCIDENT, Incident, Page, User
from statuspage.models.status import ACTIVE_INCIDENT_STATUSES
from statuspage.notify.base import DeliveryError, EmailContent, Recipient, SmsContent
from statuspage.notify.registry import email_channel, sms_channel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CadenceState:
    """Where an open incident stands against its update cadence at `now`."""

    last_public_at: datetime
    cadence_minutes: int | None
    next_due: datetime | None
    now: datetime

    @property
    def overdue(self) -> bool:
        return is_overdue(self.next_due, self.now)

    @property
    def minutes_since(self) -> int:
        """Whole minutes since the last public update (0 for one dated in the future)."""
        return max(int((self.now - self.last_public_at).total_seconds() // 60), 0)

    @property
    def minutes_until_due(self) -> int | None:
        """Whole minutes until the next update is due; negative when overdue; None: no cadence."""
        if self.next_due is None:
            return None
        return int((self.next_due - self.now).total_seconds() // 60)

    @property
    def minutes_overdue(self) -> int:
        """Whole minutes past the due time (0 when not overdue)."""
        if self.next_due is None or not self.overdue:
            return 0
        return int((self.now - self.next_due).total_seconds() // 60)


def last_public_update_at(incident: Incident) -> datetime:
    """The display time of the newest public update, or `started_at` before there is one."""
    shown = [u.display_at for u in incident.public_updates]
    return max(shown) if shown else incident.started_at


def next_due_at(last_public_at: datetime, cadence_minutes: int | None) -> datetime | None:
    """When the next public update is due; None when the severity has no cadence."""
    if not cadence_minutes:
        return None
    return last_public_at + timedelta(minutes=cadence_minutes)


def is_overdue(next_due: datetime | None, now: datetime) -> bool:
    """Late once `now` is past the due time (exactly on time is not late)."""
    return next_due is not None and now > next_due


def reminder_due(reminded_at: datetime | None, next_due: datetime | None,
                 cadence_minutes: int | None, now: datetime) -> bool:
    """Whether the communications lead should be reminded now.

    Once per overdue period: the first time the incident is overdue since its last public
    update (the last reminder, if any, came before `next_due`), then again each time another
    full cadence passes without a public update.
    """
    if not cadence_minutes or not is_overdue(next_due, now):
        return False
    assert next_due is not None  # is_overdue said so
    if reminded_at is None or reminded_at < next_due:
        return True
    return now - reminded_at >= timedelta(minutes=cadence_minutes)


def cadence_minutes_for(incident: Incident) -> int | None:
    """The plan's cadence for this incident's severity; None for maintenance."""
    if incident.kind != INCIDENT:
        return None
    return plan.cadence_minutes(plan.plan_severity(incident))


def cadence_state(incident: Incident, now: datetime,
                  cadence_minutes: int | None = None) -> CadenceState:
    """The incident's cadence at `now`; a closed incident is never due.

    `cadence_minutes` defaults to the plan's value (pass it to avoid reading the plan again).
    """
    minutes = cadence_minutes if cadence_minutes is not None else cadence_minutes_for(incident)
    last = last_public_update_at(incident)
    due = None if incident.is_closed else next_due_at(last, minutes)
    return CadenceState(last_public_at=last, cadence_minutes=minutes, next_due=due, now=now)


def cadence_states(incidents: list[Incident], now: datetime) -> dict[str, CadenceState]:
    """Cadence of each open incident by public id (the dashboard's and list's column)."""
    loaded = plan.load_plan()  # one read of the plan for the whole list
    states = {}
    for incident in incidents:
        if incident.kind != INCIDENT or incident.is_closed:
            continue
        minutes = loaded[plan.plan_severity(incident)].cadence_minutes
        states[incident.public_id] = cadence_state(incident, now, minutes)
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
    state = cadence_state(incident, now)
    previous = incident.cadence_reminded_at
    if not reminder_due(previous, state.next_due, state.cadence_minutes, now):
        db.session.rollback()
        return None
    assert state.next_due is not None and state.cadence_minutes is not None
    period_start = now - timedelta(minutes=state.cadence_minutes)
    claimed = db.session.execute(
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
    state = cadence_state(incident, now, state.cadence_minutes)
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


def console_incident_url(incident: Incident) -> str:
    """Absolute link to the incident's console page, built without a request (the worker)."""
    path = current_app.url_map.bind("localhost").build(
        "console.incident_detail", {"public_id": incident.public_id})
    return f"{base_url()}{path}"


def _page_name() -> str:
    return db.session.scalar(select(Page.name).order_by(Page.id).limit(1)) or "Status page"


def reminder_sms(incident: Incident, lead: User,
                 state: CadenceState) -> tuple[SmsContent, Recipient] | None:
    """The short reminder text to the lead's phone; None when the lead has no phone.

    Kept to one GSM-7 segment where possible: look-alike punctuation is replaced, and a long
    page or incident name is shortened rather than the link, which is what the lead needs.
    """
    if not lead.phone:
        return None
    link = console_incident_url(incident)
    page_name = segments.gsm7_friendly(_page_name())
    name = segments.gsm7_friendly(incident.name)
    tail = f" update overdue by {state.minutes_overdue} min. Post one: {link}"
    enc = segments.encoding(page_name + name + tail)
    single, _ = segments.LIMITS[enc]
    room = single - segments.length(tail) - len(": ")
    if segments.length(page_name + name) > room:
        # The incident says more than the page name: give it two thirds of what is left.
        page_name = segments.truncate(page_name, max(room // 3, 8), enc)
        name = segments.truncate(name, max(room - segments.length(page_name), 8), enc)
    recipient = Recipient(delivery_id=None, subscriber_id=lead.id, address=lead.phone,
                          language="en", manage_url=link, unsubscribe_url=link)
    return SmsContent(body=f"{page_name}: {name}{tail}"), recipient


def reminder_message(incident: Incident, lead: User,
                     state: CadenceState) -> tuple[EmailContent, Recipient]:
    """The reminder email to the communications lead, and the lead as its one recipient."""
    page_name = _page_name()
    link = console_incident_url(incident)
    due = state.next_due.strftime("%H:%M UTC") if state.next_due else ""
    text = (
        f"A public update on “{incident.name}” ({incident.severity}) is overdue.\n\n"
        f"The last public update was shown {state.minutes_since} min ago; the communication "
        f"plan asks for one every {state.cadence_minutes} min, so the next was due at {due}.\n\n"
        f"Post an update: {link}\n\n"
        f"You receive this as the incident's communications lead."
    )
    html = (
        f"<p>A public update on “{escape(incident.name)}” ({escape(incident.severity or '')}) "
        f"is overdue.</p><p>The last public update was shown {state.minutes_since} min ago; "
        f"the communication plan asks for one every {state.cadence_minutes} min, so the next "
        f"was due at {due}.</p>"
        f'<p><a href="{escape(link)}">Post an update</a></p>'
        f"<p>You receive this as the incident's communications lead.</p>"
    )
    stamp = int(state.now.timestamp())
    content = EmailContent(
        subject=f"[{page_name}] Update due: {incident.name}",
        html=html,
        text=text,
        message_id=f"<cadence-{incident.public_id}-{stamp}@{mail_host(base_url())}>",
    )
    # A console user is no subscriber: there is nothing to manage or unsubscribe from, so
    # those links lead to the incident, where the roles are changed.
    recipient = Recipient(delivery_id=None, subscriber_id=lead.id, address=lead.email,
                          language="en", manage_url=link, unsubscribe_url=link)
    return content, recipient
