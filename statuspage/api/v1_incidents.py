"""/api/v1/pages/<page_id>/incidents: list, create, read and update incidents and maintenance."""

from __future__ import annotations

from flask import Response, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from statuspage import incidents
from statuspage.api import v1_body as body
from statuspage.api import v1_incident_input as mapping
from statuspage.api import v1_serializers as records
from statuspage.api.v1 import as_token, bp, context, current_token, json_response
from statuspage.errors import DomainError
from statuspage.extensions import db
from statuspage.models import Component, ComponentChange, Incident, IncidentUpdate
from statuspage.numbers import MAX_PAGE, whole_number

MAX_LIMIT = 100


def _page_args() -> tuple[int, int]:
    """`limit` (1-100, default 100) and `page` (1-based) from the query string."""
    values = {}
    for name, default, upper in (("limit", MAX_LIMIT, MAX_LIMIT), ("page", 1, MAX_PAGE)):
        raw = request.args.get(name, "")
        if raw == "":
            values[name] = default
            continue
        value = whole_number(raw, 1, upper)
        if value is None:
            raise DomainError(f"{name} must be a whole number, 1 to {upper}.", name)
        values[name] = value
    return values["limit"], values["page"]


def _search(q: str, limit: int, page: int) -> list[Incident]:
    """Incidents and maintenance, newest first, optionally filtered by words in the name."""
    query = select(Incident)
    if q:
        query = query.where(func.lower(Incident.name).contains(q.lower(), autoescape=True))
    query = (
        query.order_by(Incident.created_at.desc(), Incident.id.desc())
        .limit(limit).offset((page - 1) * limit)
        # The whole timeline is serialized: load it in a few queries, not one per incident.
        .options(
            selectinload(Incident.updates).selectinload(IncidentUpdate.changes)
            .selectinload(ComponentChange.component).selectinload(Component.group),
            selectinload(Incident.components).selectinload(Component.group),
        )
    )
    return list(db.session.execute(query).scalars().all())


@bp.get("/pages/<page_id>/incidents")
def incident_list() -> Response:
    limit, page = _page_args()
    found = _search(request.args.get("q", "").strip(), limit, page)
    return json_response(records.incident_records(context(), found))


@bp.post("/pages/<page_id>/incidents")
def incident_create() -> Response:
    raw = body.resource("incident")
    with as_token():
        incident = mapping.create_incident(raw, current_token().created_by)
    return json_response(records.incident_record(context(), incident), 201)


@bp.get("/pages/<page_id>/incidents/<incident_id>")
def incident_get(incident_id: str) -> Response:
    return json_response(records.incident_record(context(), incidents.get_incident(incident_id)))


@bp.route("/pages/<page_id>/incidents/<incident_id>", methods=["PATCH", "PUT"])
def incident_patch(incident_id: str) -> Response:
    incident = incidents.get_incident(incident_id)
    raw = body.resource("incident")
    with as_token():
        incident = mapping.patch_incident(incident, raw)
    return json_response(records.incident_record(context(), incident))
