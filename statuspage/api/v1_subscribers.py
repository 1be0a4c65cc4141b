"""/api/v1/pages/<page_id>/subscribers: Statuspage's subscriber endpoints.

List (`q`, `type`, `state`, `limit`, `page` from 0, `sort_field`, `sort_direction`; sorting
by `relevance` without `q` finds every row equally relevant, so sorts by address), create
(statuspage/api/v1_subscriber_input.py), read, PATCH `{"component_ids": [...]}`, DELETE (an
unsubscribe: the row and its consent history stay, `skip_unsubscription_notification` is
taken but changes nothing, as no notice is ever sent), resend a confirmation, the
`unsubscribed` list, `count` and `histogram_by_state`. Bulk actions: v1_subscriber_bulk.py.

Subscribers are personal data. A read token sees the counts and the histogram (no one in
them is named) but not who subscribes: the list, a record and the unsubscribed list need a
write token, which only admins can create, as every change does. A stakeholder member's
address and an erased record are never shown here (subscriptions.listing).
"""

from __future__ import annotations

from flask import Response
from werkzeug.routing import BaseConverter

from statuspage.api import v1_body as body
from statuspage.api import v1_query as query
from statuspage.api import v1_subscriber_input as given
from statuspage.api.v1 import as_token, bp, context, current_token, json_response
from statuspage.api.v1_body import MAX_LIMIT, MAX_PAGE
from statuspage.api.v1_serializers_resources import subscriber_record
from statuspage.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from statuspage.models import Subscriber
from statuspage.subscriptions import admin, listing, staff
from statuspage.subscriptions.queries import get_subscriber

PATCH_FIELDS = ("component_ids",)
# The list's own sub-paths, which a subscriber id in the path never names: so that
# /subscribers/count is not also /subscribers/<subscriber_id>, and its OPTIONS and 405 `Allow`
# list only what /subscribers/count takes.
SUB_PATHS = ("count", "histogram_by_state", "unsubscribed", "unsubscribe", "reactivate",
             "resend_confirmation")


class SubscriberId(BaseConverter):
    """A path segment that is not one of SUB_PATHS (route converter `subscriber_id`)."""

    regex = rf"(?!(?:{'|'.join(SUB_PATHS)})$)[^/]+"


bp.record_once(lambda state: state.app.url_map.converters.update(subscriber_id=SubscriberId))


def personal_data() -> None:
    """Refuse a read token what names subscribers (see the module)."""
    if not current_token().can_write:
        raise PermissionDenied("Subscribers are personal data: listing or reading them needs "
                               "a write token. A read token may read the counts.")


def find(public_id: str) -> Subscriber:
    """A public subscriber (page-wide or a follower) by id; 404 otherwise, and once it is
    unsubscribed (see `gone`)."""
    if not body.is_public_id(public_id):
        raise NotFound(f"No subscriber with id {public_id!r}.")
    try:
        subscriber = get_subscriber(public_id)
    except NotFound:
        raise NotFound(f"No subscriber with id {public_id!r}.") from None
    return gone(subscriber)


def gone(subscriber: Subscriber) -> Subscriber:
    """DELETE unsubscribes: from then on the subscriber's own path answers 404, as for any
    deleted resource. The record stays (consent history), listed under
    `subscribers/unsubscribed`, and a re-subscription or a reactivation brings it back."""
    if subscriber.state == "unsubscribed":
        raise NotFound(f"Subscriber {subscriber.public_id!r} is unsubscribed: it is listed "
                       "under subscribers/unsubscribed.")
    return subscriber


def respond(subscriber: Subscriber, status: int = 200) -> Response:
    return json_response(subscriber_record(context(), subscriber), status)


@bp.get("/pages/<page_id>/subscribers")
def subscriber_list() -> Response:
    personal_data()
    limit = query.number("limit", MAX_LIMIT, 1, MAX_LIMIT)
    request = listing.ListRequest(
        q=query.search(), type=query.one_of("type", listing.API_TYPES),
        sort_field=query.one_of("sort_field", listing.SORT_FIELDS, "primary"),
        state=query.one_of("state", listing.API_STATES, "active"),
        descending=query.one_of("sort_direction", ("asc", "desc"), "asc") == "desc",
        limit=limit, offset=query.number("page", 0, 0, MAX_PAGE) * limit,
    )
    ctx = context()
    return json_response([subscriber_record(ctx, s) for s in listing.subscribers(request)])


@bp.post("/pages/<page_id>/subscribers")
def subscriber_create() -> Response:
    raw = body.resource("subscriber", given.CREATE_FIELDS)
    data = given.new_subscriber(raw, current_token())
    try:
        with as_token():
            subscriber = admin.add_subscriber(data, None)
    except DomainError as error:
        raise given.field_of(error, data.channel) from None
    return respond(subscriber, 201)


@bp.get("/pages/<page_id>/subscribers/<subscriber_id:subscriber_id>")
def subscriber_get(subscriber_id: str) -> Response:
    personal_data()
    return respond(find(subscriber_id))


@bp.patch("/pages/<page_id>/subscribers/<subscriber_id:subscriber_id>")
def subscriber_patch(subscriber_id: str) -> Response:
    subscriber = find(subscriber_id)
    raw = body.top_level(PATCH_FIELDS)
    public_ids = body.id_list(raw, "component_ids")
    if public_ids is None:
        return respond(subscriber)
    found = body.components_by_public_id(public_ids, "component_ids")
    with as_token():
        staff.change_components(subscriber, [found[i].id for i in public_ids], None)
    return respond(subscriber)


@bp.delete("/pages/<page_id>/subscribers/<subscriber_id:subscriber_id>")
def subscriber_delete(subscriber_id: str) -> Response:
    subscriber = find(subscriber_id)
    query.flag("skip_unsubscription_notification")  # checked; no notice is ever sent
    with as_token():
        staff.unsubscribe(subscriber, None)
    return respond(subscriber)


@bp.post("/pages/<page_id>/subscribers/<subscriber_id:subscriber_id>/resend_confirmation")
def subscriber_resend(subscriber_id: str) -> Response:
    subscriber = find(subscriber_id)
    if subscriber.state != "unconfirmed":
        raise Conflict(f"The subscriber is {subscriber.state}; only unconfirmed "
                          "subscribers get a confirmation.", "subscriber_id")
    with as_token():
        admin.resend_confirmation(subscriber, None)
    return respond(subscriber, 201)


@bp.get("/pages/<page_id>/subscribers/unsubscribed")
def subscriber_unsubscribed() -> Response:
    personal_data()
    limit, offset = query.per_page()
    ctx = context()
    return json_response([subscriber_record(ctx, s)
                          for s in listing.unsubscribed(limit, offset)])


@bp.get("/pages/<page_id>/subscribers/count")
def subscriber_count() -> Response:
    kind = query.one_of("type", listing.API_TYPES)
    state = query.one_of("state", listing.API_STATES, "active")
    return json_response(listing.count_by_type(kind, state))


@bp.get("/pages/<page_id>/subscribers/histogram_by_state")
def subscriber_histogram() -> Response:
    return json_response(listing.histogram())
