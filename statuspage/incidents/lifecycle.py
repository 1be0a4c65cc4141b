"""Use-cases for incidents and scheduled maintenance: open, update, resolve, schedule.

Each function validates, changes the models, records the audit entry, marks the page
changed and commits once. Console views, the API, the CLI and the tests all call these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select

from statuspage import audit
from statuspage.core.errors import Conflict, DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.incidents.roles import role_user, user_email
from statuspage.incidents.templates import update_sms
from statuspage.models import (
    INCIDENT,
    MAINTENANCE,
    Component,
    ComponentChange,
    ComponentStatus,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    MaintenanceStatus,
    Severity,
    User,
    utcnow,
)
from statuspage.models.incidents import DRAFT
from statuspage.models.plan import MAINTENANCE_PLAN
from statuspage.models.status import IMPACTS, worst
from statuspage.outbox import publish as delivery
from statuspage.page import uptime
from statuspage.page.record import touch_page
from statuspage.plan import rules as plan

INCIDENT_STATUSES = tuple(s.value for s in IncidentStatus if s is not IncidentStatus.POSTMORTEM)
MAINTENANCE_STATUSES = tuple(s.value for s in MaintenanceStatus)
MAX_TITLE = 255
MAX_BODY = 25_000
MAX_REMIND_MINUTES = 30 * 24 * 60


@dataclass
class UpdateInput:
    """One update: the new status, its text and the component statuses it sets."""

    status: str
    body: str = ""
    # component id -> status after this update; every key is an affected component.
    component_statuses: Mapping[int, str] = field(default_factory=dict)
    deliver_notifications: bool = True
    display_at: datetime | None = None
    visibility: str = "public"
    # The SMS wording chosen in the composer (message_templates.update_sms checks it).
    sms_body: str | None = None


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


@dataclass
class MaintenanceInput:
    name: str
    scheduled_for: datetime
    scheduled_until: datetime
    body: str = ""
    component_ids: list[int] = field(default_factory=list)
    auto_start: bool = False
    auto_complete: bool = False
    deliver_notifications: bool = True
    impact_override: str | None = None
    auto_transition_components: bool = False
    remind_before_minutes: int | None = None
    sms_body: str | None = None


@use_case
def open_incident(data: IncidentInput, actor: User | None,
                  bypass_approval: bool = False) -> Incident:
    """Open an incident with its first update; `started_at` may lie in the past.

    When the plan makes public updates at this severity wait for approval, the incident and
    its public opening update wait together, hidden from every public surface and changing and
    notifying nothing, until a second user approves that update (statuspage.incidents.approvals).
    """
    now = utcnow()
    _check_title(data.name)
    if data.severity not in {s.value for s in Severity}:
        raise DomainError("Choose a severity from SEV1 to SEV4.", "severity")
    _check_impact(data.impact_override)
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
    )
    db.session.add(incident)
    draft = (data.update.visibility == "public" and not bypass_approval
             and plan.needs_approval(plan.plan_severity(incident)))
    incident.awaiting_approval = draft
    display_at = data.update.display_at or (started_at if data.started_at else now)
    _add_update(incident, replace(data.update, display_at=display_at), actor, now, draft=draft)
    db.session.flush()
    audit.record(actor, "incident.open", "incident", incident.public_id, name=incident.name,
                 severity=incident.severity, started_at=started_at.isoformat(),
                 commander=user_email(commander), comms_lead=user_email(comms_lead),
                 awaiting_approval=draft)
    return _finish(incident, draft)


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
    update = _add_update(incident, data, actor, now, draft=draft)
    db.session.flush()
    audit.record(actor, "incident.update_draft" if draft else "incident.update", "incident",
                 incident.public_id, status=data.status, update=update.public_id,
                 components={str(k): v for k, v in data.component_statuses.items()})
    _finish(incident, draft)
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


@use_case
def schedule_maintenance(data: MaintenanceInput, actor: User | None) -> Incident:
    """Schedule a maintenance window; its components change only when it starts.

    Where the plan makes public maintenance updates wait for approval, the window waits as
    open_incident's incidents do: hidden everywhere public, reminding, starting and
    notifying nothing until a second user approves its announcement (incidents.approvals).
    """
    _check_title(data.name)
    _check_impact(data.impact_override)
    if data.scheduled_until <= data.scheduled_for:
        raise DomainError("The window must end after it starts.", "scheduled_until")
    if data.remind_before_minutes is not None and not (
            0 < data.remind_before_minutes <= MAX_REMIND_MINUTES):
        raise DomainError("Remind between 1 minute and 30 days before the start.",
                          "remind_before_minutes")
    now = utcnow()
    components = _load_components(data.component_ids)
    maintenance = Incident(
        kind=MAINTENANCE,
        name=data.name.strip(),
        status=MaintenanceStatus.SCHEDULED.value,
        impact_override=data.impact_override or None,
        started_at=data.scheduled_for,
        scheduled_for=data.scheduled_for,
        scheduled_until=data.scheduled_until,
        auto_start=data.auto_start,
        auto_complete=data.auto_complete,
        auto_transition_components=data.auto_transition_components,
        remind_before_minutes=data.remind_before_minutes,
        created_at=now,
        updated_at=now,
        awaiting_approval=plan.needs_approval(MAINTENANCE_PLAN),
    )
    maintenance.components = list(components.values())
    db.session.add(maintenance)
    first = UpdateInput(
        status=MaintenanceStatus.SCHEDULED.value,
        body=data.body,
        component_statuses={c.id: c.status for c in components.values()},
        deliver_notifications=data.deliver_notifications,
        sms_body=data.sms_body,
    )
    _add_update(maintenance, first, actor, now, draft=maintenance.awaiting_approval)
    db.session.flush()
    audit.record(actor, "maintenance.schedule", "incident", maintenance.public_id,
                 name=maintenance.name, scheduled_for=data.scheduled_for.isoformat(),
                 scheduled_until=data.scheduled_until.isoformat(),
                 awaiting_approval=maintenance.awaiting_approval)
    return _finish(maintenance, maintenance.awaiting_approval)


@use_case
def start_maintenance(maintenance: Incident, body: str, actor: User | None,
                      set_under_maintenance: bool = True,
                      bypass_approval: bool = False,
                      sms_body: str | None = None) -> IncidentUpdate:
    statuses = (
        {c.id: ComponentStatus.UNDER_MAINTENANCE.value for c in maintenance.components
         if not c.is_group}
        if set_under_maintenance
        else {}
    )
    return post_update(maintenance, UpdateInput(status="in_progress", body=body,
                                                component_statuses=statuses,
                                                sms_body=sms_body), actor,
                       bypass_approval=bypass_approval)


def get_incident(public_id: str) -> Incident:
    incident = db.session.execute(
        select(Incident).where(Incident.public_id == public_id)
    ).scalar_one_or_none()
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def _add_update(
    incident: Incident, data: UpdateInput, actor: User | None, now: datetime,
    draft: bool = False,
) -> IncidentUpdate:
    if len(data.body) > MAX_BODY:
        raise DomainError(f"The message is longer than {MAX_BODY} characters.", "body")
    if data.visibility not in ("public", "internal"):
        raise DomainError("Visibility must be public or internal.", "visibility")
    if data.display_at is not None and data.display_at > now + timedelta(minutes=5):
        raise DomainError("An update cannot be dated in the future.", "display_at")
    components = _load_components(list(data.component_statuses))
    update = IncidentUpdate(
        status=data.status,
        body=data.body.strip(),
        visibility=data.visibility,
        deliver_notifications=data.deliver_notifications,
        sms_body=update_sms(data.sms_body),
        display_at=data.display_at or now,
        created_at=now,
        updated_at=now,
        author_id=actor.id if actor is not None else None,
    )
    incident.updates.append(update)
    if draft:
        # The intended component statuses wait on the draft (old status filled in, and
        # applied, on approval); drafts are outside public_updates, so roll-ups ignore them.
        update.state = DRAFT
        for component_id, new_status in data.component_statuses.items():
            _check_component_status(components[component_id], new_status)
            update.changes.append(ComponentChange(component=components[component_id],
                                                  old_status=components[component_id].status,
                                                  new_status=new_status))
        delivery.create_group_fanout(update)  # internal first: the groups hear of it now
        return update
    update.published_at = now
    if data.visibility == "public":
        _apply_status(incident, data.status, update.display_at)
        for component_id, new_status in data.component_statuses.items():
            _change_component(update, components[component_id], new_status, now)
            if components[component_id] not in incident.components:
                incident.components.append(components[component_id])
    incident.updated_at = now
    if data.deliver_notifications:
        # The outbox marker commits with the update; the worker expands it after the commit.
        # An internal update reaches the stakeholder groups the plan names, never the public.
        delivery.create_fanout(update)
    return update


def _apply_status(incident: Incident, status: str, at: datetime) -> None:
    incident.status = status
    if status in ("monitoring", "verifying") and incident.monitoring_at is None:
        incident.monitoring_at = at
    if status in ("resolved", "completed") and incident.resolved_at is None:
        incident.resolved_at = at
    if status == "in_progress" and incident.is_maintenance:
        incident.started_at = at


def _change_component(
    update: IncidentUpdate, component: Component, new_status: str, now: datetime
) -> None:
    _check_component_status(component, new_status)
    update.changes.append(
        ComponentChange(component=component, old_status=component.status, new_status=new_status)
    )
    if component.status != new_status:
        old_status = component.status
        component.status = new_status
        component.updated_at = now
        if component.group is not None:
            refresh_group_status(component.group, now)
        if update.deliver_notifications:  # webhooks also get Statuspage's component_update
            delivery.create_component_fanout(component, old_status, now)


def _check_component_status(component: Component, new_status: str) -> None:
    if new_status not in {s.value for s in ComponentStatus}:
        raise DomainError(f"Unknown component status {new_status!r}.", "components")
    if component.is_group:
        raise DomainError("Choose components, not groups, to change.", "components")


def refresh_group_status(group: Component, now: datetime) -> None:
    """A group shows the worst status of its components."""
    status = worst([ComponentStatus(c.status) for c in group.children]).value
    if group.status != status:
        group.status = status
        group.updated_at = now


def _load_components(ids: list[int]) -> dict[int, Component]:
    if not ids:
        return {}
    found = db.session.execute(select(Component).where(Component.id.in_(ids))).scalars().all()
    by_id = {c.id: c for c in found}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise DomainError("A chosen component no longer exists.", "components")
    return by_id


def _check_title(name: str) -> None:
    if not name or not name.strip():
        raise DomainError("Give the incident a title.", "name")
    if len(name) > MAX_TITLE:
        raise DomainError(f"The title is longer than {MAX_TITLE} characters.", "name")


def _check_impact(impact: str | None) -> None:
    if impact and impact not in IMPACTS:
        raise DomainError("Unknown impact.", "impact_override")


def _finish(incident: Incident, draft: bool = False) -> Incident:
    """Commit; unless only a draft was saved (nothing public changed: no roll-up, no touch)."""
    if not draft:
        uptime.refresh_incident(incident)
        touch_page()
    db.session.commit()
    return incident
