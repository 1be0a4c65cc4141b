"""Receiving one notification from a monitoring system: the alerts recorded, grouped on a
proposed incident, and the automatic component statuses applied, in one transaction.

Work per request is bounded by the request, not by history: each alert is upserted by its
fingerprint (a repeat or a flood of repeats adds no rows), the mappings and the alerts already
known are read in one query each, the proposal is found with at most three indexed queries,
and the on-duty staff are told once per proposal, by the worker, after a quiet period that
lets the rest of a burst join first (statuspage.alerts.notices). Nothing is audited per
alert: a proposal's creation and every component status change are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from statuspage import audit
from statuspage.alerts import automation, grouping
from statuspage.alerts.mappings import Matcher
from statuspage.alerts.payloads import Batch, IncomingAlert
from statuspage.alerts.sources import audit_label
from statuspage.core import jobs
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import (
    AlertMapping,
    AlertMatch,
    AlertProposal,
    AlertSource,
    ComponentStatus,
    ReceivedAlert,
)
from statuspage.models.alerts import FIRING, UNDECIDED
from statuspage.page.record import touch_page

log = logging.getLogger(__name__)

# Seconds between a proposal's creation and the notice to the on-duty staff: the rest of a
# burst (Alertmanager's other groups, Grafana's other rules) joins it first.
NOTICE_QUIET_SECONDS = 30
_IN_CHUNK = 500


@dataclass(frozen=True)
class Receipt:
    """What one notification did: alerts recorded and left out, and the proposal new firing
    alerts joined (its public id; None when none did)."""

    received: int
    ignored: int
    proposal: str | None


def _known(source: AlertSource, fingerprints: list[str]) -> dict[str, ReceivedAlert]:
    known: dict[str, ReceivedAlert] = {}
    for start in range(0, len(fingerprints), _IN_CHUNK):
        chunk = fingerprints[start:start + _IN_CHUNK]
        known.update((row.fingerprint, row) for row in db.session.scalars(
            select(ReceivedAlert).options(selectinload(ReceivedAlert.matches))
            .where(ReceivedAlert.source_id == source.id, ReceivedAlert.fingerprint.in_(chunk))))
    return known


def _rank(status: str) -> int:
    return ComponentStatus(status).rank


def _set_matches(row: ReceivedAlert, mapped: list[AlertMapping]) -> None:
    """The components the alert concerns now: one match per component, its worst status,
    automatic if any mapping for it is. Rewritten only when it changed."""
    wanted: dict[int, tuple[str, bool]] = {}
    for mapping in mapped:
        status, automatic = wanted.get(mapping.component_id, (mapping.component_status, False))
        if _rank(mapping.component_status) > _rank(status):
            status = mapping.component_status
        wanted[mapping.component_id] = (status, automatic or mapping.automatic)
    current = {m.component_id: (m.status, m.automatic) for m in row.matches}
    if current != wanted:
        row.matches = [AlertMatch(component_id=cid, status=status, automatic=automatic)
                       for cid, (status, automatic) in sorted(wanted.items())]


def _is_new_occurrence(row: ReceivedAlert | None, alert: IncomingAlert) -> bool:
    """A firing alert never seen, firing again after it resolved, or started anew."""
    if row is None or row.proposal_id is None:
        return True
    if row.status != FIRING:
        return True
    return (alert.starts_at is not None and row.starts_at is not None
            and alert.starts_at != row.starts_at)


@use_case
def receive(source: AlertSource, batch: Batch, now: datetime) -> Receipt:
    """Record a notification's alerts and act on them (see the module's description)."""
    with audit.acting_as(audit_label(source)):
        receipt, created = _receive(source, batch, now)
    if created is not None:
        _ask_for_notice(created, receipt.proposal)
    return receipt


def _receive(source: AlertSource, batch: Batch, now: datetime) -> tuple[Receipt, int | None]:
    """The receipt, and the id of the proposal this notification created (None: none)."""
    matcher = Matcher(source)
    latest = {alert.fingerprint: alert for alert in batch.alerts}  # the last state wins
    known = _known(source, list(latest))
    joining: list[tuple[ReceivedAlert, IncomingAlert]] = []
    touched: set[int] = set()
    wanted: dict[int, str] = {}
    behind: dict[int, str] = {}
    released: set[int] = set()
    components: set[int] = set()
    severity: str | None = None
    for fingerprint, alert in latest.items():
        row = known.get(fingerprint)
        new = _is_new_occurrence(row, alert)
        if row is None:
            row = ReceivedAlert(source_id=source.id, fingerprint=fingerprint, times_received=0,
                                first_received_at=now)
            db.session.add(row)
        released.update(m.component_id for m in row.matches if m.automatic)
        row.status, row.labels, row.annotations = alert.status, alert.labels, alert.annotations
        row.starts_at, row.ends_at = alert.starts_at, alert.ends_at
        row.generator_url = alert.generator_url
        row.times_received += 1
        row.last_received_at = now
        mapped = matcher.matches(alert.labels)
        _set_matches(row, mapped)
        if row.proposal_id is not None:
            touched.add(row.proposal_id)
        if alert.status != FIRING:
            released.update(m.component_id for m in row.matches if m.automatic)
            continue
        for mapping in mapped:
            components.add(mapping.component_id)
            severity = grouping.worse_severity(severity or mapping.severity, mapping.severity)
            if mapping.automatic and _rank(mapping.component_status) > _rank(
                    wanted.get(mapping.component_id, "operational")):
                wanted[mapping.component_id] = mapping.component_status
                behind[mapping.component_id] = fingerprint
        if new:
            joining.append((row, alert))
    target, created = _join(source, batch, joining, components, severity, now)
    if target is not None:
        touched.add(target.id)
    grouping.refresh(touched, now)
    changed = automation.apply(source, wanted, behind, now)
    changed = automation.release(released - set(wanted), now) or changed
    if changed:
        touch_page()
    source.last_received_at = now
    db.session.commit()
    receipt = Receipt(received=len(batch.alerts), ignored=batch.ignored,
                      proposal=target.public_id if target is not None else None)
    return receipt, target.id if target is not None and created else None


def _join(source: AlertSource, batch: Batch, joining: list[tuple[ReceivedAlert, IncomingAlert]],
          components: set[int], severity: str | None,
          now: datetime) -> tuple[AlertProposal | None, bool]:
    """Put the new firing alerts on their proposal: a live one (statuspage.alerts.grouping)
    or a new one, proposed at the worst severity their mappings name."""
    if not joining:
        return None, False
    target = grouping.find_live(source, batch.group_key, components)
    created = target is None
    if target is None:
        title = next((alert.title for _row, alert in joining if alert.title), "")
        target = grouping.new_proposal(source, batch.group_key, title,
                                       severity or source.default_severity, now)
        db.session.flush()
        audit.record(None, "alert_proposal.create", "alert_proposal", target.public_id,
                     title=target.title, severity=target.severity, source=source.name)
    elif severity is not None and target.status in UNDECIDED:
        target.severity = grouping.worse_severity(target.severity, severity)
    for row, _alert in joining:
        row.proposal = target
    return target, created


def _ask_for_notice(proposal_id: int, proposal_public_id: str | None) -> None:
    """Ask the worker to tell the on-duty staff once the quiet period is over. A lost request
    loses nothing: the worker's sweep finds every proposal not told yet."""
    try:
        jobs.enqueue("notify_alert_proposal", proposal_id, delay=NOTICE_QUIET_SECONDS)
    except Exception as error:  # committed: the sweep (every minute) sends it instead
        log.warning("could not queue the notice for alert proposal %s (%s); the sweep will "
                    "send it", proposal_public_id, error)
