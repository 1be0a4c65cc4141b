"""Which proposed incident an alert joins: repeated or related alerts gather on one.

A proposal is *live* while nobody decided it (open, or resolved: every alert resolved), or
while the incident declared from it is open. A firing alert that is new (or fires again after
resolving) joins, in this order:
1. the live proposal with the same sender group (Alertmanager's and Grafana's groupKey);
2. a live proposal with an alert on one of the same components (through the mappings);
3. for alerts no mapping matches, the live proposal of the same source whose alerts match
   none either;
and otherwise starts a new one. A repeat of an alert already on a proposal stays where it is,
even once that proposal was dismissed (Alertmanager repeats firing alerts every
repeat_interval: a dismissed proposal must not come back by itself).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from statuspage.core.extensions import db
from statuspage.core.transaction import execute_dml
from statuspage.models import AlertMatch, AlertProposal, AlertSource, Incident, ReceivedAlert
from statuspage.models.alerts import (
    FIRING,
    PROPOSAL_ACCEPTED,
    PROPOSAL_OPEN,
    PROPOSAL_RESOLVED,
    UNDECIDED,
)
from statuspage.models.status import CLOSED_STATUSES

SEVERITY_ORDER = ("SEV1", "SEV2", "SEV3", "SEV4")


def group_hash(group_key: str) -> str:
    return hashlib.sha256(group_key.encode()).hexdigest()


def worse_severity(a: str, b: str) -> str:
    """The more severe of two severities (SEV1 is the worst)."""
    return min(a, b, key=lambda s: SEVERITY_ORDER.index(s) if s in SEVERITY_ORDER else 9)


def live() -> ColumnElement[bool]:
    """Proposals alerts may still join: undecided, or accepted with the incident open."""
    incident_open = exists().where(Incident.id == AlertProposal.incident_id,
                                   Incident.status.not_in(CLOSED_STATUSES))
    return or_(AlertProposal.status.in_(UNDECIDED),
               and_(AlertProposal.status == PROPOSAL_ACCEPTED, incident_open))


def _has_matches() -> ColumnElement[bool]:
    return exists().where(ReceivedAlert.proposal_id == AlertProposal.id,
                          AlertMatch.alert_id == ReceivedAlert.id)


def find_live(source: AlertSource, group_key: str,
              component_ids: Iterable[int]) -> AlertProposal | None:
    """The live proposal a batch's new firing alerts join (rules 1-3), or None."""
    newest = (AlertProposal.created_at.desc(), AlertProposal.id.desc())
    if group_key:
        found = db.session.scalar(select(AlertProposal).where(
            live(), AlertProposal.source_id == source.id,
            AlertProposal.group_hash == group_hash(group_key)).order_by(*newest).limit(1))
        if found is not None:
            return found
    ids = sorted(set(component_ids))
    if ids:
        on_components = exists().where(ReceivedAlert.proposal_id == AlertProposal.id,
                                       AlertMatch.alert_id == ReceivedAlert.id,
                                       AlertMatch.component_id.in_(ids))
        return db.session.scalar(select(AlertProposal).where(live(), on_components)
                                 .order_by(*newest).limit(1))
    return db.session.scalar(select(AlertProposal).where(
        live(), AlertProposal.source_id == source.id, ~_has_matches())
        .order_by(*newest).limit(1))


def new_proposal(source: AlertSource, group_key: str, title: str, severity: str,
                 now: datetime) -> AlertProposal:
    """A new open proposal (added to the session)."""
    proposal = AlertProposal(
        source=source, group_key=group_key, group_hash=group_hash(group_key),
        status=PROPOSAL_OPEN, title=(title or f"Alert from {source.name}")[:255],
        severity=severity, created_at=now, updated_at=now)
    db.session.add(proposal)
    return proposal


def refresh(proposal_ids: Iterable[int], now: datetime) -> None:
    """Recount the alerts of these proposals and move them on: all resolved suggests
    dismissing an undecided one, or resolving an accepted one's incident; a new firing alert
    withdraws that suggestion."""
    ids = sorted(set(proposal_ids))
    if not ids:
        return
    db.session.flush()
    counts = {pid: (total, firing or 0) for pid, total, firing in db.session.execute(
        select(ReceivedAlert.proposal_id, func.count(),
               func.sum(case((ReceivedAlert.status == FIRING, 1), else_=0)))
        .where(ReceivedAlert.proposal_id.in_(ids)).group_by(ReceivedAlert.proposal_id))}
    for proposal in db.session.scalars(select(AlertProposal).where(AlertProposal.id.in_(ids))):
        total, firing = counts.get(proposal.id, (0, 0))
        proposal.alert_count, proposal.firing_count = total, firing
        proposal.updated_at = now
        if proposal.status == PROPOSAL_OPEN and firing == 0:
            proposal.status = PROPOSAL_RESOLVED
        elif proposal.status == PROPOSAL_RESOLVED and firing > 0:
            proposal.status = PROPOSAL_OPEN
        elif proposal.status == PROPOSAL_ACCEPTED:
            suggested = proposal.resolution_suggested_at
            proposal.resolution_suggested_at = (suggested or now) if firing == 0 else None


def claim(proposal: AlertProposal, status: str, now: datetime, actor_id: int | None) -> bool:
    """Decide an undecided proposal, once: a conditional UPDATE, so two people deciding at
    the same moment cannot both win. Returns whether this call decided it."""
    claimed = execute_dml(
        update(AlertProposal)
        .where(AlertProposal.id == proposal.id, AlertProposal.status.in_(UNDECIDED))
        .values(status=status, decided_at=now, decided_by_id=actor_id, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if claimed == 1:
        db.session.refresh(proposal)
    return claimed == 1
