"""The Statuspage incident body mapped onto our incident use-cases.

POST creates one of three kinds, each taking its own fields (any other is refused with 422):
with `scheduled_for` a maintenance (schedule_maintenance); with `backfilled: true` a past,
resolved incident dated `backfill_date` that notifies no one (open_incident with deliveries
off); otherwise an incident (open_incident) whose severity follows `impact_override`. PATCH
posts the next update (post_update) with the new status, body, component statuses and
visibility (`internal` updates stay in the console and reach only the stakeholder groups the
plan names, as the console's internal updates do). The use-cases validate, audit and commit;
this module only translates.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from statuspage.api import v1_body as body
from statuspage.api.v1_serializers import REMIND_PRIOR_MINUTES
from statuspage.core.errors import DomainError
from statuspage.incidents import lifecycle as use_cases
from statuspage.incidents.maintenance import MaintenanceInput, schedule_maintenance
from statuspage.incidents.updates import UpdateInput
from statuspage.models import ComponentStatus, Incident, MaintenanceStatus, User, utcnow
from statuspage.page.record import get_page

# Statuspage's impact -> our severity (the product maps SEV1..SEV4 to critical..none).
IMPACT_SEVERITY = {"critical": "SEV1", "major": "SEV2", "minor": "SEV3", "none": "SEV4"}
DEFAULT_SEVERITY = "SEV3"
FINAL_STATUSES = ("resolved", "completed")

# The fields each kind of POST takes (the OpenAPI document's IncidentCreate, MaintenanceCreate
# and BackfillCreate), and the ones PATCH takes (IncidentPatch).
INCIDENT_FIELDS = ("name", "status", "impact_override", "severity", "body", "components",
                   "component_ids", "deliver_notifications", "backfilled")
MAINTENANCE_FIELDS = (
    "name", "status", "impact_override", "body", "components", "component_ids",
    "deliver_notifications", "scheduled_for", "scheduled_until", "scheduled_remind_prior",
    "scheduled_auto_in_progress", "scheduled_auto_transition", "scheduled_auto_completed",
    "auto_transition_to_maintenance_state", "auto_transition_to_operational_state")
BACKFILL_FIELDS = ("name", "body", "impact_override", "severity", "backfilled", "backfill_date")
CREATE_FIELDS = tuple(dict.fromkeys(INCIDENT_FIELDS + MAINTENANCE_FIELDS + BACKFILL_FIELDS))
# PATCH posts an update; these may be sent back unchanged (clients that send the whole
# record) but are refused when they differ: there is no use-case to change them.
UNCHANGEABLE_FIELDS = ("name", "impact_override", "scheduled_for", "scheduled_until")
UPDATE_FIELDS = ("status", "body", "components", "component_ids", "deliver_notifications",
                 "visibility")
PATCH_FIELDS = UPDATE_FIELDS + UNCHANGEABLE_FIELDS
VISIBILITIES = ("public", "internal")


def create_incident(raw: Mapping[str, Any], owner: User | None = None) -> Incident:
    """POST …/incidents: an incident, a maintenance (`scheduled_for`) or a backfill.

    Each kind refuses (422) the fields it does not take, so nothing sent is ignored.

    An incident's communications lead is `owner`, the console user who created the token
    (when still active), so cadence reminders reach someone; the console can change it.
    """
    if body.flag(raw, "backfilled"):
        body.refuse_unknown(raw, BACKFILL_FIELDS, " for a backfilled incident")
        return _backfill(raw)
    scheduled_for = body.timestamp(raw, "scheduled_for")
    if scheduled_for is not None:
        body.refuse_unknown(raw, MAINTENANCE_FIELDS, " for a maintenance")
        return _schedule(raw, scheduled_for)
    body.refuse_unknown(raw, INCIDENT_FIELDS, " for an incident (without scheduled_for)")
    refs = body.component_refs(raw)
    impact = body.impact(raw)
    # `severity` is our own extension; Statuspage clients send impact_override instead.
    severity = _severity(raw, impact)
    # Components only listed in component_ids are affected but keep their current status.
    statuses = {c.id: c.status for c in refs.affected} | (refs.statuses or {})
    lead = owner.id if owner is not None and owner.is_active_user else None
    return use_cases.open_incident(use_cases.IncidentInput(
        name=body.text(raw, "name") or "",
        severity=severity,
        impact_override=impact,
        comms_lead_id=lead,
        update=UpdateInput(
            status=_given(body.text(raw, "status"), "investigating"),
            body=body.text(raw, "body", multiline=True) or "",
            component_statuses=statuses,
            deliver_notifications=body.flag(raw, "deliver_notifications") is not False,
        ),
    ), None)


def _given(value: str | None, default: str) -> str:
    """`value` unless it was not given (null or absent); an empty string is not "not given"."""
    return default if value is None else value


def _severity(raw: Mapping[str, Any], impact: str | None) -> str:
    """`severity` (our extension) when given, else the one `impact_override` implies."""
    return _given(body.text(raw, "severity"), IMPACT_SEVERITY.get(impact or "",
                                                                  DEFAULT_SEVERITY))


def _backfill(raw: Mapping[str, Any]) -> Incident:
    """Statuspage's backfill: a past incident recorded as resolved, notifying no one.

    It starts and is resolved at the start of `backfill_date` in the page's time zone, so the
    history lists it under that day; it never appears among the active incidents, and with
    deliveries off no subscriber, stakeholder group or webhook hears of it.
    """
    day = body.day(raw, "backfill_date")
    if day is None:
        raise DomainError("Give backfill_date (the day it happened) with backfilled.",
                          "backfill_date")
    at = backfill_start(day)
    if at > utcnow():
        raise DomainError("A backfilled incident lies in the past.", "backfill_date")
    impact = body.impact(raw)
    return use_cases.open_incident(use_cases.IncidentInput(
        name=body.text(raw, "name") or "",
        severity=_severity(raw, impact),
        impact_override=impact,
        started_at=at,
        update=UpdateInput(
            status="resolved", body=body.text(raw, "body", multiline=True) or "",
            deliver_notifications=False, display_at=at),
    ), None)


def backfill_start(day: date) -> datetime:
    """Midnight at the start of `day` in the page's time zone, in UTC."""
    return datetime.combine(day, time(), ZoneInfo(get_page().time_zone)).astimezone(UTC)


def _schedule(raw: Mapping[str, Any], scheduled_for: Any) -> Incident:
    status = body.text(raw, "status")
    if status not in (None, MaintenanceStatus.SCHEDULED.value):
        raise DomainError("A maintenance is created as scheduled; move it on with PATCH.",
                          "status")
    until = body.timestamp(raw, "scheduled_until")
    if until is None:
        raise DomainError("Give scheduled_until with scheduled_for.", "scheduled_until")
    refs = body.component_refs(raw)
    remind = body.flag(raw, "scheduled_remind_prior")
    return schedule_maintenance(MaintenanceInput(
        name=body.text(raw, "name") or "",
        scheduled_for=scheduled_for,
        scheduled_until=until,
        body=body.text(raw, "body", multiline=True) or "",
        # Statuses in a `components` map apply when the window starts, not now.
        component_ids=refs.ids,
        auto_start=bool(body.flag(raw, "scheduled_auto_in_progress",
                                  "scheduled_auto_transition")),
        auto_complete=bool(body.flag(raw, "scheduled_auto_completed")),
        auto_transition_components=bool(body.flag(
            raw, "auto_transition_to_maintenance_state", "auto_transition_to_operational_state")),
        remind_before_minutes=REMIND_PRIOR_MINUTES if remind else None,
        deliver_notifications=body.flag(raw, "deliver_notifications") is not False,
        impact_override=body.impact(raw),
    ), None)


def patch_incident(incident: Incident, raw: Mapping[str, Any]) -> Incident:
    """PATCH …/incidents/<id>: post the next update; nothing to post leaves it unchanged."""
    _refuse_edits(incident, raw)
    refs = body.component_refs(raw)
    status = body.text(raw, "status")
    text = body.text(raw, "body", multiline=True)
    notify = body.flag(raw, "deliver_notifications")
    visibility = _given(body.text(raw, "visibility"), "public")
    if visibility not in VISIBILITIES:
        raise DomainError("visibility must be public or internal.", "visibility")
    if status is None and text is None and refs.statuses is None and not refs.affected:
        return incident
    status = _given(status, incident.status)
    use_cases.post_update(incident, UpdateInput(
        status=status,
        body=text or "",
        component_statuses=_statuses(incident, status, refs),
        deliver_notifications=notify is not False,
        visibility=visibility,
    ), None)
    return incident


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


def _refuse_edits(incident: Incident, raw: Mapping[str, Any]) -> None:
    """Title, impact and window edits have no use-case yet: refuse them rather than ignore.

    A client that sends the unchanged values back (many send the whole record) is fine.
    """
    name = body.text(raw, "name")
    if name is not None and name.strip() != incident.name:
        raise DomainError("Renaming an incident through the API is not supported.", "name")
    impact = body.impact(raw)
    if impact is not None and impact != incident.impact:
        raise DomainError("Changing the impact of an existing incident through the API is "
                          "not supported.", "impact_override")
    for field in ("scheduled_for", "scheduled_until"):
        value = body.timestamp(raw, field)
        if value is not None and value != getattr(incident, field):
            raise DomainError("Moving a maintenance window through the API is not "
                              "supported.", field)
