"""The incident side's request bodies in the OpenAPI document: incidents, maintenance,
backfills, update corrections, postmortems and incident templates.

Each states what the server enforces (statuspage/api/v1_body.py and the use-cases), as
v1_openapi_schemas explains; the records and paths are in v1_openapi_incident_paths.
"""

from __future__ import annotations

from statuspage.api.v1_body import MULTI_LINE, SINGLE_LINE, YEARS
from statuspage.api.v1_incident_input import MAINTENANCE_COMPAT
from statuspage.api.v1_incident_patch import VISIBILITIES
from statuspage.api.v1_openapi_schemas import (
    COMPONENT_STATUSES,
    ID_PATTERN,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    SEVERITIES,
    Schema,
    closed_object,
    flag_schema,
    name_schema,
    nullable,
    one_of,
    ref,
    text_schema,
    timestamp_schema,
    wrapped,
)
from statuspage.api.v1_serializers import TEMPLATE_PHASES as PHASES
from statuspage.incidents import metadata, templates
from statuspage.models.status import IMPACTS

_NAME = {"type": "string", "minLength": 1, "maxLength": metadata.MAX_KEY,
         "pattern": SINGLE_LINE}
METADATA: Schema = nullable("object", propertyNames=_NAME, additionalProperties={
    "type": ["object", "null"], "propertyNames": _NAME, "additionalProperties": {
        "type": ["string", "number", "boolean", "null"], "maxLength": metadata.MAX_VALUE}},
    description=(
        'Statuspage\'s metadata: an object of objects, e.g. {"jira": {"issue_id": "OPS-1"}}; '
        "values are strings, numbers or booleans. Kept for automation, shown nowhere public. "
        "PATCH merges (RFC 7386, two levels): keys given are set, null removes a key or a "
        f"whole entry, others stay. At most {metadata.MAX_BYTES} bytes as JSON (else 422)."))

COMMON_FIELDS: Schema = {
    "name": name_schema("Title."),
    "impact_override": one_of(list(IMPACTS), "Sets the severity of a new incident: critical "
                              "SEV1, major SEV2, minor SEV3, none SEV4 (default SEV3)."),
    "body": text_schema(25000, "Markdown; becomes the first (or next) update."),
    "metadata": METADATA,
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
    "deliver_notifications": flag_schema("false posts to the page only, notifying no one "
                                         "(default true)."),
}
SEVERITY = one_of(SEVERITIES, "Extension: the severity directly; wins over impact_override.")
COMPAT: Schema = {
    name: flag_schema(f"Accepted as {str(value).lower()} only: {why}",
                      (value, str(value).lower()))
    for name, (value, why) in MAINTENANCE_COMPAT.items()
}
AUTOMATION: Schema = {
    "scheduled_remind_prior": flag_schema("Remind subscribers 60 minutes before the start."),
    "scheduled_auto_in_progress": flag_schema("Start automatically at scheduled_for."),
    "scheduled_auto_transition": flag_schema("Alias of scheduled_auto_in_progress (the two "
                                             "must agree)."),
    "scheduled_auto_completed": flag_schema("Complete automatically at scheduled_until."),
    "auto_transition_to_maintenance_state": flag_schema(
        "Move the components to under_maintenance and back automatically."),
    "auto_transition_to_operational_state": flag_schema(
        "Alias of auto_transition_to_maintenance_state (the two must agree)."),
    **COMPAT,
}

INCIDENT_CREATE = closed_object({
    **COMMON_FIELDS,
    "status": one_of(INCIDENT_STATUSES, "Default investigating."),
    "severity": SEVERITY,
    **COMPONENT_REFS,
    "backfilled": flag_schema("", (False, "false")),
}, ["name"], "An incident, open now.")

MAINTENANCE_CREATE = closed_object({
    **COMMON_FIELDS,
    "status": one_of([MAINTENANCE_STATUSES[0]],
                     "A maintenance is created scheduled; PATCH moves it on."),
    **COMPONENT_REFS,
    "scheduled_for": timestamp_schema("Start of the window."),
    "scheduled_until": timestamp_schema("End of the window; after scheduled_for (else 422)."),
    **AUTOMATION,
}, ["name", "scheduled_for", "scheduled_until"], "A scheduled maintenance (scheduled_for).")

BACKFILL_CREATE = closed_object({
    **COMMON_FIELDS,
    "severity": SEVERITY,
    "backfilled": flag_schema("", (True, "true"), null=False),
    "backfill_date": {"type": "string", "format": "date", "pattern": YEARS, "description":
                      "The day it happened (page time zone), today or earlier (else 422)."},
    "deliver_notifications": flag_schema("Taken and without effect: a backfill notifies no "
                                         "one (Atlassian's client sends true by default)."),
}, ["name", "backfilled", "backfill_date"], (
    "Statuspage's backfill: a past incident recorded resolved at the start of backfill_date, "
    "notifying no one (no email, SMS, webhook or stakeholder message), listed in the history "
    "on that day and never among the active incidents. No components."))

INCIDENT_PATCH = closed_object({
    **COMMON_FIELDS,
    "name": name_schema("New title. Refused (409) where the plan makes public text at this "
                        "severity wait for approval.", null=True),
    "impact_override": one_of(list(IMPACTS), "New impact; an incident's severity follows it "
                              "as on create (critical SEV1 ... none SEV4)."),
    "severity": one_of(SEVERITIES, "Extension: a new severity (incidents only, else 409). "
                       "Lowering it where the plan makes its public text wait is a 409."),
    "status": one_of(INCIDENT_STATUSES + MAINTENANCE_STATUSES, (
        "Posts the next update with this status. Incidents take investigating/identified/"
        "monitoring/resolved, maintenance scheduled/in_progress/verifying/completed; the other "
        "kind's status, or reopening a resolved or completed one, is a 409. Resolving or "
        "completing returns the affected components to operational unless `components` says "
        "otherwise; in_progress puts them under maintenance.")),
    "body": text_schema(25000, "Markdown: posts the next update with this text."),
    **COMPONENT_REFS,
    "visibility": one_of(list(VISIBILITIES), (
        "Extension. internal: an internal update, as the console posts one: it stays in the "
        "console, changes no public status and reaches only the stakeholder groups the plan "
        "names. Default public.")),
    "scheduled_for": timestamp_schema("Maintenance only (else 409): a new start, while it "
                                      "is scheduled (else 409).", null=True),
    "scheduled_until": timestamp_schema("Maintenance only (else 409): a new end, after the "
                                        "start (else 422; 409 when only one end is given "
                                        "and the stored other end refuses it).", null=True),
    **AUTOMATION,
}, [], (
    "Changes the incident's own fields given (title, impact, severity, metadata; for a "
    "maintenance its window and automation) and, when status, body or components are given, "
    "posts the next update: both or neither. Fields sent back with their current values "
    "change nothing. Automation fields on an incident are a 409 unless sent back unchanged."))

INCIDENT_UPDATE_PATCH = closed_object({
    "body": text_schema(25000, "The corrected text (markdown)."),
    "display_at": timestamp_schema("When the update is shown as posted; not in the future "
                                   "(else 422).", null=True),
    "deliver_notifications": flag_schema(
        "An edit sends nothing: false, or the update's own value sent back (true on an "
        "update that notified no one is a 409)."),
    "wants_twitter_update": flag_schema("false only: this server does not post to Twitter.",
                                        (False, "false")),
}, [], ("Corrects a published public update; nothing is sent. A 409 for an update waiting "
        "for approval (edited in the console) and where the plan makes public text at this "
        "severity wait for approval."))

POSTMORTEM_DRAFT = closed_object({
    "body_draft": {"type": "string", "maxLength": 100_000, "pattern": MULTI_LINE,
                   "description": "The postmortem's text (markdown). Emptying a published "
                                  "one is a 409."},
}, ["body_draft"], "Saves the postmortem's text.")

POSTMORTEM_PUBLISH = closed_object({
    "notify_subscribers": flag_schema("Tell subscribers (once per incident); default false."),
    "notify_twitter": flag_schema("false only: this server does not post to Twitter.",
                                  (False, "false")),
    "custom_tweet": nullable("string", maxLength=280, pattern=SINGLE_LINE,
                             description="Accepted and never posted (no Twitter)."),
}, [], "Publishes the saved text (the incident must be resolved and the text written, "
       "else 409).")

# Template text: placeholders are the known names in braces, `{{`/`}}` are literal braces.
_PLACEHOLDER = r"\{(?:" + "|".join(templates.PLACEHOLDERS) + r")\}|\{\{|\}\}"
_TEXT_CHAR = r"[^{}\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_LINE_CHAR = r"[^{}\x00-\x1f\x7f]"
TEMPLATE_BODY = (f"^(?:{_TEXT_CHAR}|{_PLACEHOLDER})*"
                 rf"(?:[^{{}}\s\x00-\x1f\x7f]|{_PLACEHOLDER})(?:{_TEXT_CHAR}|{_PLACEHOLDER})*$")
TEMPLATE_LINE = f"^(?:{_LINE_CHAR}|{_PLACEHOLDER})*$"
_KNOWN = ", ".join("{" + p + "}" for p in templates.PLACEHOLDERS)

TEMPLATE_CREATE = closed_object({
    "name": name_schema("Unique (case-insensitive; a taken name is a 409).",
                        max_length=templates.MAX_NAME),
    "title": nullable("string", maxLength=templates.MAX_TITLE, pattern=TEMPLATE_LINE,
                      description=f"The incident title it suggests; placeholders {_KNOWN}."),
    "body": {"type": "string", "maxLength": templates.MAX_BODY, "pattern": TEMPLATE_BODY,
             "description": f"The message (markdown); placeholders {_KNOWN}; {{{{ and }}}} "
                            "are literal braces."},
    "update_status": one_of(list(PHASES), "The phase it serves (default investigating); "
                            "scheduled, in_progress and completed are maintenance's."),
    "group_id": {"enum": [None, ""], "description": "Template groups are not kept: null."},
    "component_ids": nullable("array", maxItems=0, items={"type": "string"}, description=(
        "Templates hold no components here (chosen when posting): empty.")),
    "should_send_notifications": flag_schema("true only: whether an update notifies is "
                                             "decided when it is posted.", (True, "true")),
    "should_tweet": flag_schema("false only: this server does not post to Twitter.",
                                (False, "false")),
    "sms_body": nullable("string", maxLength=templates.MAX_SMS, pattern=TEMPLATE_LINE,
                         description="Extension: the SMS wording, same placeholders."),
}, ["name", "body"], "A message template, as the console's.")

INCIDENT_REQUESTS: dict[str, Schema] = {
    "IncidentCreate": INCIDENT_CREATE,
    "MaintenanceCreate": MAINTENANCE_CREATE,
    "BackfillCreate": BACKFILL_CREATE,
    "IncidentPatch": INCIDENT_PATCH,
    "IncidentCreateBody": wrapped("incident", {"oneOf": [
        ref("IncidentCreate"), ref("MaintenanceCreate"), ref("BackfillCreate")]}),
    "IncidentPatchBody": wrapped("incident", ref("IncidentPatch")),
    "IncidentUpdatePatchBody": wrapped("incident_update", INCIDENT_UPDATE_PATCH),
    "PostmortemDraftBody": wrapped("postmortem", POSTMORTEM_DRAFT),
    "PostmortemPublishBody": wrapped("postmortem", POSTMORTEM_PUBLISH),
    "TemplateCreateBody": wrapped("template", TEMPLATE_CREATE),
}
