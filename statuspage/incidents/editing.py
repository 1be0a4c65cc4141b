"""Changing an incident's own fields after it is opened: title, impact and severity, its
metadata, and a maintenance's window and automation.

The Manage API's PATCH may carry these together with the next update (status, text,
component statuses); `change_incident` applies the edit and then posts the update through
incidents.lifecycle.post_update, so the two commit together or not at all.

Rules:
- The title, the impact/severity and the window are public. Where the plan makes public text
  at the incident's severity wait for a second person's approval, they are refused (409):
  an edit has no approval step, so allowing it would let public text past the plan.
  Lowering the severity of such an incident is refused for the same reason (the plan of
  the lower severity might not ask for approval). An incident still waiting for its opening
  approval is not public yet and may be edited.
- A maintenance's start moves only while it is scheduled (and a reminder already sent is
  sent again before the new start); its end may also move while it runs (it runs long).
- A maintenance has no severity; an incident has no window or automation (409, as the
  other kind's statuses are). A window ending before it starts is a 422 when both ends
  are given, a 409 when one is (the stored other end refuses it).
- Metadata merges (incidents.metadata).
Every change is audited with the values before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from statuspage import audit
from statuspage.core.errors import Conflict, DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.incidents import metadata as incident_metadata
from statuspage.incidents.lifecycle import check_impact, check_title, post_update
from statuspage.incidents.maintenance import MAX_REMIND_MINUTES
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident, MaintenanceStatus, Severity, User, utcnow
from statuspage.page.record import touch_page
from statuspage.plan import rules as plan


class Keep(Enum):
    """A field left as it is (where None is a value: no reminder)."""

    KEEP = "keep"


KEEP = Keep.KEEP
# Fields the public sees (page, feeds, /api/v2): their change refreshes the caches.
PUBLIC_FIELDS = ("name", "impact_override", "severity", "scheduled_for", "scheduled_until")
MAINTENANCE_FIELDS = ("scheduled_for", "scheduled_until", "auto_start", "auto_complete",
                      "auto_transition_components", "remind_before_minutes")
SEVERITIES = tuple(s.value for s in Severity)


@dataclass(frozen=True)
class IncidentEdit:
    """The fields to change; None (or KEEP) leaves one as it is."""

    name: str | None = None
    impact_override: str | None = None
    severity: str | None = None
    # A merge patch (incidents.metadata.merged).
    metadata: dict[str, Any] | None = None
    scheduled_for: datetime | None = None
    scheduled_until: datetime | None = None
    auto_start: bool | None = None
    auto_complete: bool | None = None
    auto_transition_components: bool | None = None
    remind_before_minutes: int | Keep | None = KEEP


@use_case
def change_incident(incident: Incident, edit: IncidentEdit, update: UpdateInput | None,
                    actor: User | None) -> Incident:
    """Apply `edit`, then post `update` (when given); one commit for both, or none."""
    changes = _apply(incident, edit)
    if changes:
        incident.updated_at = utcnow()
        audit.record(actor, "incident.edit", "incident", incident.public_id,
                     changes={k: {"before": b, "after": a} for k, (b, a) in changes.items()})
    if update is not None:
        post_update(incident, update, actor)  # commits; a refusal rolls the edit back too
        return incident
    if set(changes) & set(PUBLIC_FIELDS) and not incident.awaiting_approval:
        touch_page()
    db.session.commit()
    return incident


def _apply(incident: Incident, edit: IncidentEdit) -> dict[str, tuple[Any, Any]]:
    """Check and set each field that changes; returns {field: (before, after)}."""
    wanted: dict[str, Any] = {
        "name": edit.name.strip() if edit.name is not None else None,
        "impact_override": edit.impact_override,
        "severity": edit.severity,
        "scheduled_for": edit.scheduled_for,
        "scheduled_until": edit.scheduled_until,
        "auto_start": edit.auto_start,
        "auto_complete": edit.auto_complete,
        "auto_transition_components": edit.auto_transition_components,
    }
    if edit.remind_before_minutes is not KEEP:
        wanted["remind_before_minutes"] = edit.remind_before_minutes
    changes = {name: (getattr(incident, name), value) for name, value in wanted.items()
               if (value is not None or name == "remind_before_minutes")
               and value != getattr(incident, name)}
    _check(incident, changes)
    for name, (_, value) in changes.items():
        setattr(incident, name, value)
    if "scheduled_for" in changes:
        incident.started_at = changes["scheduled_for"][1]
        incident.reminded_at = None  # remind again before the new start
    if edit.metadata is not None:
        before = incident.api_metadata or {}
        after = incident_metadata.merged(before, edit.metadata)
        if after != before:
            incident.api_metadata = after
            changes["metadata"] = (before, after)
    return {k: (_plain(b), _plain(a)) for k, (b, a) in changes.items()}


def _check(incident: Incident, changes: dict[str, tuple[Any, Any]]) -> None:
    if "name" in changes:
        check_title(changes["name"][1])
    if "impact_override" in changes:
        check_impact(changes["impact_override"][1])
    if "severity" in changes and changes["severity"][1] not in SEVERITIES:
        raise DomainError("Choose a severity from SEV1 to SEV4.", "severity")
    # The other kind's fields are refused as the other kind's statuses are: by the target.
    if incident.is_maintenance:
        if "severity" in changes:
            raise Conflict("A maintenance has no severity.", "severity")
        _check_window(incident, changes)
    else:
        for name in MAINTENANCE_FIELDS:
            if name in changes:
                raise Conflict("Only a maintenance has a window and automation.", name)
    public = [name for name in PUBLIC_FIELDS if name in changes]
    if public and not incident.awaiting_approval and plan.needs_approval(
            plan.plan_severity(incident)):
        raise Conflict("Under the communication plan, public changes to this incident wait "
                       "for a second person's approval, and this edit has none; post an "
                       "update instead.", public[0])


def _check_window(incident: Incident, changes: dict[str, tuple[Any, Any]]) -> None:
    start = changes.get("scheduled_for", (None, incident.scheduled_for))[1]
    end = changes.get("scheduled_until", (None, incident.scheduled_until))[1]
    if "scheduled_for" in changes and incident.status != MaintenanceStatus.SCHEDULED.value:
        raise Conflict("This maintenance has started; its start cannot move.",
                       "scheduled_for")
    if "scheduled_until" in changes and incident.is_closed:
        raise Conflict("This maintenance is over; its window cannot move.", "scheduled_until")
    if start is not None and end is not None and end <= start:
        if "scheduled_for" in changes and "scheduled_until" in changes:
            raise DomainError("The window must end after it starts.", "scheduled_until")
        # One side given: it is the stored other side that refuses it.
        raise Conflict("The window must end after it starts; this maintenance's other end "
                       "is at " + (start if "scheduled_until" in changes else end).isoformat()
                       + ".", "scheduled_until" if "scheduled_until" in changes
                       else "scheduled_for")
    remind = changes.get("remind_before_minutes", (None, None))[1]
    if remind is not None and not 0 < remind <= MAX_REMIND_MINUTES:
        raise DomainError("Remind between 1 minute and 30 days before the start.",
                          "remind_before_minutes")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
