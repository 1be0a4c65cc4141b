"""PATCH (and PUT) …/incidents/<id>/incident_updates/<update_id>: correct a posted update.

Statuspage's body `{"incident_update": {body, display_at, deliver_notifications,
wants_twitter_update}}`. The correction itself is incidents.update_edits.correct_update
(published updates only; refused where the plan makes public text wait for approval). An
edit never sends anything, so `deliver_notifications` is taken as false or as the update's
own value sent back (true on an update that notified no one: 409), and
`wants_twitter_update` as false (we do not tweet: 422); never a promise not kept. Internal
updates are not found here (404): like the incident records, this API shows public updates
only.
"""

from __future__ import annotations

from flask import Response
from sqlalchemy import select

from statuspage.api import v1_body as body
from statuspage.api import v1_serializers as records
from statuspage.api.v1 import as_token, bp, context, json_response
from statuspage.core.errors import Conflict, DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.incidents import lifecycle as incidents
from statuspage.incidents.update_edits import UpdateCorrection, correct_update
from statuspage.models import IncidentUpdate

# The fields the body takes (the OpenAPI document's IncidentUpdatePatch); others: 422.
FIELDS = ("body", "display_at", "deliver_notifications", "wants_twitter_update")


def _update(incident_id: str, update_id: str) -> IncidentUpdate:
    incident = incidents.get_incident(incident_id)
    update = None
    if body.is_public_id(update_id):
        update = db.session.scalar(select(IncidentUpdate).where(
            IncidentUpdate.incident_id == incident.id, IncidentUpdate.public_id == update_id,
            IncidentUpdate.visibility == "public"))
    if update is None:
        raise NotFound("No such update of this incident.")
    return update


@bp.route("/pages/<page_id>/incidents/<incident:incident_id>/incident_updates/<update_id>",
          methods=["PATCH", "PUT"])
def incident_update_patch(incident_id: str, update_id: str) -> Response:
    update = _update(incident_id, update_id)
    raw = body.resource("incident_update", FIELDS)
    notify = body.flag(raw, "deliver_notifications")
    if notify and not update.deliver_notifications:
        raise Conflict("Editing an update sends nothing; deliver_notifications can only "
                          "be false (or the update's own value).", "deliver_notifications")
    if body.flag(raw, "wants_twitter_update"):
        raise DomainError("wants_twitter_update can only be false here: this server does "
                          "not post to Twitter.", "wants_twitter_update")
    correction = UpdateCorrection(body=body.text(raw, "body", multiline=True),
                                  display_at=body.timestamp(raw, "display_at"))
    with as_token():
        update = correct_update(update, correction, None)
    return json_response(records.update_record(context(), update))
