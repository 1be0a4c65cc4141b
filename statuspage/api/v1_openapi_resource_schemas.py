"""Request and record schemas of the management API's component group, subscriber, uptime
and page profile operations (statuspage/api/v1_openapi_resources.py places them).

Each request schema states what the server enforces (v1_body, v1_subscriber_input,
v1_pages and the use-cases), as v1_openapi_schemas does for incidents and components. What no
schema can say is in the descriptions and answered with 422 (an address the channel cannot
use, an id that names nothing) or 409 (the target's state refuses it).
"""

from __future__ import annotations

from statuspage.api.v1_body import MULTI_LINE, SINGLE_LINE
from statuspage.api.v1_openapi_schemas import ID_PATTERN, NAME_PATTERN, Schema, nullable, ref
from statuspage.api.v1_page_input import COLOR_PATTERN, FLAGS, MAX_URL, URL_PATTERN
from statuspage.api.v1_subscriber_input import COUNTRY_PATTERN
from statuspage.page.settings_checks import MAX_FOOTER, time_zones
from statuspage.subscriptions.listing import API_STATES, API_TYPES
from statuspage.subscriptions.staff import MAX_BULK

FLAG: Schema = {"enum": [True, False, "true", "false", None],
                "description": "true or false (also as a string)."}
IDS = nullable("array", items={"type": "string", "pattern": ID_PATTERN})
TIMESTAMP = nullable("string", format="date-time")


def _object(properties: Schema, required: list[str], description: str = "") -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "required": required,
                      "additionalProperties": False}
    return {**schema, "description": description} if description else schema


def _wrapped(key: str, inner: Schema, **beside: Schema) -> Schema:
    return _object({key: inner, **beside}, [key])


def _name(null: bool, description: str) -> Schema:
    return {"type": ["string", "null"] if null else "string", "minLength": 1,
            "maxLength": 255, "pattern": NAME_PATTERN, "description": description}


def _address(channel: str, fields: list[str], extra: Schema) -> Schema:
    """One branch of a subscriber body: its address given, the others absent or null."""
    address = {"type": "string", "pattern": SINGLE_LINE,
               "description": "Checked as the subscribe form checks it (else 422)."}
    others = {name: {"type": "null"} for name in fields if name != channel}
    return _object({channel: address, **others, **extra}, [channel])


def _subscriber_body(fields: list[str], extra: Schema, description: str) -> Schema:
    country = nullable("string", pattern=COUNTRY_PATTERN, description=(
        "ISO 3166 country of a phone_number written without +country code."))
    branches = []
    for channel in fields:
        properties = {**extra}
        if channel == "phone_number":
            properties["phone_country"] = country
        elif "phone_number" in fields:
            properties["phone_country"] = {"type": "null"}
        branches.append(_address(channel, fields, properties))
    return {"oneOf": branches, "description": description}


SKIP = {**FLAG, "description": (
    "true: confirmed at once, no confirmation sent; the consent record says the token added "
    "them. Default false: the confirmation is sent (email link, SMS code, webhook test) and "
    "they are subscribed once they confirm.")}
SUBSCRIBER_CREATE = _subscriber_body(
    ["email", "endpoint", "phone_number"],
    {"skip_confirmation_notification": SKIP,
     "component_ids": {**IDS, "description": "Components (a group stands for its "
                       "components) they hear about; none: all. Unknown ids: 422."}},
    "Exactly one of email, endpoint (a webhook URL) or phone_number. An address already on "
    "the list is a 422 (one who unsubscribed may be asked again, without "
    "skip_confirmation_notification).")

FOLLOWER_CREATE = _subscriber_body(
    ["email", "phone_number"],
    {"skip_confirmation_notification": SKIP},
    "Exactly one of email or phone_number. The incident must be open and public and the "
    "page must allow incident subscriptions by that channel (else 409).")

SUBSCRIBERS_FIELD: Schema = {"anyOf": [
    {"const": "all", "description": 'Every page subscriber of `type` in the state the '
                                    f'action concerns; more than {MAX_BULK}: 409.'},
    {"type": "array", "maxItems": MAX_BULK, "items": {"type": "string", "pattern": ID_PATTERN},
     "description": "Subscriber ids (unknown ones: 422)."},
]}
TYPE = {"enum": [*API_TYPES, None], "description": 'Narrows "all" to one type.'}

REQUEST_SCHEMAS: dict[str, Schema] = {
    "ComponentGroupCreateBody": _wrapped("component_group", _object({
        "name": _name(False, "Name."),
        "components": {**IDS, "description": "The components it holds, in this order "
                       "(not groups; unknown ids: 422)."},
    }, ["name"]), description=nullable("string", maxLength=2000, pattern=MULTI_LINE,
                                       description="Shown under the name.")),
    "ComponentGroupPatchBody": _wrapped("component_group", _object({
        "name": _name(True, "Name."),
        "components": {**IDS, "description": "Exactly the components it holds, in this "
                       "order; those left out move to the end of the page."},
    }, []), description=nullable("string", maxLength=2000, pattern=MULTI_LINE)),
    "SubscriberCreateBody": _wrapped("subscriber", SUBSCRIBER_CREATE),
    "FollowerCreateBody": _wrapped("subscriber", FOLLOWER_CREATE),
    "SubscriberPatchBody": _object({"component_ids": {**IDS, "description": (
        "The components a page subscriber hears about; [] or none: all. A follower of an "
        "incident has none to choose (409).")}}, []),
    "SubscribersUnsubscribeBody": _object({
        "subscribers": SUBSCRIBERS_FIELD, "type": TYPE,
        "state": {"enum": [*API_STATES, None], "description": 'Narrows "all" (default '
                                                              'active).'},
        "skip_unsubscription_notification": {**FLAG, "description": "Taken; no notice is "
                                             "ever sent."},
    }, ["subscribers"]),
    "SubscribersReactivateBody": _object({"subscribers": SUBSCRIBERS_FIELD, "type": TYPE},
                                         ["subscribers"], "Only quarantined subscribers "
                                         "(after failed deliveries) are reactivated."),
    "SubscribersResendBody": _object({"subscribers": SUBSCRIBERS_FIELD}, ["subscribers"],
                                     "Only unconfirmed subscribers get a confirmation."),
    "PagePatchBody": _wrapped("page", _object({
        "name": _name(True, "The page's name."),
        "url": nullable("string", maxLength=MAX_URL, pattern=URL_PATTERN,
                        description="The public address, http(s)://host..."),
        "time_zone": {"enum": [*time_zones(), None], "description": "IANA time zone."},
        "notifications_email_footer": nullable("string", maxLength=MAX_FOOTER,
                                               pattern=MULTI_LINE),
        "accent_color": nullable("string", pattern=COLOR_PATTERN, description="#rrggbb"),
        **dict.fromkeys(FLAGS, FLAG),
    }, [], "Only the fields given change; Statuspage's other page fields are refused "
           "(422).")),
}

_COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}

SCHEMAS: dict[str, Schema] = {
    "ComponentGroup": {"type": "object", "properties": {
        "id": {"type": "string"}, "page_id": {"type": "string"}, "name": {"type": "string"},
        "description": nullable("string"),
        "components": {"type": "array", "items": {"type": "string"}},
        "position": {"type": "integer"}, "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
    }},
    "Uptime": {"type": "object", "properties": {
        "id": {"type": "string"}, "name": {"type": "string"},
        "range_start": {"type": "string", "format": "date"},
        "range_end": {"type": "string", "format": "date"},
        "uptime_percentage": {"type": "number", "minimum": 0, "maximum": 100},
        "major_outage": {"type": "integer", "description": "Seconds."},
        "partial_outage": {"type": "integer", "description": "Seconds."},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "related_events": {"type": "array", "items": {
            "type": "object", "properties": {"id": {"type": "string"}}}},
    }},
    "Subscriber": {"type": "object", "properties": {
        "id": {"type": "string"},
        "mode": {"type": "string", "description": "email, sms, webhook or a chat provider."},
        "skip_confirmation_notification": {"type": "boolean"},
        **{name: nullable("string") for name in (
            "email", "endpoint", "phone_number", "phone_country", "display_phone_number",
            "obfuscated_channel_name", "workspace_name", "page_access_user_id",
            "incident_id")},
        "quarantined_at": TIMESTAMP, "purge_at": TIMESTAMP, "created_at": TIMESTAMP,
        "confirmed_at": TIMESTAMP, "unsubscribed_at": TIMESTAMP,
        "components": {"type": "array", "items": {"type": "string"},
                       "description": "Empty: every component."},
        "state": {"enum": ["active", "unconfirmed", "quarantined", "unsubscribed"]},
        "language": {"type": "string"},
    }},
    "SubscriberCounts": {**_COUNTS, "description": "Subscribers per type."},
    "SubscriberHistogram": {"type": "object", "additionalProperties": {
        "type": "object", "properties": {
            name: {"type": "integer", "minimum": 0}
            for name in ("active", "unconfirmed", "quarantined", "total")}}},
    "BulkResult": {"type": "object", "required": ["subscribers"], "properties": {
        "subscribers": {"type": "array", "items": {"type": "string"},
                        "description": "The ids acted on."}}},
    "PageProfile": {"allOf": [ref("Page"), {"type": "object", "properties": {
        **{name: {"type": "boolean"} for name in (
            "allow_page_subscribers", "allow_rss_atom_feeds", "allow_chat_subscribers",
            "hidden_from_search", "viewers_must_be_team_members")},
        **{name: nullable("string") for name in (
            "domain", "subdomain", "branding", "notifications_from_email",
            "notifications_email_footer", "accent_color", "logo_url", "created_at")},
    }}]},
}
