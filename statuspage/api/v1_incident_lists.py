"""The incident lists of the management API: all (searchable), unresolved, upcoming,
scheduled and active maintenance, newest (or soonest) first, a page at a time.

- `incidents`: incidents and maintenance, newest first; `q` (words in the title), `limit`
  and `page`, as Statuspage's list takes them.
- `incidents/unresolved`: incidents not yet resolved (investigating, identified, monitoring).
- `incidents/upcoming`: maintenance not started yet (scheduled), soonest first.
- `incidents/scheduled`: every maintenance, whatever its status, latest window first.
- `incidents/active_maintenance`: maintenance in progress or verifying.
The last four take `page` and `per_page`, as Statuspage's do. Incidents still waiting for
their opening approval are listed (this is the management side; their records show only
published updates).
"""

from __future__ import annotations

import re

from flask import Response, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from statuspage.api import v1_body as body
from statuspage.api import v1_serializers as records
from statuspage.api.v1 import bp, context, json_response
from statuspage.api.v1_body import MAX_LIMIT, MAX_PAGE, MAX_QUERY
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import (
    INCIDENT,
    MAINTENANCE,
    Component,
    ComponentChange,
    Incident,
    IncidentUpdate,
)
from statuspage.models.status import ACTIVE_INCIDENT_STATUSES, ACTIVE_MAINTENANCE_STATUSES

_WHOLE_NUMBER = re.compile(r"[0-9]{1,7}")


def page_args(size: str = "limit") -> tuple[int, int]:
    """`size` (`limit` or `per_page`: 1-100, default 100) and `page` (1-1,000,000, default
    1): ASCII digits only.

    A parameter given but empty, signed, fractional, in other scripts' digits or out of range
    is a 422 naming it, never a guess and never a server error.
    """
    values = {}
    for name, default, upper in ((size, MAX_LIMIT, MAX_LIMIT), ("page", 1, MAX_PAGE)):
        raw = request.args.get(name)
        if raw is None:
            values[name] = default
            continue
        if _WHOLE_NUMBER.fullmatch(raw) is None or not 1 <= int(raw) <= upper:
            raise DomainError(f"{name} must be a whole number from 1 to {upper}.", name)
        values[name] = int(raw)
    return values[size], values["page"]


def _query() -> str:
    """`q`: words in the title, at most MAX_QUERY characters and no control characters."""
    q = body.text({"q": request.args.get("q", "")}, "q") or ""
    if len(q) > MAX_QUERY:
        raise DomainError(f"q must be at most {MAX_QUERY} characters.", "q")
    return q.strip()


def _page_of(query: Select[Incident], limit: int, page: int) -> Response:
    query = query.limit(limit).offset((page - 1) * limit).options(
        # The whole timeline is serialized: load it in a few queries, not one per incident.
        selectinload(Incident.updates).selectinload(IncidentUpdate.changes)
        .selectinload(ComponentChange.component).selectinload(Component.group),
        selectinload(Incident.components).selectinload(Component.group),
    )
    found = list(db.session.execute(query).scalars().all())
    return json_response(records.incident_records(context(), found))


@bp.get("/pages/<page_id>/incidents")
def incident_list() -> Response:
    limit, page = page_args()
    q = _query()
    query = select(Incident)
    if q:
        query = query.where(func.lower(Incident.name).contains(q.lower(), autoescape=True))
    return _page_of(query.order_by(Incident.created_at.desc(), Incident.id.desc()), limit, page)


def _kind(kind: str, statuses: tuple[str, ...] | None = None) -> Select[Incident]:
    query = select(Incident).where(Incident.kind == kind)
    return query if statuses is None else query.where(Incident.status.in_(statuses))


@bp.get("/pages/<page_id>/incidents/unresolved")
def incident_unresolved() -> Response:
    query = _kind(INCIDENT, ACTIVE_INCIDENT_STATUSES)
    return _page_of(query.order_by(Incident.started_at.desc(), Incident.id.desc()),
                    *page_args("per_page"))


@bp.get("/pages/<page_id>/incidents/upcoming")
def incident_upcoming() -> Response:
    query = _kind(MAINTENANCE, ("scheduled",))
    return _page_of(query.order_by(Incident.scheduled_for.asc(), Incident.id.asc()),
                    *page_args("per_page"))


@bp.get("/pages/<page_id>/incidents/scheduled")
def incident_scheduled() -> Response:
    return _page_of(_kind(MAINTENANCE).order_by(Incident.scheduled_for.desc(),
                                                Incident.id.desc()), *page_args("per_page"))


@bp.get("/pages/<page_id>/incidents/active_maintenance")
def incident_active_maintenance() -> Response:
    query = _kind(MAINTENANCE, ACTIVE_MAINTENANCE_STATUSES)
    return _page_of(query.order_by(Incident.scheduled_for.asc(), Incident.id.asc()),
                    *page_args("per_page"))
