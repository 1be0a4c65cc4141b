"""The request and record schemas of the management API's OpenAPI document.

Each request schema states exactly what the server enforces (statuspage/api/v1_body.py and
the use-cases): required non-empty names, the fields each operation takes (others are a 422,
hence `additionalProperties: false`), the statuses incidents and maintenance each have, text
without control characters, the years a date may have. What no JSON Schema can say (a window
ends after it starts, a referenced component exists, a backfill lies in the past, a resolved
incident is not reopened) is in the descriptions and answered with 422 or 409.
"""

from __future__ import annotations

from typing import Any

from statuspage.api.v1_body import MULTI_LINE, YEARS
from statuspage.api.v1_incident_input import UNCHANGEABLE_FIELDS, VISIBILITIES
from statuspage.models import ComponentStatus
from statuspage.models.status import IMPACTS, IncidentStatus, MaintenanceStatus

Schema = dict[str, Any]

COMPONENT_STATUSES = [s.value for s in ComponentStatus]
INCIDENT_STATUSES = [s.value for s in IncidentStatus if s is not IncidentStatus.POSTMORTEM]
MAINTENANCE_STATUSES = [s.value for s in MaintenanceStatus]
SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"]
# A public id as the server accepts one in a body (v1_body.is_public_id).
ID_PATTERN = "^[0-9a-z]{1,64}$"
# Some character that is not white space, and no control character anywhere.
NAME_PATTERN = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(kind: str, **extra: Any) -> Schema:
    return {"type": [kind, "null"], **extra}


def _one_of(values: list[Any], description: str = "", null: bool = True) -> Schema:
    schema: Schema = {"enum": [*values, None] if null else list(values)}
    return {**schema, "description": description} if description else schema


def _name(description: str, null: bool = False) -> Schema:
    return {"type": ["string", "null"] if null else "string", "minLength": 1,
            "maxLength": 255, "pattern": NAME_PATTERN, "description": description}


def _text(max_length: int, description: str) -> Schema:
    return nullable("string", maxLength=max_length, pattern=MULTI_LINE, description=description)


def _flag(description: str = "", values: tuple[Any, ...] = (True, False, "true", "false"),
          null: bool = True) -> Schema:
    return _one_of(list(values), description or "true or false (also as a string).", null)


def _timestamp(description: str, null: bool = False) -> Schema:
    return {"type": ["string", "null"] if null else "string", "format": "date-time",
            "pattern": YEARS, "description": description + " Years 1970 to 2999; a time "
            "without an offset is UTC."}


COMMON_FIELDS: Schema = {
    "name": _name("Title."),
    "impact_override": _one_of(list(IMPACTS), "Sets the severity of a new incident: critical "
                               "SEV1, major SEV2, minor SEV3, none SEV4 (default SEV3)."),
    "body": _text(25000, "Markdown; becomes the first (or next) update."),
}
COMPONENT_REFS: Schema = {
    "components": nullable("object", additionalProperties={"enum": COMPONENT_STATUSES},
                           propertyNames={"pattern": ID_PATTERN}, description=(
                               "component id -> status set by this update (for maintenance: "
                               "the affected components; statuses change when the window "
                               "starts). Ids must name existing components, not groups "
                               "(else 422).")),
    "component_ids": nullable("array", items={"type": "string", "pattern": ID_PATTERN},
                              description="Affected components (existing ones, not groups); "
                                          "their status is left as it is."),
    "deliver_notifications": _flag("false posts to the page only, notifying no one "
                                   "(default true)."),
}


def _object(properties: Schema, required: list[str], description: str) -> Schema:
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False, "description": description}


INCIDENT_CREATE = _object({
    **COMMON_FIELDS,
    "status": _one_of(INCIDENT_STATUSES, "Default investigating."),
    "severity": _one_of(SEVERITIES, "Extension: the severity directly; wins over "
                        "impact_override."),
    **COMPONENT_REFS,
    "backfilled": _flag("", (False, "false")),
}, ["name"], "An incident, open now.")

MAINTENANCE_CREATE = _object({
    **COMMON_FIELDS,
    "status": _one_of([MaintenanceStatus.SCHEDULED.value],
                      "A maintenance is created scheduled; PATCH moves it on."),
    **COMPONENT_REFS,
    "scheduled_for": _timestamp("Start of the window."),
    "scheduled_until": _timestamp("End of the window; after scheduled_for (else 422)."),
    "scheduled_remind_prior": _flag("Remind subscribers 60 minutes before the start."),
    "scheduled_auto_in_progress": _flag("Start automatically at scheduled_for."),
    "scheduled_auto_transition": _flag("Alias of scheduled_auto_in_progress."),
    "scheduled_auto_completed": _flag("Complete automatically at scheduled_until."),
    "auto_transition_to_maintenance_state": _flag("Move the components to under_maintenance "
                                                  "and back automatically."),
    "auto_transition_to_operational_state": _flag("Alias of "
                                                  "auto_transition_to_maintenance_state."),
}, ["name", "scheduled_for", "scheduled_until"], "A scheduled maintenance (scheduled_for).")

BACKFILL_CREATE = _object({
    **COMMON_FIELDS,
    "severity": INCIDENT_CREATE["properties"]["severity"],
    "backfilled": _flag("", (True, "true"), null=False),
    "backfill_date": {"type": "string", "format": "date", "pattern": YEARS, "description":
                      "The day it happened (page time zone), today or earlier (else 422)."},
}, ["name", "backfilled", "backfill_date"], (
    "Statuspage's backfill: a past incident recorded resolved at the start of backfill_date, "
    "notifying no one (no email, SMS, webhook or stakeholder message), listed in the history "
    "on that day and never among the active incidents. No components."))

INCIDENT_PATCH = _object({
    "status": _one_of(INCIDENT_STATUSES + MAINTENANCE_STATUSES, (
        "Incidents take investigating/identified/monitoring/resolved, maintenance "
        "scheduled/in_progress/verifying/completed; the other kind's status, or reopening "
        "a resolved or completed one, is a 409. Resolving or completing returns the affected "
        "components to operational unless `components` says otherwise; in_progress puts "
        "them under maintenance.")),
    "body": COMMON_FIELDS["body"],
    **COMPONENT_REFS,
    "visibility": _one_of(list(VISIBILITIES), (
        "internal: an internal update, as the console posts one: it stays in the console, "
        "changes no public status and reaches only the stakeholder groups the plan names. "
        "Default public.")),
}, [], (
    "The next update. PATCH refuses every other field with 422; "
    f"{', '.join(UNCHANGEABLE_FIELDS)} may be sent back with their current values (clients "
    "that send the whole record) but not changed. Nothing to post leaves the incident as "
    "it is."))


def _component_fields(create: bool) -> Schema:
    return _object({
        "name": _name("Name (required to create)." if create else "Name.", null=not create),
        "description": _text(2000, "Shown under the name."),
        "status": _one_of(COMPONENT_STATUSES),
        "group_id": nullable("string", pattern=ID_PATTERN, description=(
            "An existing group's id (else 422); null: no group. A group cannot join a group "
            "(409).")),
        "showcase": _flag(),
        "only_show_if_degraded": _flag(),
        "start_date": {**_timestamp("", null=True), "format": "date", "description":
                       "Today or earlier in the page's time zone (else 422); null clears it. "
                       "Years 1970 to 2999."},
    }, ["name"] if create else [], "Only the fields given change (PATCH); others: 422.")


def _wrapped(key: str, inner: Schema) -> Schema:
    return {"type": "object", "required": [key], "properties": {key: inner},
            "additionalProperties": False}


REQUEST_SCHEMAS: dict[str, Schema] = {
    "IncidentCreate": INCIDENT_CREATE,
    "MaintenanceCreate": MAINTENANCE_CREATE,
    "BackfillCreate": BACKFILL_CREATE,
    "IncidentPatch": INCIDENT_PATCH,
    "IncidentCreateBody": _wrapped("incident", {"oneOf": [
        ref("IncidentCreate"), ref("MaintenanceCreate"), ref("BackfillCreate")]}),
    "IncidentPatchBody": _wrapped("incident", ref("IncidentPatch")),
    "ComponentCreateBody": _wrapped("component", _component_fields(create=True)),
    "ComponentPatchBody": _wrapped("component", _component_fields(create=False)),
}
