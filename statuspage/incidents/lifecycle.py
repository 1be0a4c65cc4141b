"""Use-cases for incidents: open, update, resolve, and find one by its public id.

Each function validates, changes the models, records the audit entry, marks the page
changed and commits once. Console views, the API, the CLI and the tests all call these.
How an update is stored and applied is in incidents.updates; scheduled maintenance has its
own use-cases (incidents.maintenance), which post their updates through post_update here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from statuspage import audit
from statuspage.core.errors import Conflict, DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.incidents import metadata as incident_metadata
from statuspage.incidents.roles import role_user, user_email
from statuspage.incidents.updates import UpdateInput, add_update, finish_incident
from statuspage.models import (
    INCIDENT,
    ComponentStatus,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    MaintenanceStatus,
    Severity,
    User,
    utcnow,
)
from statuspage.models.status import IMPACTS
from statuspage.plan import rules as plan

INCIDENT_STATUSES = tuple(s.value for s in IncidentStatus if s is not IncidentStatus.POSTMORTEM)
MAINTENANCE_STATUSES = tuple(s.value for s in MaintenanceStatus)
MAX_TITLE = 255


@dataclass
class IncidentInput:
    name: str
    severity: str
    update: UpdateInput
    started_at: datetime | None = None
    impact_override: str | None = None
    # Incident roles: console users (ids), optional.
    commander_id: int | None = None
    comms_lead_id: int | None = None
    # Statuspage's free-form `metadata` (incidents.metadata), from the Manage API.
    metadata: dict[str, Any] | None = None


@use_case
def open_incident(data: IncidentInput, actor: User | None,
                  bypass_approval: bool = False) -> Incident:
    """Open an incident with its first update; `started_at` may lie in the past.

    When the plan makes public updates at this severity wait for approval, the incident and
    its public opening update wait together, hidden from every public surface and changing and
    notifying nothing, until a second user approves that update (statuspage.incidents.approvals).
    """
    now = utcnow()
    check_title(data.name)
    if data.severity not in {s.value for s in Severity}:
        raise DomainError("Choose a severity from SEV1 to SEV4.", "severity")
    check_impact(data.impact_override)
    if data.update.status not in INCIDENT_STATUSES:
        raise DomainError("Choose an incident status.", "status")
    started_at = data.started_at or now
    if started_at > now + timedelta(minutes=5):
        raise DomainError("An incident cannot start in the future.", "started_at")
    commander = role_user(data.commander_id, "commander_id")
    comms_lead = role_user(data.comms_lead_id, "comms_lead_id")
    incident = Incident(
        kind=INCIDENT,
        name=data.name.strip(),
        status=data.update.status,
        severity=data.severity,
        impact_override=data.impact_override or None,
        started_at=started_at,
        created_at=now,
        updated_at=now,
        commander=commander,
        comms_lead=comms_lead,
        api_metadata=(incident_metadata.merged(None, data.metadata)
                      if data.metadata is not None else None),
    )
    db.session.add(incident)
    draft = (data.update.visibility == "public" and not bypass_approval
             and plan.needs_approval(plan.plan_severity(incident)))
    incident.awaiting_approval = draft
    display_at = data.update.display_at or (started_at if data.started_at else now)
    add_update(incident, replace(data.update, display_at=display_at), actor, now, draft=draft)
    db.session.flush()
    audit.record(actor, "incident.open", "incident", incident.public_id, name=incident.name,
                 severity=incident.severity, started_at=started_at.isoformat(),
                 commander=user_email(commander), comms_lead=user_email(comms_lead),
                 awaiting_approval=draft)
    return finish_incident(incident, draft)


@use_case
def post_update(incident: Incident, data: UpdateInput, actor: User | None,
                bypass_approval: bool = False) -> IncidentUpdate:
    """Add an update: it may change the status and the affected components' statuses.

    A public update the plan makes wait (or of an incident awaiting approval) is stored as a
    draft: audited, but changing and notifying nothing until approved. Internal ones never wait.
    """
    allowed = MAINTENANCE_STATUSES if incident.is_maintenance else INCIDENT_STATUSES
    if data.status not in allowed:
        if data.status in INCIDENT_STATUSES + MAINTENANCE_STATUSES:
            raise Conflict("Choose a status this incident can have.", "status")
        raise DomainError("Choose a status this incident can have.", "status")
    if incident.is_closed and data.status not in ("resolved", "completed"):
        raise Conflict("This incident is over; it cannot be reopened.", "status")
    now = utcnow()
    draft = data.visibility == "public" and not bypass_approval and (
        incident.awaiting_approval or plan.needs_approval(plan.plan_severity(incident)))
    update = add_update(incident, data, actor, now, draft=draft)
    db.session.flush()
    audit.record(actor, "incident.update_draft" if draft else "incident.update", "incident",
                 incident.public_id, status=data.status, update=update.public_id,
                 components={str(k): v for k, v in data.component_statuses.items()})
    finish_incident(incident, draft)
    return update


@use_case
def resolve_incident(
    incident: Incident,
    body: str,
    actor: User | None,
    restore_components: bool = True,
    display_at: datetime | None = None,
    bypass_approval: bool = False,
    sms_body: str | None = None,
) -> IncidentUpdate:
    """Resolve, optionally returning every affected component to operational."""
    final = "completed" if incident.is_maintenance else "resolved"
    statuses = (
        {c.id: ComponentStatus.OPERATIONAL.value for c in incident.components if not c.is_group}
        if restore_components
        else {}
    )
    return post_update(incident, UpdateInput(status=final, body=body, display_at=display_at,
                                             component_statuses=statuses, sms_body=sms_body),
                       actor, bypass_approval=bypass_approval)


def get_incident(public_id: str) -> Incident:
    incident = db.session.execute(
        select(Incident).where(Incident.public_id == public_id)
    ).scalar_one_or_none()
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def check_title(name: str) -> None:
    if not name or not name.strip():
        raise DomainError("Give the incident a title.", "name")
    if len(name) > MAX_TITLE:
        raise DomainError(f"The title is longer than {MAX_TITLE} characters.", "name")


def check_impact(impact: str | None) -> None:
    if impact and impact not in IMPACTS:
        raise DomainError("Unknown impact.", "impact_override")
