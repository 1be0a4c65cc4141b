"""Reading proposals: what the dashboard shows, what the notices say, what declaring prefills.

A proposal's components and suggested statuses come from its alerts' matches (the worst
status per component); its notes are its alerts' annotations, newest alerts first, which
become the incident's internal note when it is declared.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from statuspage.core.errors import NotFound
from statuspage.core.extensions import db
from statuspage.models import (
    AlertMatch,
    AlertProposal,
    Component,
    ComponentStatus,
    Incident,
    ReceivedAlert,
)
from statuspage.models.alerts import FIRING, PROPOSAL_ACCEPTED, UNDECIDED
from statuspage.models.status import CLOSED_STATUSES

# The internal note made from the annotations stays well inside an update's 25,000 characters.
MAX_NOTE_ALERTS = 20
MAX_NOTE_CHARS = 20_000
MAX_LISTED_ALERTS = 50
DASHBOARD_LIMIT = 20


@dataclass(frozen=True)
class Suggestion:
    """A component the alerts name, the status they suggest, whether it is set by itself."""

    component: Component
    status: str
    automatic: bool

    @property
    def label(self) -> str:
        text = f"{self.component.display_name}: {ComponentStatus(self.status).label}"
        return text + (" (set automatically)" if self.automatic else "")


def get_proposal(public_id: str) -> AlertProposal:
    proposal = db.session.scalar(select(AlertProposal).where(
        AlertProposal.public_id == public_id))
    if proposal is None:
        raise NotFound("No such proposal.")
    return proposal


def suggestions(proposal: AlertProposal) -> list[Suggestion]:
    """Each component the proposal's alerts name, at the worst status they suggest."""
    rows = db.session.execute(
        select(AlertMatch.component_id, AlertMatch.status, AlertMatch.automatic)
        .join(ReceivedAlert, ReceivedAlert.id == AlertMatch.alert_id)
        .where(ReceivedAlert.proposal_id == proposal.id))
    worst: dict[int, tuple[str, bool]] = {}
    for component_id, status, automatic in rows:
        old, was_automatic = worst.get(component_id, (status, False))
        if ComponentStatus(status).rank > ComponentStatus(old).rank:
            old = status
        worst[component_id] = (old, was_automatic or automatic)
    components = {c.id: c for c in db.session.scalars(
        select(Component).where(Component.id.in_(worst)))} if worst else {}
    found = [Suggestion(components[cid], status, automatic)
             for cid, (status, automatic) in worst.items() if cid in components]
    return sorted(found, key=lambda s: (s.component.group_id or 0, s.component.position,
                                        s.component.id))


def alerts_of(proposal: AlertProposal, limit: int = MAX_LISTED_ALERTS) -> list[ReceivedAlert]:
    """The proposal's alerts, firing ones first, newest first."""
    return list(db.session.scalars(
        select(ReceivedAlert).where(ReceivedAlert.proposal_id == proposal.id)
        .order_by((ReceivedAlert.status == FIRING).desc(), ReceivedAlert.last_received_at.desc(),
                  ReceivedAlert.id.desc()).limit(limit)))


def alert_title(alert: ReceivedAlert) -> str:
    return str(alert.annotations.get("summary") or alert.labels.get("alertname")
               or alert.fingerprint)


def note_lines(alert: ReceivedAlert) -> list[str]:
    """`name: text` for each annotation (the summary is the title), one line each."""
    return [f"{name}: {' '.join(str(text).split())}"
            for name, text in sorted(alert.annotations.items()) if name != "summary" and text]


def notes(proposal: AlertProposal) -> str:
    """The alerts' annotations as markdown, for the incident's internal note ("" if none)."""
    parts: list[str] = []
    alerts = alerts_of(proposal, MAX_NOTE_ALERTS)
    for alert in alerts:
        labels = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()))
        lines = [f"- {_escape(line)}" for line in note_lines(alert)]
        if _plain_url(alert.generator_url):
            lines.append(f"- source: <{alert.generator_url}>")
        parts.append(f"**{_escape(alert_title(alert))}** ({alert.status}; "
                     f"{_escape(labels)})\n\n" + "\n".join(lines))
    if not parts:
        return ""
    head = "Alerts behind this incident (from monitoring):\n\n"
    more = proposal.alert_count - len(alerts)
    tail = f"\n\n…and {more} more alerts." if more > 0 else ""
    return (head + "\n\n".join(parts))[:MAX_NOTE_CHARS] + tail


def _plain_url(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("https://", "http://")) and not any(
        ch in str(url) for ch in " <>\n")


def _escape(text: str) -> str:
    # Alert text is not markdown: keep it from becoming headings, links or emphasis.
    return "".join(f"\\{ch}" if ch in "\\`*_[]<>#" else ch for ch in text)


def dashboard() -> list[AlertProposal]:
    """What waits on the dashboard: undecided proposals, and accepted ones whose alerts all
    resolved while their incident is still open (resolving it is suggested); newest first."""
    incident_open = and_(AlertProposal.status == PROPOSAL_ACCEPTED,
                         AlertProposal.resolution_suggested_at.is_not(None),
                         Incident.status.not_in(CLOSED_STATUSES))
    return list(db.session.scalars(
        select(AlertProposal).outerjoin(Incident, Incident.id == AlertProposal.incident_id)
        .where(or_(AlertProposal.status.in_(UNDECIDED), incident_open))
        .options(selectinload(AlertProposal.source), selectinload(AlertProposal.incident))
        .order_by(AlertProposal.created_at.desc(), AlertProposal.id.desc())
        .limit(DASHBOARD_LIMIT)))


def recent(limit: int = 50) -> list[AlertProposal]:
    """The latest proposals whatever their state (the console's alerts page)."""
    return list(db.session.scalars(
        select(AlertProposal)
        .options(selectinload(AlertProposal.source), selectinload(AlertProposal.decided_by),
                 selectinload(AlertProposal.incident))
        .order_by(AlertProposal.created_at.desc(), AlertProposal.id.desc()).limit(limit)))
