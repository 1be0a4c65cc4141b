"""The Statuspage incident body of POST …/incidents mapped onto our incident use-cases.

POST creates one of three kinds, each taking its own fields (any other is refused with 422):
with `scheduled_for` a maintenance (schedule_maintenance); with `backfilled: true` a past,
resolved incident dated `backfill_date` that notifies no one (open_incident with deliveries
off); otherwise an incident (open_incident) whose severity follows `impact_override`. Each
may carry `metadata` (incidents.metadata). PATCH is in v1_incident_patch. The use-cases
validate, audit and commit; this module only translates.
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
from statuspage.models import Incident, MaintenanceStatus, User, utcnow
from statuspage.page.record import get_page

# Statuspage's impact -> our severity (the product maps SEV1..SEV4 to critical..none).
IMPACT_SEVERITY = {"critical": "SEV1", "major": "SEV2", "minor": "SEV3", "none": "SEV4"}
DEFAULT_SEVERITY = "SEV3"
# Statuspage's two names for each of our maintenance switches (v1_body.flag: they must agree).
AUTO_START = ("scheduled_auto_in_progress", "scheduled_auto_transition")
AUTO_TRANSITION = ("auto_transition_to_maintenance_state", "auto_transition_to_operational_state")

# The fields each kind of POST takes (the OpenAPI document's IncidentCreate, MaintenanceCreate
# and BackfillCreate).
INCIDENT_FIELDS = ("name", "status", "impact_override", "severity", "body", "components",
                   "component_ids", "deliver_notifications", "backfilled", "metadata")
# Statuspage's maintenance switches this server honours one way only (it does not tweet;
# automatic transitions notify as the plan says): accepted at that value, else a 422 saying
# why (v1_body.fixed).
NO_TWEETS = "this server does not post to Twitter."
PLAN_NOTIFIES = "automatic maintenance transitions notify as the communication plan says."
MAINTENANCE_COMPAT = {
    "auto_transition_deliver_notifications_at_start": (True, PLAN_NOTIFIES),
    "auto_transition_deliver_notifications_at_end": (True, PLAN_NOTIFIES),
    "auto_tweet_at_beginning": (False, NO_TWEETS),
    "auto_tweet_on_completion": (False, NO_TWEETS),
    "auto_tweet_on_creation": (False, NO_TWEETS),
    "auto_tweet_one_hour_before": (False, NO_TWEETS),
}
MAINTENANCE_FIELDS = (
    "name", "status", "impact_override", "body", "components", "component_ids",
    "deliver_notifications", "scheduled_for", "scheduled_until", "scheduled_remind_prior",
    "scheduled_auto_in_progress", "scheduled_auto_transition", "scheduled_auto_completed",
    "auto_transition_to_maintenance_state", "auto_transition_to_operational_state",
    "metadata", *MAINTENANCE_COMPAT)
# A backfill notifies no one, whatever `deliver_notifications` says: it is taken because
# Atlassian's client sends it on every incident body (its model defaults it to true).
BACKFILL_FIELDS = ("name", "body", "impact_override", "severity", "backfilled", "backfill_date",
                   "metadata", "deliver_notifications")
CREATE_FIELDS = tuple(dict.fromkeys(INCIDENT_FIELDS + MAINTENANCE_FIELDS + BACKFILL_FIELDS))


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
        metadata=body.metadata(raw),
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
    body.flag(raw, "deliver_notifications")  # checked; a backfill never notifies
    impact = body.impact(raw)
    return use_cases.open_incident(use_cases.IncidentInput(
        name=body.text(raw, "name") or "",
        severity=_severity(raw, impact),
        impact_override=impact,
        started_at=at,
        metadata=body.metadata(raw),
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
    body.fixed(raw, MAINTENANCE_COMPAT)
    return schedule_maintenance(MaintenanceInput(
        name=body.text(raw, "name") or "",
        scheduled_for=scheduled_for,
        scheduled_until=until,
        body=body.text(raw, "body", multiline=True) or "",
        # Statuses in a `components` map apply when the window starts, not now.
        component_ids=refs.ids,
        auto_start=bool(body.flag(raw, *AUTO_START)),
        auto_complete=bool(body.flag(raw, "scheduled_auto_completed")),
        auto_transition_components=bool(body.flag(raw, *AUTO_TRANSITION)),
        remind_before_minutes=REMIND_PRIOR_MINUTES if remind else None,
        deliver_notifications=body.flag(raw, "deliver_notifications") is not False,
        impact_override=body.impact(raw),
        metadata=body.metadata(raw),
    ), None)
