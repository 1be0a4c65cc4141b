"""The OpenAPI paths of components, component groups, subscribers, incident subscribers and
the page profile (issue 14); v1_openapi merges them into the document it serves.

Every operation lists the error responses the server can give it (v1_openapi_schemas'
read_op and write_op, plus 403 and 422 on reads: personal data, query parameters).
"""

from __future__ import annotations

from typing import Any

from statuspage.api.v1_body import MAX_LIMIT, MAX_PAGE, MAX_QUERY, SINGLE_LINE, YEARS
from statuspage.api.v1_openapi_resource_schemas import REQUEST_SCHEMAS, SCHEMAS
from statuspage.api.v1_openapi_schemas import Schema, param, read_op, ref, write_op
from statuspage.api.v1_query import FLAGS, PARTIAL_DATE
from statuspage.subscriptions.listing import API_STATES, API_TYPES, SORT_FIELDS

__all__ = ["REQUEST_SCHEMAS", "SCHEMAS", "resource_paths"]


def _read(summary: str, schema: Schema, **extra: Any) -> Schema:
    # 403: a read token reading subscribers; 422: a query parameter refused.
    return read_op(summary, schema, 403, 422, **extra)


def _write(summary: str, body: str | None, schema: str | None, status: int,
           **extra: Any) -> Schema:
    if schema is not None:
        return write_op(summary, body, schema, status, **extra)
    operation = write_op(summary, body, "Error", status, **extra)
    operation["responses"][str(status)] = {"description": "Done; no content."}
    return operation


def _param(name: str, description: str, where: str = "query", **schema: Any) -> Schema:
    return param(name, description, where, **schema)


def _number(name: str, description: str, lowest: int, highest: int,
            default: int) -> Schema:
    return _param(name, f"{description} ({lowest}-{highest}, default {default}).",
                  type="integer", minimum=lowest, maximum=highest)


PAGE_ID = _param("page_id", "The page's id, as GET /pages reports it.", "path")
COMPONENT_ID = _param("component_id", "The component's or group's id.", "path")
GROUP_ID = _param("group_id", "The component group's id.", "path")
SUBSCRIBER_ID = _param("subscriber_id", "The subscriber's id.", "path")
INCIDENT_ID = _param("incident_id", "The incident's id.", "path")
PER_PAGE = [_number("page", "Page of results, from 1", 1, MAX_PAGE, 1),
            _number("per_page", "Results per page", 1, MAX_LIMIT, MAX_LIMIT)]
UPTIME = [
    _param(name, f"{description} A day (2024-05-01), a month or a year standing for its "
           f"{edge} day, from 1970; the range is at most 184 days and ends today or earlier "
           "(else 422).", anyOf=[{"pattern": PARTIAL_DATE},
                                 {"format": "date", "pattern": YEARS}])
    for name, description, edge in (
        ("start", "First day (default: 90 days ago, or when it began if later).", "first"),
        ("end", "Last day (default: today, in the page's time zone).", "last"))
]
TYPE = _param("type", "Only this type of subscriber (integration_partner: none).",
              enum=list(API_TYPES))
STATE = _param("state", "Only this state (default active; quarantined: suppressed after "
               "failed deliveries or a complaint; all: any but unsubscribed).",
               enum=list(API_STATES))
SUBSCRIBER_LIST = [
    _param("q", "Words in the address (no control characters).", maxLength=MAX_QUERY,
           pattern=SINGLE_LINE),
    TYPE, STATE,
    _number("limit", "Results per page", 1, MAX_LIMIT, MAX_LIMIT),
    _number("page", "Page of results, from 0 as in Statuspage", 0, MAX_PAGE, 0),
    _param("sort_field", "primary (the address), created_at, quarantined_at or relevance to "
           "q (without q: by address).", enum=list(SORT_FIELDS)),
    _param("sort_direction", "asc (default) or desc.", enum=["asc", "desc"]),
]
SKIP_NOTICE = _param("skip_unsubscription_notification", "Taken; no notice is ever sent.",
                     enum=list(FLAGS))
PERSONAL = ("Subscribers are personal data: reading them needs a write token (a read token "
            "gets 403); counts do not.")


def _array(name: str) -> Schema:
    return {"type": "array", "items": ref(name)}


def resource_paths() -> dict[str, Schema]:
    """The paths of this module's operations (under /pages/{page_id})."""
    component, group, subscriber = ref("Component"), ref("ComponentGroup"), ref("Subscriber")
    uptime = ref("Uptime")
    base = "/pages/{page_id}"
    return {
        base: {
            "parameters": [PAGE_ID],
            "get": _read("The page profile", ref("PageProfile")),
            "patch": _write("Change the page settings given", "PagePatchBody", "PageProfile",
                            200),
            "put": _write("Same as PATCH", "PagePatchBody", "PageProfile", 200),
        },
        f"{base}/components": {
            "parameters": [PAGE_ID],
            "get": _read("Components and groups in display order",
                         {"type": "array", "items": component}, parameters=PER_PAGE),
            "post": _write("Create a component", "ComponentCreateBody", "Component", 201),
        },
        f"{base}/components/{{component_id}}": {
            "parameters": [PAGE_ID, COMPONENT_ID],
            "get": _read("One component or group", component),
            "patch": _write("Change the fields given", "ComponentPatchBody", "Component", 200),
            "put": _write("Same as PATCH", "ComponentPatchBody", "Component", 200),
            "delete": _write("Delete it (a group: its components move to the end of the "
                             "page)", None, None, 204),
        },
        f"{base}/components/{{component_id}}/uptime": {
            "parameters": [PAGE_ID, COMPONENT_ID],
            "get": _read("Uptime over a range of days (a group: its components' mean)",
                         uptime, parameters=UPTIME),
        },
        f"{base}/component-groups": {
            "parameters": [PAGE_ID],
            "get": _read("Component groups in display order", _array("ComponentGroup"),
                         parameters=PER_PAGE),
            "post": _write("Create a group", "ComponentGroupCreateBody", "ComponentGroup",
                           201),
        },
        f"{base}/component-groups/{{group_id}}": {
            "parameters": [PAGE_ID, GROUP_ID],
            "get": _read("One group", group),
            "patch": _write("Change the fields given", "ComponentGroupPatchBody",
                            "ComponentGroup", 200),
            "put": _write("Same as PATCH", "ComponentGroupPatchBody", "ComponentGroup", 200),
            "delete": _write("Delete the group, answering it as it was; its components move "
                             "to the end of the page", None, "ComponentGroup", 200),
        },
        f"{base}/component-groups/{{group_id}}/uptime": {
            "parameters": [PAGE_ID, GROUP_ID],
            "get": _read("Uptime of the group's components over a range of days", uptime,
                         parameters=UPTIME),
        },
        **_subscriber_paths(base, subscriber),
    }


def _subscriber_paths(base: str, subscriber: Schema) -> dict[str, Schema]:
    one = f"{base}/subscribers/{{subscriber_id}}"
    follows = f"{base}/incidents/{{incident_id}}/subscribers"
    return {
        f"{base}/subscribers": {
            "parameters": [PAGE_ID],
            "get": _read("Page subscribers", _array("Subscriber"), description=PERSONAL,
                         parameters=SUBSCRIBER_LIST),
            "post": _write("Add a subscriber", "SubscriberCreateBody", "Subscriber", 201),
        },
        one: {
            "parameters": [PAGE_ID, SUBSCRIBER_ID],
            "get": _read("One subscriber (page-wide or following an incident)", subscriber,
                         description=PERSONAL),
            "patch": _write("Choose the components they hear about", "SubscriberPatchBody",
                            "Subscriber", 200),
            "delete": _write("Unsubscribe them (the record stays, unsubscribed)", None,
                             "Subscriber", 200, parameters=[SKIP_NOTICE]),
        },
        f"{one}/resend_confirmation": {
            "parameters": [PAGE_ID, SUBSCRIBER_ID],
            "post": _write("Send an unconfirmed subscriber the confirmation again (else 409)",
                           None, "Subscriber", 201),
        },
        f"{base}/subscribers/unsubscribed": {
            "parameters": [PAGE_ID],
            "get": _read("Page subscribers who left, latest first", _array("Subscriber"),
                         description=PERSONAL, parameters=PER_PAGE),
        },
        f"{base}/subscribers/count": {
            "parameters": [PAGE_ID],
            "get": _read("Page subscribers per type", ref("SubscriberCounts"),
                         parameters=[TYPE, STATE]),
        },
        f"{base}/subscribers/histogram_by_state": {
            "parameters": [PAGE_ID],
            "get": _read("Page subscribers per type and state", ref("SubscriberHistogram")),
        },
        **{f"{base}/subscribers/{action}": {
            "parameters": [PAGE_ID],
            "post": _write(summary, body, "BulkResult", 201),
        } for action, summary, body in (
            ("unsubscribe", "Unsubscribe many", "SubscribersUnsubscribeBody"),
            ("reactivate", "Reactivate quarantined subscribers", "SubscribersReactivateBody"),
            ("resend_confirmation", "Send unconfirmed subscribers their confirmation again",
             "SubscribersResendBody"),
        )},
        follows: {
            "parameters": [PAGE_ID, INCIDENT_ID],
            "get": _read("The incident's followers (whose follow has not ended)",
                         _array("Subscriber"), description=PERSONAL, parameters=PER_PAGE),
            "post": _write("Add a follower", "FollowerCreateBody", "Subscriber", 201),
        },
        f"{follows}/{{subscriber_id}}": {
            "parameters": [PAGE_ID, INCIDENT_ID, SUBSCRIBER_ID],
            "get": _read("One follower", subscriber, description=PERSONAL),
            "delete": _write("End the follow", None, "Subscriber", 200),
        },
        f"{follows}/{{subscriber_id}}/resend_confirmation": {
            "parameters": [PAGE_ID, INCIDENT_ID, SUBSCRIBER_ID],
            "post": _write("Send an unconfirmed follower the confirmation again (else 409)",
                           None, "Subscriber", 201),
        },
    }
