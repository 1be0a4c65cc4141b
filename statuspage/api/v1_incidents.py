"""/api/v1/pages/<page_id>/incidents: list, create, read and update incidents and maintenance."""

from __future__ import annotations

import re

from flask import Response, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from statuspage.api import v1_body as body
from statuspage.api import v1_incident_input as mapping
from statuspage.api import v1_serializers as records
from statuspage.api.v1 import as_token, bp, context, current_token, json_response
from statuspage.api.v1_body import MAX_LIMIT, MAX_PAGE, MAX_QUERY
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.incidents import lifecycle as incidents
from statuspage.models import Component, ComponentChange, Incident, IncidentUpdate

_WHOLE_NUMBER = re.compile(r"[0-9]{1,7}")


def _page_args() -> tuple[int, int]:
    """`limit` (1-100, default 100) and `page` (1-1,000,000, default 1): ASCII digits only.

    A parameter given but empty, signed, fractional, in other scripts' digits or out of range
    is a 422 naming it, never a guess and never a server error.
    """
    values = {}
    for name, default, upper in (("limit", MAX_LIMIT, MAX_LIMIT), ("page", 1, MAX_PAGE)):
        raw = request.args.get(name)
        if raw is None:
            values[name] = default
            continue
        if _WHOLE_NUMBER.fullmatch(raw) is None or not 1 <= int(raw) <= upper:
            raise DomainError(f"{name} must be a whole number from 1 to {upper}.", name)
        values[name] = int(raw)
    return values["limit"], values["page"]


def _query() -> str:
    """`q`: words in the title, at most MAX_QUERY characters and no control characters."""
    q = body.text({"q": request.args.get("q", "")}, "q") or ""
    if len(q) > MAX_QUERY:
        raise DomainError(f"q must be at most {MAX_QUERY} characters.", "q")
    return q.strip()


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
    found = _search(_query(), limit, page)
    return json_response(records.incident_records(context(), found))


@bp.post("/pages/<page_id>/incidents")
def incident_create() -> Response:
    raw = body.resource("incident", mapping.CREATE_FIELDS)
    with as_token():
        incident = mapping.create_incident(raw, current_token().created_by)
    return json_response(records.incident_record(context(), incident), 201)


@bp.get("/pages/<page_id>/incidents/<incident_id>")
def incident_get(incident_id: str) -> Response:
    return json_response(records.incident_record(context(), incidents.get_incident(incident_id)))


@bp.route("/pages/<page_id>/incidents/<incident_id>", methods=["PATCH", "PUT"])
def incident_patch(incident_id: str) -> Response:
    incident = incidents.get_incident(incident_id)
    raw = body.resource("incident", mapping.PATCH_FIELDS)
    with as_token():
        incident = mapping.patch_incident(incident, raw)
    return json_response(records.incident_record(context(), incident))
