"""The OpenAPI 3.1 description of the management API, served at /api/v1/openapi.json.

Written by hand next to the code it describes (statuspage/api/v1*.py); a test validates it
and checks that every route of the blueprint is in it.
"""

from __future__ import annotations

from typing import Any

from statuspage.api import v1_openapi_resources as resources
from statuspage.api.v1_body import MAX_LIMIT, MAX_PAGE, MAX_QUERY, SINGLE_LINE
from statuspage.api.v1_openapi_schemas import (
    COMPONENT_STATUSES,
    REQUEST_SCHEMAS,
    Schema,
    nullable,
    ref,
)
from statuspage.models.status import IMPACTS

_ref = ref
_nullable = nullable



def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Schema]:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
             409: "Conflict", 413: "TooLarge", 415: "NotJson", 422: "Unprocessable",
             429: "TooManyRequests"}
    return {str(code): {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


def _read(summary: str, schema: Schema, *codes: int, **extra: Any) -> Schema:
    return {"summary": summary, **extra,
            "responses": {"200": _json(schema, "OK"), **_errors(400, 401, 404, 429, *codes)}}


def _write(summary: str, body: str, schema: str, status: int, **extra: Any) -> Schema:
    return {
        "summary": summary,
        **extra,
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": _ref(body)}}},
        "responses": {
            str(status): _json(_ref(schema), "Created" if status == 201 else "Updated"),
            **_errors(400, 401, 403, 404, 409, 413, 415, 422, 429),
        },
    }


def _param(name: str, description: str, where: str = "path", **schema: Any) -> Schema:
    return {"name": name, "in": where, "required": where == "path", "description": description,
            "schema": {"type": "string", **schema}}


LIST_PARAMS = [
    _param("q", "Words in the title (no control characters).", "query",
           maxLength=MAX_QUERY, pattern=SINGLE_LINE),
    _param("limit", f"Results per page, 1-{MAX_LIMIT}, default {MAX_LIMIT}.", "query",
           type="integer", minimum=1, maximum=MAX_LIMIT),
    _param("page", "1-based page of results.", "query", type="integer", minimum=1,
           maximum=MAX_PAGE),
]


PAGE_ID = _param("page_id", "The page's id, as GET /pages (or /api/v2) reports it.")
INCIDENT_ID = _param("incident_id", "The incident's or maintenance's id.")

SCHEMAS: dict[str, Schema] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                       "field": {"type": "string", "description": "On 422: the field refused."}},
    },
    "Page": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                       "url": {"type": "string"}, "time_zone": {"type": "string"},
                       "updated_at": {"type": "string", "format": "date-time"},
                       "allow_incident_subscribers": {"type": "boolean"},
                       "allow_email_subscribers": {"type": "boolean"},
                       "allow_sms_subscribers": {"type": "boolean"},
                       "allow_webhook_subscribers": {"type": "boolean"}},
    },
    "IncidentUpdate": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string"},
            "body": {"type": "string"},
            "incident_id": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "display_at": {"type": "string", "format": "date-time"},
            "affected_components": _nullable("array", items={"type": "object"}),
            "deliver_notifications": {"type": "boolean"},
        },
    },
    "Incident": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "status": {"type": "string"},
            "impact": {"type": "string", "enum": list(IMPACTS)},
            "impact_override": _nullable("string"),
            "severity": _nullable("string"),
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "started_at": {"type": "string", "format": "date-time"},
            "monitoring_at": _nullable("string", format="date-time"),
            "resolved_at": _nullable("string", format="date-time"),
            "shortlink": {"type": "string"},
            "page_id": {"type": "string"},
            "incident_updates": {"type": "array", "items": _ref("IncidentUpdate"),
                                 "description": "Public updates, newest first."},
            "components": {"type": "array", "items": _ref("Component")},
            "scheduled_for": _nullable("string", format="date-time"),
            "scheduled_until": _nullable("string", format="date-time"),
            "scheduled_remind_prior": {"type": "boolean"},
            "scheduled_auto_in_progress": {"type": "boolean"},
            "scheduled_auto_completed": {"type": "boolean"},
            "postmortem_body": _nullable("string"),
            "postmortem_published_at": _nullable("string", format="date-time"),
        },
    },
    "Component": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "status": {"type": "string", "enum": COMPONENT_STATUSES},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "position": {"type": "integer"},
            "description": _nullable("string"),
            "showcase": {"type": "boolean"},
            "start_date": _nullable("string", format="date"),
            "group_id": _nullable("string"),
            "page_id": {"type": "string"},
            "group": {"type": "boolean"},
            "only_show_if_degraded": {"type": "boolean"},
            "components": {"type": "array", "items": {"type": "string"},
                           "description": "Groups only: their components' ids."},
        },
    },
}

RESPONSES = {
    name: _json(_ref("Error"), description)
    for name, description in (
        ("BadRequest", "The request cannot be read: malformed JSON, a body not wrapped in its "
                       "resource key, or a query string the server refuses."),
        ("Unauthorized", "No token, an unknown token or a revoked token."),
        ("Forbidden", "A read token tried to write, or to read subscribers (personal "
                      "data)."),
        ("NotFound", "No such page, incident, component, group or subscriber."),
        ("Conflict", "The target's state refuses this (reopening a resolved incident, the "
                     "other kind's status, a group into a group); `field` names the field."),
        ("TooLarge", "The body is larger than the server takes."),
        ("NotJson", "The body is not JSON (Content-Type: application/json)."),
        ("Unprocessable", "A field the operation does not take, or a value that is refused; "
                          "`field` names it."),
        ("TooManyRequests", "Rate limit for this token exceeded; see Retry-After."),
        ("MethodNotAllowed", "The path does not take this method; `Allow` lists those it "
                             "takes."),
    )
}


def _paths() -> dict[str, Schema]:
    incident = _ref("Incident")
    return {
        "/openapi.json": {"get": {"summary": "This document", "security": [],
                                  "responses": {"200": _json({"type": "object"}, "OK")}}},
        "/pages": {"get": _read("The page this installation serves",
                                {"type": "array", "items": _ref("Page")})},
        "/pages/{page_id}/incidents": {
            "parameters": [PAGE_ID],
            "get": _read("Incidents and maintenance, newest first",
                         {"type": "array", "items": incident}, 422,
                         parameters=LIST_PARAMS),
            "post": _write("Create an incident, a maintenance (scheduled_for) or a backfilled "
                           "past incident (backfilled)", "IncidentCreateBody", "Incident", 201),
        },
        "/pages/{page_id}/incidents/{incident_id}": {
            "parameters": [PAGE_ID, INCIDENT_ID],
            "get": _read("One incident or maintenance", incident),
            "patch": _write("Post the next update (status, body, component statuses, "
                            "visibility)", "IncidentPatchBody", "Incident", 200),
            "put": _write("Same as PATCH", "IncidentPatchBody", "Incident", 200),
        },
        # Components, groups, subscribers, incident subscribers, the page profile.
        **resources.resource_paths(),
    }


def document(base_url: str) -> Schema:
    """The OpenAPI document, with the server URL of this installation."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Status page management API",
            "version": "1.0.0",
            "description": (
                "Create and update incidents, maintenance, components and component groups, "
                "manage subscribers and incident subscribers, and read or change the page "
                "profile from automation. "
                "Modelled on the Statuspage Manage API: the same paths under "
                "/pages/{page_id}, bodies wrapped in a resource key, `Authorization: OAuth "
                "<token>` (or `Bearer <token>`). Tokens are created in the console or with "
                "`flask --app statuspage create-token NAME --scope write`; read tokens may "
                "only GET. Tokens are never accepted in the query string, where logs and "
                "Referer headers would leak them. Every change is in the audit log under the "
                "token's name. Requests are rate-limited per token (429 with Retry-After). "
                "Bodies are JSON (else 415); a field an operation does not take is a 422 "
                "naming it, never ignored; a state the target refuses is a 409; a method a "
                "path does not take is a 405 with `Allow`."
            ),
        },
        "servers": [{"url": f"{base_url.rstrip('/')}/api/v1"}],
        "security": [{"bearer": []}, {"oauth_header": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "`Authorization: Bearer sp_...`"},
                "oauth_header": {"type": "apiKey", "in": "header", "name": "Authorization",
                                 "description": "`Authorization: OAuth sp_...`, as Statuspage"},
            },
            "schemas": {**REQUEST_SCHEMAS, **SCHEMAS, **resources.REQUEST_SCHEMAS,
                        **resources.SCHEMAS},
            "responses": RESPONSES,
        },
    }
