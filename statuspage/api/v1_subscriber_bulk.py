"""Statuspage's bulk subscriber actions: POST /subscribers/unsubscribe, /reactivate and
/resend_confirmation, each answering 201.

Body (not wrapped): `subscribers`, a list of subscriber ids (page subscribers or followers of
an incident), or "all": every page subscriber of `type` (default every type) in the state the
action concerns (unsubscribe: `state`, default active; reactivate: quarantined; resend:
unconfirmed). Unsubscribe also takes `skip_unsubscription_notification` (it changes nothing:
no notice is ever sent). At
most 100 subscribers per request (statuspage.subscriptions.staff.MAX_BULK): "all" matching
more is a 409, so a mistaken call cannot end a whole list at once. Each action skips those it
does not apply to (reactivate: only the quarantined; resend: only the unconfirmed) and the
answer lists the ids it acted on, as `{"subscribers": [...]}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response

from statuspage.api import v1_body as body
from statuspage.api.v1 import as_token, bp, json_response
from statuspage.core.errors import Conflict, DomainError
from statuspage.models import Subscriber
from statuspage.subscriptions import listing, staff

ALL = "all"
STATE_DEFAULT = "active"


def _one_of(raw: Mapping[str, Any], name: str, values: tuple[str, ...],
            default: str) -> str:
    value = body.text(raw, name)
    if value is None:
        return default
    if value not in values:
        raise DomainError(f"{name} must be one of {', '.join(values)}.", name)
    return value


def _chosen(raw: Mapping[str, Any], state: str) -> list[Subscriber]:
    """The subscribers `subscribers` names (ids, or "all" of `type` in `state`)."""
    kind = _one_of(raw, "type", listing.API_TYPES, "")
    if raw.get("subscribers") == ALL:
        found = listing.subscribers(listing.ListRequest(
            type=kind, state=state, limit=staff.MAX_BULK + 1))
        if len(found) > staff.MAX_BULK:
            raise Conflict(f"More than {staff.MAX_BULK} subscribers match; name them, or "
                           "narrow the selection by type or state.", "subscribers")
        return found
    public_ids = body.id_list(raw, "subscribers")
    if public_ids is None:
        raise DomainError('subscribers must be a list of subscriber ids, or "all".',
                          "subscribers")
    if len(raw["subscribers"]) > staff.MAX_BULK:
        raise DomainError(f"At most {staff.MAX_BULK} subscribers at a time.", "subscribers")
    rows = listing.named(public_ids)
    for public_id in public_ids:
        if public_id not in rows:
            raise DomainError(f"No subscriber with id {public_id!r}.", "subscribers")
    return [rows[i] for i in public_ids]


def _done(subscribers: list[Subscriber]) -> Response:
    return json_response({"subscribers": [s.public_id for s in subscribers]}, 201)


@bp.post("/pages/<page_id>/subscribers/unsubscribe")
def subscribers_unsubscribe() -> Response:
    raw = body.top_level(("subscribers", "type", "state", "skip_unsubscription_notification"))
    body.flag(raw, "skip_unsubscription_notification")  # checked; no notice is ever sent
    state = _one_of(raw, "state", listing.API_STATES, STATE_DEFAULT)
    with as_token():
        return _done(staff.unsubscribe_many(_chosen(raw, state), None))


@bp.post("/pages/<page_id>/subscribers/reactivate")
def subscribers_reactivate() -> Response:
    raw = body.top_level(("subscribers", "type"))
    with as_token():
        return _done(staff.reactivate_many(_chosen(raw, "quarantined"), None))


@bp.post("/pages/<page_id>/subscribers/resend_confirmation")
def subscribers_resend() -> Response:
    raw = body.top_level(("subscribers",))
    with as_token():
        return _done(staff.resend_many(_chosen(raw, "unconfirmed"), None))
