"""/api/v1/pages/<page_id>/incidents/<id>: create, read, change and delete one incident or
maintenance. The lists are in v1_incident_lists, updates in v1_incident_updates, the
postmortem in v1_postmortems.
"""

from __future__ import annotations

from flask import Response

from statuspage.api import v1_body as body
from statuspage.api import v1_incident_input as mapping
from statuspage.api import v1_incident_patch as patching
from statuspage.api import v1_serializers as records
from statuspage.api.v1 import as_token, bp, context, current_token, json_response
from statuspage.incidents import lifecycle as incidents
from statuspage.incidents.deletion import delete_incident


@bp.post("/pages/<page_id>/incidents")
def incident_create() -> Response:
    raw = body.resource("incident", mapping.CREATE_FIELDS)
    with as_token():
        incident = mapping.create_incident(raw, current_token().created_by)
    return json_response(records.incident_record(context(), incident), 201)


@bp.get("/pages/<page_id>/incidents/<incident:incident_id>")
def incident_get(incident_id: str) -> Response:
    return json_response(records.incident_record(context(), incidents.get_incident(incident_id)))


@bp.route("/pages/<page_id>/incidents/<incident:incident_id>", methods=["PATCH", "PUT"])
def incident_patch(incident_id: str) -> Response:
    incident = incidents.get_incident(incident_id)
    raw = body.resource("incident", patching.PATCH_FIELDS)
    with as_token():
        incident = patching.patch_incident(incident, raw)
    return json_response(records.incident_record(context(), incident))


@bp.delete("/pages/<page_id>/incidents/<incident:incident_id>")
def incident_delete(incident_id: str) -> Response:
    """Delete it (incidents.deletion: what goes with it, when it is refused); the answer is
    the record as it was, as Statuspage answers."""
    incident = incidents.get_incident(incident_id)
    record = records.incident_record(context(), incident)
    with as_token():
        delete_incident(incident, None)
    return json_response(record)
