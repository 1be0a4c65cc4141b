"""The schema helpers of the management API's OpenAPI document, and the component bodies.

The incident side (bodies and records) is in v1_openapi_incidents.

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
from statuspage.models import ComponentStatus
from statuspage.models.status import IncidentStatus, MaintenanceStatus

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


def one_of(values: list[Any], description: str = "", null: bool = True) -> Schema:
    schema: Schema = {"enum": [*values, None] if null else list(values)}
    return {**schema, "description": description} if description else schema


def name_schema(description: str, null: bool = False, max_length: int = 255) -> Schema:
    return {"type": ["string", "null"] if null else "string", "minLength": 1,
            "maxLength": max_length, "pattern": NAME_PATTERN, "description": description}


def text_schema(max_length: int, description: str) -> Schema:
    return nullable("string", maxLength=max_length, pattern=MULTI_LINE, description=description)


def flag_schema(description: str = "",
                values: tuple[Any, ...] = (True, False, "true", "false"),
                null: bool = True) -> Schema:
    return one_of(list(values), description or "true or false (also as a string).", null)


def timestamp_schema(description: str, null: bool = False) -> Schema:
    return {"type": ["string", "null"] if null else "string", "format": "date-time",
            "pattern": YEARS, "description": description + " Years 1970 to 2999; a time "
            "without an offset is UTC."}


def closed_object(properties: Schema, required: list[str], description: str) -> Schema:
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False, "description": description}


def _component_fields(create: bool) -> Schema:
    return closed_object({
        "name": name_schema("Name (required to create)." if create else "Name.",
                            null=not create),
        "description": text_schema(2000, "Shown under the name."),
        "status": one_of(COMPONENT_STATUSES),
        "group_id": nullable("string", pattern=ID_PATTERN, description=(
            "An existing group's id (else 422); null: no group. A group cannot join a group "
            "(409).")),
        "showcase": flag_schema(),
        "only_show_if_degraded": flag_schema(),
        "start_date": {**timestamp_schema("", null=True), "format": "date", "description":
                       "Today or earlier in the page's time zone (else 422); null clears it. "
                       "Years 1970 to 2999."},
    }, ["name"] if create else [], "Only the fields given change (PATCH); others: 422.")


def wrapped(key: str, inner: Schema) -> Schema:
    return {"type": "object", "required": [key], "properties": {key: inner},
            "additionalProperties": False}


REQUEST_SCHEMAS: dict[str, Schema] = {
    "ComponentCreateBody": wrapped("component", _component_fields(create=True)),
    "ComponentPatchBody": wrapped("component", _component_fields(create=False)),
}


# --- operations ------------------------------------------------------------------------------

def json_content(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error_refs(*codes: int) -> dict[str, Schema]:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
             409: "Conflict", 413: "TooLarge", 415: "NotJson", 422: "Unprocessable",
             429: "TooManyRequests"}
    return {str(code): {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


def read_op(summary: str, schema: Schema, *codes: int, **extra: Any) -> Schema:
    return {"summary": summary, **extra,
            "responses": {"200": json_content(schema, "OK"),
                          **error_refs(400, 401, 404, 429, *codes)}}


WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422, 429)


def write_op(summary: str, body: str | None, schema: str, status: int, **extra: Any) -> Schema:
    """A write: its JSON body (form-encoded works too, see the document's description) and
    its answer; `body` None for one that takes none."""
    operation: Schema = {"summary": summary, **extra}
    if body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": ref(body)}}}
    operation["responses"] = {
        str(status): json_content(ref(schema), "Created" if status == 201 else "OK"),
        **error_refs(*WRITE_ERRORS),
    }
    return operation


def param(name: str, description: str, where: str = "path", **schema: Any) -> Schema:
    return {"name": name, "in": where, "required": where == "path", "description": description,
            "schema": {"type": "string", **schema}}
