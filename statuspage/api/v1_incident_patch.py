"""PATCH (and PUT) …/incidents/<id>: Statuspage's incident body mapped onto our use-cases.

Two kinds of field, which may come together (incidents.editing.change_incident commits them
as one):
- the incident's own fields, changed in place: `name`, `impact_override` (and with it the
  severity, as on create; `severity` is our extension), `metadata` (merged), and for a
  maintenance its window and automation switches;
- the next update, posted through lifecycle.post_update: `status`, `body`, `components`,
  `component_ids`, `deliver_notifications`, `visibility` (our extension: `internal` updates
  stay in the console and reach only the stakeholder groups the plan names).
A field sent back with its current value (clients that send the whole record) changes
nothing; nothing to change or post leaves the incident as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from statuspage.api import v1_body as body
from statuspage.api.v1_incident_input import (
    AUTO_START,
    AUTO_TRANSITION,
    IMPACT_SEVERITY,
    MAINTENANCE_COMPAT,
)
from statuspage.api.v1_serializers import REMIND_PRIOR_MINUTES
from statuspage.core.errors import DomainError
from statuspage.incidents.editing import KEEP, IncidentEdit, Keep, change_incident
from statuspage.incidents.updates import UpdateInput
from statuspage.models import ComponentStatus, Incident, MaintenanceStatus

FINAL_STATUSES = ("resolved", "completed")
VISIBILITIES = ("public", "internal")
UPDATE_FIELDS = ("status", "body", "components", "component_ids", "deliver_notifications",
                 "visibility")
EDIT_FIELDS = ("name", "impact_override", "severity", "metadata", "scheduled_for",
               "scheduled_until", "scheduled_remind_prior", "scheduled_auto_completed",
               *AUTO_START, *AUTO_TRANSITION, *MAINTENANCE_COMPAT)
# The fields PATCH takes (the OpenAPI document's IncidentPatch); others: 422.
PATCH_FIELDS = UPDATE_FIELDS + EDIT_FIELDS


def patch_incident(incident: Incident, raw: Mapping[str, Any]) -> Incident:
    """Change the fields given and post the update they describe, in one commit."""
    edit = _edit(incident, raw)
    update = _update(incident, raw)
    if edit == IncidentEdit() and update is None:
        return incident
    return change_incident(incident, edit, update, None)


def _edit(incident: Incident, raw: Mapping[str, Any]) -> IncidentEdit:
    body.fixed(raw, MAINTENANCE_COMPAT)
    impact = body.impact(raw)
    if impact is not None and impact == (incident.impact_override or incident.impact):
        impact = None  # sent back as it is shown
    severity = body.text(raw, "severity")
    if severity is None and impact is not None and not incident.is_maintenance:
        severity = IMPACT_SEVERITY.get(impact)  # as on create: the impact sets the severity
    return IncidentEdit(
        name=body.text(raw, "name"),
        impact_override=impact,
        severity=severity,
        metadata=body.metadata(raw),
        scheduled_for=body.timestamp(raw, "scheduled_for"),
        scheduled_until=body.timestamp(raw, "scheduled_until"),
        auto_start=body.flag(raw, *AUTO_START),
        auto_complete=body.flag(raw, "scheduled_auto_completed"),
        auto_transition_components=body.flag(raw, *AUTO_TRANSITION),
        remind_before_minutes=_remind(incident, body.flag(raw, "scheduled_remind_prior")),
    )


def _remind(incident: Incident, remind: bool | None) -> int | Keep | None:
    """Statuspage's flag: on keeps the minutes set (or 60), off clears them."""
    if remind is None or remind == (incident.remind_before_minutes is not None):
        return KEEP
    return REMIND_PRIOR_MINUTES if remind else None


def _update(incident: Incident, raw: Mapping[str, Any]) -> UpdateInput | None:
    refs = body.component_refs(raw)
    status = body.text(raw, "status")
    text = body.text(raw, "body", multiline=True)
    notify = body.flag(raw, "deliver_notifications")
    visibility = body.text(raw, "visibility")
    visibility = "public" if visibility is None else visibility
    if visibility not in VISIBILITIES:
        raise DomainError("visibility must be public or internal.", "visibility")
    if status is None and text is None and refs.statuses is None and not refs.affected:
        return None
    status = incident.status if status is None else status
    return UpdateInput(
        status=status,
        body=text or "",
        component_statuses=_statuses(incident, status, refs),
        deliver_notifications=notify is not False,
        visibility=visibility,
    )


def _statuses(incident: Incident, status: str, refs: body.ComponentRefs) -> dict[int, str]:
    """The component statuses the update sets.

    Without a `components` map, the status change implies them the way the console's buttons
    do (resolve_incident, start_maintenance): resolving or completing returns every affected
    component to operational, starting a maintenance puts them under maintenance.
    """
    statuses = {c.id: c.status for c in refs.affected}
    if refs.statuses is not None:
        return statuses | refs.statuses
    implied = None
    if status in FINAL_STATUSES and not incident.is_closed:
        implied = ComponentStatus.OPERATIONAL.value
    elif (incident.is_maintenance and status == MaintenanceStatus.IN_PROGRESS.value
          and incident.status == MaintenanceStatus.SCHEDULED.value):
        implied = ComponentStatus.UNDER_MAINTENANCE.value
    if implied is not None:
        affected = [*incident.components, *refs.affected]
        statuses |= {c.id: implied for c in affected if not c.is_group}
    return statuses
