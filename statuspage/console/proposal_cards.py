"""Proposed incidents as the console shows them: the dashboard's cards and a proposal's page.

Everything is prepared here (the templates only render): what the proposal is, what it
suggests, what state it is in said in words, and the links and forms a user may use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from markupsafe import Markup

from statuspage.alerts import board
from statuspage.core.rendering import markdown_html
from statuspage.models import AlertProposal, ReceivedAlert
from statuspage.models.alerts import (
    PROPOSAL_ACCEPTED,
    PROPOSAL_DISMISSED,
    PROPOSAL_OPEN,
    PROPOSAL_RESOLVED,
)
from statuspage.models.status import CLOSED_STATUSES


@dataclass(frozen=True)
class ProposalCard:
    public_id: str
    title: str
    severity: str
    status: str
    state: str
    source: str
    alerts: int
    firing: int
    components: list[str]
    created_at: datetime
    updated_at: datetime
    url: str
    declare_url: str | None
    dismiss_url: str | None
    incident_name: str | None
    incident_url: str | None
    decided: str | None


@dataclass(frozen=True)
class AlertLine:
    title: str
    status: str
    labels: str
    notes: list[str]
    starts_at: datetime | None
    received: int
    generator_url: str | None


def _state(proposal: AlertProposal) -> str:
    if proposal.status == PROPOSAL_OPEN:
        return "Firing: waiting for a decision."
    if proposal.status == PROPOSAL_RESOLVED:
        return "Every alert has resolved: dismiss it, unless an incident is still wanted."
    if proposal.status == PROPOSAL_DISMISSED:
        return "Dismissed" + (f": {proposal.dismiss_reason}" if proposal.dismiss_reason else ".")
    incident = proposal.incident
    if incident is not None and incident.status not in CLOSED_STATUSES and (
            proposal.resolution_suggested_at is not None):
        return "Every alert has resolved: consider resolving the incident."
    return "Declared as an incident."


def _decided(proposal: AlertProposal) -> str | None:
    if proposal.status not in (PROPOSAL_ACCEPTED, PROPOSAL_DISMISSED):
        return None
    who = proposal.decided_by.email if proposal.decided_by else "someone"
    return f"{proposal.status.capitalize()} by {who}"


def card(proposal: AlertProposal, can_decide: bool) -> ProposalCard:
    """One proposal; `can_decide`: the viewer may declare or dismiss (communicator, admin)."""
    undecided = proposal.status in (PROPOSAL_OPEN, PROPOSAL_RESOLVED)
    incident = proposal.incident
    return ProposalCard(
        public_id=proposal.public_id, title=proposal.title, severity=proposal.severity,
        status=proposal.status, state=_state(proposal),
        source=proposal.source.name if proposal.source else "a removed source",
        alerts=proposal.alert_count, firing=proposal.firing_count,
        components=[s.label for s in board.suggestions(proposal)],
        created_at=proposal.created_at, updated_at=proposal.updated_at,
        url=url_for("console.alert_proposal", public_id=proposal.public_id),
        declare_url=url_for("console.alert_proposal_declare", public_id=proposal.public_id)
        if undecided and can_decide else None,
        dismiss_url=url_for("console.alert_proposal_dismiss", public_id=proposal.public_id)
        if undecided and can_decide else None,
        incident_name=incident.name if incident else None,
        incident_url=url_for("console.incident_detail", public_id=incident.public_id)
        if incident else None,
        decided=_decided(proposal),
    )


def dashboard_cards(can_decide: bool) -> list[ProposalCard]:
    """The dashboard's proposals (statuspage.alerts.board.dashboard)."""
    return [card(p, can_decide) for p in board.dashboard()]


def _line(alert: ReceivedAlert) -> AlertLine:
    url = alert.generator_url if (alert.generator_url or "").startswith(
        ("https://", "http://")) else None
    return AlertLine(
        title=board.alert_title(alert), status=alert.status,
        labels=", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items())),
        notes=board.note_lines(alert), starts_at=alert.starts_at,
        received=alert.times_received, generator_url=url)


def alert_lines(proposal: AlertProposal) -> list[AlertLine]:
    """The proposal's alerts (firing first, newest first, at most board.MAX_LISTED_ALERTS)."""
    return [_line(alert) for alert in board.alerts_of(proposal)]


def notes_html(notes: str) -> Markup:
    """The internal note the alerts make, as the incident page will show it."""
    return markdown_html(notes)
