"""The incident side of the OpenAPI document: its records and its paths (incidents and their
lists, updates, postmortems, incident templates). Bodies are in v1_openapi_incidents."""

from __future__ import annotations

from statuspage.api.v1_body import MAX_LIMIT, MAX_PAGE, MAX_QUERY, SINGLE_LINE
from statuspage.api.v1_openapi_schemas import (
    Schema,
    error_refs,
    json_content,
    nullable,
    param,
    read_op,
    ref,
    write_op,
)
from statuspage.models.status import IMPACTS

_TS = {"type": "string", "format": "date-time"}
_TS_OR_NULL = nullable("string", format="date-time")
_FLAG = {"type": "boolean"}

RECORDS: dict[str, Schema] = {
    "IncidentUpdate": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string"},
            "body": {"type": "string"},
            "incident_id": {"type": "string"},
            "created_at": _TS,
            "updated_at": _TS,
            "display_at": _TS,
            "affected_components": nullable("array", items={"type": "object"}),
            "deliver_notifications": _FLAG,
            "custom_tweet": {"type": "null"},
            "tweet_id": {"type": "null"},
            "twitter_updated_at": {"type": "null"},
            "wants_twitter_update": {"const": False},
        },
    },
    "Incident": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "status": {"type": "string"},
            "impact": {"type": "string", "enum": list(IMPACTS)},
            "impact_override": nullable("string"),
            "severity": nullable("string"),
            "created_at": _TS,
            "updated_at": _TS,
            "started_at": _TS,
            "monitoring_at": _TS_OR_NULL,
            "resolved_at": _TS_OR_NULL,
            "shortlink": {"type": "string"},
            "page_id": {"type": "string"},
            "incident_updates": {"type": "array", "items": ref("IncidentUpdate"),
                                 "description": "Public published updates, newest first."},
            "components": {"type": "array", "items": ref("Component")},
            "metadata": {"type": "object"},
            "scheduled_for": _TS_OR_NULL,
            "scheduled_until": _TS_OR_NULL,
            "scheduled_remind_prior": _FLAG,
            "scheduled_reminded_at": _TS_OR_NULL,
            "scheduled_auto_in_progress": _FLAG,
            "scheduled_auto_completed": _FLAG,
            "auto_transition_to_maintenance_state": _FLAG,
            "auto_transition_to_operational_state": _FLAG,
            "auto_transition_deliver_notifications_at_start": _FLAG,
            "auto_transition_deliver_notifications_at_end": _FLAG,
            "postmortem_body": nullable("string"),
            "postmortem_body_last_updated_at": _TS_OR_NULL,
            "postmortem_published_at": _TS_OR_NULL,
            "postmortem_notified_subscribers": _FLAG,
            "postmortem_notified_twitter": _FLAG,
            "postmortem_ignored": _FLAG,
        },
    },
    "Postmortem": {
        "type": "object",
        "properties": {
            "preview_key": {"type": "null"},
            "body": nullable("string", description="The published text."),
            "body_updated_at": _TS_OR_NULL,
            "body_draft": nullable("string", description="The text being written (a "
                                                         "revision waiting, once published)."),
            "body_draft_updated_at": _TS_OR_NULL,
            "published_at": _TS_OR_NULL,
            "notify_subscribers": _FLAG,
            "notify_twitter": {"const": False},
            "custom_tweet": {"type": "null"},
            "created_at": _TS_OR_NULL,
            "updated_at": _TS_OR_NULL,
            "awaiting_approval": {"type": "boolean", "description": (
                "Extension: a submitted text waits for a second person's approval.")},
        },
    },
    "IncidentTemplate": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "components": {"type": "array", "maxItems": 0},
            "name": {"type": "string"},
            "title": {"type": "string"},
            "body": {"type": "string"},
            "group_id": {"type": "null"},
            "update_status": {"type": "string"},
            "should_tweet": {"const": False},
            "should_send_notifications": {"const": True},
            "sms_body": {"type": "string"},
        },
    },
}

PAGE_ID = param("page_id", "The page's id, as GET /pages (or /api/v2) reports it.")
INCIDENT_ID = param("incident_id", "The incident's or maintenance's id.")
UPDATE_ID = param("update_id", "The update's id (a public update of this incident).")
LIST_PARAMS = [
    param("q", "Words in the title (no control characters).", "query",
          maxLength=MAX_QUERY, pattern=SINGLE_LINE),
    param("limit", f"Results per page, 1-{MAX_LIMIT}, default {MAX_LIMIT}.", "query",
          type="integer", minimum=1, maximum=MAX_LIMIT),
    param("page", "1-based page of results.", "query", type="integer", minimum=1,
          maximum=MAX_PAGE),
]
PAGING = [
    param("page", "1-based page of results.", "query", type="integer", minimum=1,
          maximum=MAX_PAGE),
    param("per_page", f"Results per page, 1-{MAX_LIMIT}, default {MAX_LIMIT}.", "query",
          type="integer", minimum=1, maximum=MAX_LIMIT),
]


def _list(summary: str, schema: str, parameters: list[Schema]) -> Schema:
    return read_op(summary, {"type": "array", "items": ref(schema)}, 422,
                   parameters=parameters)


def _postmortem_write(summary: str, body: str | None) -> Schema:
    operation = write_op(summary, body, "Postmortem", 200)
    operation["responses"]["202"] = json_content(ref("Postmortem"), (
        "Submitted for approval instead (the plan makes public text at this severity wait): "
        "`awaiting_approval` is true and nothing public changed yet."))
    return operation


def incident_paths() -> dict[str, Schema]:
    incident = ref("Incident")
    postmortem = "/pages/{page_id}/incidents/{incident_id}/postmortem"
    return {
        "/pages/{page_id}/incidents": {
            "parameters": [PAGE_ID],
            "get": _list("Incidents and maintenance, newest first", "Incident", LIST_PARAMS),
            "post": write_op("Create an incident, a maintenance (scheduled_for) or a "
                             "backfilled past incident (backfilled)", "IncidentCreateBody",
                             "Incident", 201),
        },
        "/pages/{page_id}/incidents/unresolved": {"parameters": [PAGE_ID], "get": _list(
            "Incidents not resolved yet, newest first", "Incident", PAGING)},
        "/pages/{page_id}/incidents/upcoming": {"parameters": [PAGE_ID], "get": _list(
            "Maintenance not started yet, soonest first", "Incident", PAGING)},
        "/pages/{page_id}/incidents/scheduled": {"parameters": [PAGE_ID], "get": _list(
            "Every maintenance, latest window first", "Incident", PAGING)},
        "/pages/{page_id}/incidents/active_maintenance": {"parameters": [PAGE_ID], "get": _list(
            "Maintenance in progress or verifying", "Incident", PAGING)},
        "/pages/{page_id}/incidents/{incident_id}": {
            "parameters": [PAGE_ID, INCIDENT_ID],
            "get": read_op("One incident or maintenance", incident),
            "patch": write_op("Change its fields and/or post the next update",
                              "IncidentPatchBody", "Incident", 200),
            "put": write_op("Same as PATCH", "IncidentPatchBody", "Incident", 200),
            "delete": write_op(
                "Delete it with its updates, postmortem, followers and delivery records; "
                "messages not sent yet are cancelled, components keep their status. 409 while "
                "messages about it are being prepared or sent. Answers the record as it was.",
                None, "Incident", 200),
        },
        "/pages/{page_id}/incidents/{incident_id}/incident_updates/{update_id}": {
            "parameters": [PAGE_ID, INCIDENT_ID, UPDATE_ID],
            "patch": write_op("Correct a posted update's text or display time (sends "
                              "nothing)", "IncidentUpdatePatchBody", "IncidentUpdate", 200),
            "put": write_op("Same as PATCH", "IncidentUpdatePatchBody", "IncidentUpdate", 200),
        },
        postmortem: {
            "parameters": [PAGE_ID, INCIDENT_ID],
            "get": read_op("The postmortem (a maintenance has none: 404)", ref("Postmortem")),
            "put": _postmortem_write("Save its text", "PostmortemDraftBody"),
            "delete": {"summary": "Delete the unpublished text (published: 409)",
                       "responses": {"204": {"description": "Deleted"},
                                     **error_refs(400, 401, 403, 404, 409, 429)}},
        },
        postmortem + "/publish": {"parameters": [PAGE_ID, INCIDENT_ID], "put": _postmortem_write(
            "Publish it (status postmortem), telling subscribers if asked",
            "PostmortemPublishBody")},
        postmortem + "/revert": {"parameters": [PAGE_ID, INCIDENT_ID], "put": _postmortem_write(
            "Take it back to a draft (the incident is resolved again)", None)},
        "/pages/{page_id}/incident_templates": {
            "parameters": [PAGE_ID],
            "get": _list("Message templates by phase", "IncidentTemplate", PAGING),
            "post": write_op("Create a message template", "TemplateCreateBody",
                             "IncidentTemplate", 201),
        },
    }
