"""…/incidents/<id>/postmortem: read, write, publish, revert and delete the postmortem.

Statuspage's operations on our postmortem use-cases (incidents.postmortems):
- GET: the postmortem record (`body` is the published text, `body_draft` the text being
  written: the saved text, or a revision waiting for approval);
- PUT `{"postmortem": {"body_draft": ...}}`: save_draft;
- PUT …/publish `{"postmortem": {"notify_subscribers", "notify_twitter", "custom_tweet"}}`:
  publish (subscribers are told only with `notify_subscribers: true`; we do not tweet, so
  `notify_twitter` is false or absent and a custom tweet is never posted);
- PUT …/revert: unpublish, back to a draft (the incident is `resolved` again);
- DELETE: discard the unpublished draft (204).
Approval: where the plan makes public text at the incident's severity wait for a second
person, publishing (or changing a published postmortem) submits it for approval instead. The
answer is then 202 Accepted, the record saying `"awaiting_approval": true` and `published_at`
still null; a reviewer decides in the console.
"""

from __future__ import annotations

from flask import Response

from statuspage.api import v1_body as body
from statuspage.api import v1_serializers as records
from statuspage.api.v1 import as_token, bp, context, json_response
from statuspage.core.errors import DomainError, NotFound
from statuspage.incidents import lifecycle as incidents
from statuspage.incidents import postmortems
from statuspage.models import Incident

DRAFT_FIELDS = ("body_draft",)
PUBLISH_FIELDS = ("notify_subscribers", "notify_twitter", "custom_tweet")
POSTMORTEM = "/pages/<page_id>/incidents/<incident:incident_id>/postmortem"


def _incident(incident_id: str) -> Incident:
    incident = incidents.get_incident(incident_id)
    if incident.is_maintenance:
        raise NotFound("A maintenance has no postmortem.")
    return incident


def _answer(incident: Incident, submitted: bool = False) -> Response:
    """The record; 202 when what was sent was submitted for approval instead."""
    waiting = postmortems.pending_review(incident)
    record = records.postmortem_record(context(), incident, waiting)
    return json_response(record, 202 if submitted and waiting is not None else 200)


@bp.get(POSTMORTEM)
def postmortem_get(incident_id: str) -> Response:
    return _answer(_incident(incident_id))


@bp.put(POSTMORTEM)
def postmortem_put(incident_id: str) -> Response:
    incident = _incident(incident_id)
    raw = body.resource("postmortem", DRAFT_FIELDS)
    text = body.text(raw, "body_draft", multiline=True)
    if text is None:
        raise DomainError("Give body_draft, the postmortem's text.", "body_draft")
    with as_token():
        postmortems.save_draft(incident, text, None)
    return _answer(incident, submitted=incident.postmortem_published_at is not None)


@bp.put(POSTMORTEM + "/publish")
def postmortem_publish(incident_id: str) -> Response:
    incident = _incident(incident_id)
    raw = body.resource("postmortem", PUBLISH_FIELDS)
    if body.flag(raw, "notify_twitter"):
        raise DomainError("notify_twitter can only be false here: this server does not post "
                          "to Twitter.", "notify_twitter")
    body.text(raw, "custom_tweet")  # checked like any text; never posted (no tweet)
    notify = bool(body.flag(raw, "notify_subscribers"))
    with as_token():
        postmortems.publish(incident, notify, None)
    return _answer(incident, submitted=incident.postmortem_published_at is None)


@bp.put(POSTMORTEM + "/revert")
def postmortem_revert(incident_id: str) -> Response:
    incident = _incident(incident_id)
    with as_token():
        postmortems.unpublish(incident, None)
    return _answer(incident)


@bp.delete(POSTMORTEM)
def postmortem_delete(incident_id: str) -> Response:
    incident = _incident(incident_id)
    with as_token():
        postmortems.discard_draft(incident, None)
    return Response(status=204)
