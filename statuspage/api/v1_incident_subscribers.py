"""/api/v1/pages/<page_id>/incidents/<incident_id>/subscribers: an incident's followers.

Statuspage's "incident subscribers" are our follows of one incident
(statuspage.subscriptions.follows): email or SMS, reached by that incident's public updates
only, until the follow ends. List (`page` from 1, `per_page`), create
`{"subscriber": {email | phone_number (+ phone_country), skip_confirmation_notification}}`
(statuspage.subscriptions.follows_staff), read, DELETE (ends the follow, answering the
record), resend the confirmation. Reading needs a write token, as for page subscribers.
"""

from __future__ import annotations

from flask import Response

from statuspage.api import v1_body as body
from statuspage.api import v1_query as query
from statuspage.api import v1_subscriber_input as given
from statuspage.api.v1 import as_token, bp, context, current_token, json_response
from statuspage.api.v1_serializers_resources import subscriber_record
from statuspage.api.v1_subscribers import gone, personal_data, respond
from statuspage.core.errors import Conflict, DomainError, NotFound
from statuspage.incidents.lifecycle import get_incident
from statuspage.models import Incident, Subscriber
from statuspage.subscriptions import admin, follows_staff, listing, staff

PATH = "/pages/<page_id>/incidents/<incident_id>/subscribers"


def _incident(public_id: str) -> Incident:
    if not body.is_public_id(public_id):
        raise NotFound(f"No incident with id {public_id!r}.")
    try:
        return get_incident(public_id)
    except NotFound:
        raise NotFound(f"No incident with id {public_id!r}.") from None


def _follower(incident: Incident, public_id: str) -> Subscriber:
    found = listing.follower(incident, public_id) if body.is_public_id(public_id) else None
    if found is None:
        raise NotFound(f"No subscriber {public_id!r} follows this incident.")
    return gone(found)


@bp.get(PATH)
def follower_list(incident_id: str) -> Response:
    personal_data()
    incident = _incident(incident_id)
    limit, offset = query.per_page()
    ctx = context()
    return json_response([subscriber_record(ctx, s)
                          for s in listing.followers(incident, limit, offset)])


@bp.post(PATH)
def follower_create(incident_id: str) -> Response:
    incident = _incident(incident_id)
    raw = body.resource("subscriber", given.FOLLOW_FIELDS)
    data = given.new_follower(raw, current_token())
    try:
        with as_token():
            subscriber = follows_staff.add_follower(incident, data, None)
    except DomainError as error:
        raise given.field_of(error, data.channel) from None
    return respond(subscriber, 201)


@bp.get(PATH + "/<subscriber_id>")
def follower_get(incident_id: str, subscriber_id: str) -> Response:
    personal_data()
    return respond(_follower(_incident(incident_id), subscriber_id))


@bp.delete(PATH + "/<subscriber_id>")
def follower_delete(incident_id: str, subscriber_id: str) -> Response:
    subscriber = _follower(_incident(incident_id), subscriber_id)
    with as_token():
        staff.unsubscribe(subscriber, None)
    return respond(subscriber)


@bp.post(PATH + "/<subscriber_id>/resend_confirmation")
def follower_resend(incident_id: str, subscriber_id: str) -> Response:
    subscriber = _follower(_incident(incident_id), subscriber_id)
    if subscriber.state != "unconfirmed":
        raise Conflict(f"The subscriber is {subscriber.state}; only unconfirmed "
                          "subscribers get a confirmation.", "subscriber_id")
    with as_token():
        admin.resend_confirmation(subscriber, None)
    return respond(subscriber, 201)
