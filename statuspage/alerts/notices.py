"""Telling the on-duty staff that monitoring proposes an incident. Sent by the worker.

Who is on duty: the console users who can act on a proposal, i.e. declare an incident (every
active communicator and admin), the same people the approval notices reach
(incidents.approval_notices.approvers). Each gets an email; those with a phone also get an SMS
when the proposed severity is SEV1 or SEV2, the rule the approval notices follow for urgent
severities. Stakeholder groups are not told: they hear of an incident through the plan once
someone declares it.

One notice per proposal, whatever the number of alerts: it is claimed with a conditional
UPDATE on `notified_at` (two workers, or the task and the sweep, never send it twice), sent
once the quiet period after the proposal's creation is over (so a burst's later alerts are
counted in it), and not at all for a proposal decided or resolved meanwhile. The claim is
released when every message was refused, so the sweep tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from statuspage.alerts import board
from statuspage.alerts.intake import NOTICE_QUIET_SECONDS
from statuspage.core.extensions import db
from statuspage.core.transaction import execute_dml
from statuspage.incidents.approval_notices import approvers
from statuspage.messages import alert_proposals as text
from statuspage.messages.approval_context import URGENT_SEVERITIES
from statuspage.messages.context import console_link
from statuspage.models import AlertProposal, User
from statuspage.models.alerts import PROPOSAL_OPEN
from statuspage.notify.base import DeliveryError, Recipient
from statuspage.notify.registry import email_channel, sms_channel

log = logging.getLogger(__name__)
MAX_NOTES = 10


def describe(proposal: AlertProposal) -> text.ProposalNotice:
    """The proposal as the notices describe it."""
    notes: list[str] = []
    for alert in board.alerts_of(proposal, MAX_NOTES):
        notes.extend(f"{board.alert_title(alert)}: {line}" for line in board.note_lines(alert))
    return text.ProposalNotice(
        public_id=proposal.public_id, title=proposal.title, severity=proposal.severity,
        source=proposal.source.name if proposal.source else "a removed source",
        alerts=proposal.alert_count, firing=proposal.firing_count,
        components=[s.label for s in board.suggestions(proposal)], notes=notes[:MAX_NOTES],
        link=console_link("console.alert_proposal", proposal.public_id),
        urgent=proposal.severity in URGENT_SEVERITIES)


def _recipient(user: User, address: str, link: str) -> Recipient:
    # A console user is no subscriber: no unsubscribe link; the link is where they decide.
    return Recipient(delivery_id=None, subscriber_id=user.id, address=address, language="en",
                     manage_url=link, unsubscribe_url="")


def notify_proposal(proposal_id: int, now: datetime) -> int:
    """Tell the on-duty staff about one proposal; returns how many messages were accepted
    (0: already told, decided, all resolved, or nobody to tell)."""
    claimed = execute_dml(
        update(AlertProposal)
        .where(AlertProposal.id == proposal_id, AlertProposal.status == PROPOSAL_OPEN,
               AlertProposal.notified_at.is_(None))
        .values(notified_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        return 0
    proposal = db.session.get(AlertProposal, proposal_id, populate_existing=True)
    assert proposal is not None
    notice = describe(proposal)
    people = approvers(None)
    emails = [_recipient(user, user.email, notice.link) for user in people]
    phones = [_recipient(user, user.phone, notice.link)
              for user in people if notice.urgent and user.phone]
    db.session.commit()
    if not people:
        log.warning("nobody to tell about alert proposal %s", notice.public_id)
        return 0
    sent = 0
    try:
        email_channel().send_batch(text.proposal_email(notice), emails)
        sent += len(emails)
    except DeliveryError as error:
        log.warning("alert proposal notice email for %s not sent: %s", notice.public_id,
                    error.message)
        db.session.rollback()
    sms = text.proposal_sms(notice)
    for phone in phones:
        try:
            sms_channel().send(sms, phone)
            sent += 1
        except DeliveryError as error:
            log.warning("alert proposal notice SMS for %s not sent: %s", notice.public_id,
                        error.message)
            db.session.rollback()
    if not sent:
        execute_dml(update(AlertProposal)
                    .where(AlertProposal.id == proposal_id, AlertProposal.notified_at == now)
                    .values(notified_at=None).execution_options(synchronize_session=False))
        db.session.commit()
    return sent


def notify_due(now: datetime) -> list[str]:
    """The sweep: tell the staff of every open proposal past its quiet period and not told
    yet (a lost or failed notice); returns the public ids told. Run every minute."""
    due = now - timedelta(seconds=NOTICE_QUIET_SECONDS)
    found = list(db.session.execute(
        select(AlertProposal.id, AlertProposal.public_id)
        .where(AlertProposal.status == PROPOSAL_OPEN, AlertProposal.notified_at.is_(None),
               AlertProposal.created_at <= due)
        .order_by(AlertProposal.id)))
    db.session.rollback()
    return [public_id for proposal_id, public_id in found if notify_proposal(proposal_id, now)]
