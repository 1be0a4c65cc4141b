"""The communications lead's decision on a proposed incident: declare it, or dismiss it.

Declaring goes through the ordinary declare flow (incidents.lifecycle.open_incident: the plan,
approvals, fan-out and audit as for any incident), prefilled from the proposal: its title,
severity, the components its alerts name at the statuses they suggest, and a neutral opening
text, all editable. The alerts' annotations are added to the incident as an internal note
(never public, notifying no one). Whoever decides first wins: the decision is claimed with a
conditional UPDATE, so a second person gets a clear refusal instead of a second incident.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from statuspage import audit
from statuspage.alerts import board, grouping
from statuspage.core.errors import Conflict
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.incidents.lifecycle import IncidentInput, open_incident, post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import AlertProposal, Incident, User, utcnow
from statuspage.models.alerts import PROPOSAL_ACCEPTED, PROPOSAL_DISMISSED, UNDECIDED

MAX_REASON = 500


@dataclass(frozen=True)
class Prefill:
    """What the declare form starts from."""

    name: str
    severity: str
    status: str
    body: str
    components: dict[int, str] = field(default_factory=dict)
    notes: str = ""


def prefill(proposal: AlertProposal) -> Prefill:
    """The declare form's starting values for this proposal."""
    found = board.suggestions(proposal)
    names = ", ".join(s.component.display_name for s in found)
    body = (f"We are investigating a problem affecting {names}. We will post an update as "
            "soon as we know more." if names
            else "We are investigating a problem. We will post an update as soon as we know "
                 "more.")
    return Prefill(name=proposal.title, severity=proposal.severity, status="investigating",
                   body=body, components={s.component.id: s.status for s in found},
                   notes=board.notes(proposal))


def _check_undecided(proposal: AlertProposal) -> None:
    if proposal.status not in UNDECIDED:
        who = proposal.decided_by.email if proposal.decided_by else "someone"
        raise Conflict(f"This proposal was already {proposal.status} by {who}.", "proposal")


@use_case
def accept(proposal: AlertProposal, data: IncidentInput, actor: User | None) -> Incident:
    """Declare an incident from the proposal (as `data` says, edited or not); its alerts'
    annotations become the incident's internal note."""
    _check_undecided(proposal)
    notes = board.notes(proposal)
    now = utcnow()
    if not grouping.claim(proposal, PROPOSAL_ACCEPTED, now, actor.id if actor else None):
        db.session.rollback()
        raise Conflict("Someone decided this proposal a moment ago.", "proposal")
    audit.record(actor, "alert_proposal.accept", "alert_proposal", proposal.public_id,
                 title=data.name, severity=data.severity)
    # The claim, its audit entry and the incident commit together (open_incident's commit);
    # a refusal there rolls all three back and the proposal stays undecided.
    incident = open_incident(data, actor)
    proposal.incident_id = incident.id
    if proposal.firing_count == 0:  # declared after every alert resolved: say so at once
        proposal.resolution_suggested_at = now
    if not notes:
        db.session.commit()
        return incident
    post_update(incident, UpdateInput(status=incident.status, body=notes, visibility="internal",
                                      deliver_notifications=False), actor)
    return incident


@use_case
def dismiss(proposal: AlertProposal, reason: str, actor: User | None) -> AlertProposal:
    """Dismiss the proposal: no incident. Repeats of its alerts stay on it; an alert that
    fires again after resolving proposes anew."""
    _check_undecided(proposal)
    reason = " ".join((reason or "").split())[:MAX_REASON]
    if not grouping.claim(proposal, PROPOSAL_DISMISSED, utcnow(), actor.id if actor else None):
        db.session.rollback()
        raise Conflict("Someone decided this proposal a moment ago.", "proposal")
    proposal.dismiss_reason = reason or None
    audit.record(actor, "alert_proposal.dismiss", "alert_proposal", proposal.public_id,
                 title=proposal.title, reason=reason or None)
    db.session.commit()
    return proposal
