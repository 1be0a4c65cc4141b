"""The OpenAPI 3.1 description of the management API, served at /api/v1/openapi.json.

Written by hand next to the code it describes (statuspage/api/v1*.py); a test validates it
and checks that every route of the blueprint is in it.
"""

from __future__ import annotations

from statuspage.api import v1_openapi_resources as resources
from statuspage.api.v1_openapi_incident_paths import RECORDS, incident_paths
from statuspage.api.v1_openapi_incidents import INCIDENT_REQUESTS
from statuspage.api.v1_openapi_schemas import (
    COMPONENT_STATUSES,
    REQUEST_SCHEMAS,
    Schema,
    error_refs,
    json_content,
    nullable,
    param,
    read_op,
    ref,
    write_op,
)

_ref = ref
_nullable = nullable
_json = json_content
_errors = error_refs
_read = read_op
_write = write_op
_param = param


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
    return {
        "/openapi.json": {"get": {"summary": "This document", "security": [],
                                  "responses": {"200": _json({"type": "object"}, "OK")}}},
        "/pages": {"get": _read("The page this installation serves",
                                {"type": "array", "items": _ref("Page")})},
        **incident_paths(),
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
                "Bodies are JSON or, as Statuspage's own curl examples send them, "
                "form-encoded with bracketed names (`incident[name]=...`, "
                "`incident[component_ids][]=...`, `incident[components][<id>]=major_outage`, "
                "`incident[metadata][jira][issue_id]=...`; every value a string, booleans "
                "as true/false); anything else is a 415. A field an operation does not take "
                "is a 422 naming it, never ignored; a state the target refuses is a 409; a "
                "method a path does not take is a 405 with `Allow`. Extensions to "
                "Statuspage's API: `visibility: internal` on an incident PATCH (an internal "
                "update, for the stakeholder groups the plan names), `severity` (SEV1-SEV4), "
                "the postmortem's `awaiting_approval` with 202 when the plan makes public "
                "text wait for a second person, and a template's `sms_body`."
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
            "schemas": {**REQUEST_SCHEMAS, **INCIDENT_REQUESTS, **SCHEMAS, **RECORDS,
                        **resources.REQUEST_SCHEMAS, **resources.SCHEMAS},
            "responses": RESPONSES,
        },
    }
