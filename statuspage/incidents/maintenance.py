"""Use-cases for scheduled maintenance: schedule a window and start it.

A window is an Incident of kind maintenance: scheduling stores it with its components and its
first (scheduled) update and changes no component until it starts; starting it (by hand, or
by incidents.maintenance_automation at its edge) posts the in-progress update, which by
default sets its components under maintenance. Its later updates and its completion go
through the incident use-cases (incidents.lifecycle), as an incident's would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from statuspage import audit
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.incidents import metadata as incident_metadata
from statuspage.incidents.lifecycle import check_impact, check_title, post_update
from statuspage.incidents.updates import UpdateInput, add_update, finish_incident, load_components
from statuspage.models import (
    MAINTENANCE,
    ComponentStatus,
    Incident,
    IncidentUpdate,
    MaintenanceStatus,
    User,
    utcnow,
)
from statuspage.models.plan import MAINTENANCE_PLAN
from statuspage.plan import rules as plan

MAX_REMIND_MINUTES = 30 * 24 * 60


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
    # Statuspage's free-form `metadata` (incidents.metadata), from the Manage API.
    metadata: dict[str, Any] | None = None


@use_case
def schedule_maintenance(data: MaintenanceInput, actor: User | None) -> Incident:
    """Schedule a maintenance window; its components change only when it starts.

    Where the plan makes public maintenance updates wait for approval, the window waits as
    open_incident's incidents do: hidden everywhere public, reminding, starting and
    notifying nothing until a second user approves its announcement (incidents.approvals).
    """
    check_title(data.name)
    check_impact(data.impact_override)
    if data.scheduled_until <= data.scheduled_for:
        raise DomainError("The window must end after it starts.", "scheduled_until")
    if data.remind_before_minutes is not None and not (
            0 < data.remind_before_minutes <= MAX_REMIND_MINUTES):
        raise DomainError("Remind between 1 minute and 30 days before the start.",
                          "remind_before_minutes")
    now = utcnow()
    components = load_components(data.component_ids)
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
        api_metadata=(incident_metadata.merged(None, data.metadata)
                      if data.metadata is not None else None),
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
    add_update(maintenance, first, actor, now, draft=maintenance.awaiting_approval)
    db.session.flush()
    audit.record(actor, "maintenance.schedule", "incident", maintenance.public_id,
                 name=maintenance.name, scheduled_for=data.scheduled_for.isoformat(),
                 scheduled_until=data.scheduled_until.isoformat(),
                 awaiting_approval=maintenance.awaiting_approval)
    return finish_incident(maintenance, maintenance.awaiting_approval)


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
