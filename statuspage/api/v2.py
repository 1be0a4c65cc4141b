"""The public Statuspage-compatible read API (/api/v2/*.json).

Drop-in for Atlassian Statuspage's public API (statuspage-compat.md, 1.0-1.7): the same paths,
key sets and key order, timestamps in the page's time zone, CORS open to any origin. Every
route is served through the response cache; a publish bumps the page's cache version.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from statuspage.models import INCIDENT, MAINTENANCE
from statuspage.models.status import ACTIVE_INCIDENT_STATUSES, ACTIVE_MAINTENANCE_STATUSES
from statuspage.page import queries
from statuspage.page import serializers as s
from statuspage.page.record import get_page
from statuspage.web.cache import cached

bp = Blueprint("api_v2", __name__, url_prefix="/api/v2")

# Statuspage returns the 50 most recent incidents / maintenances (githubstatus.com/api).
LIST_LIMIT = 50
UPCOMING_STATUSES = ("scheduled",)
# What summary.json calls "scheduled maintenances": upcoming plus those under way.
OPEN_MAINTENANCE_STATUSES = UPCOMING_STATUSES + ACTIVE_MAINTENANCE_STATUSES

# Rails (which serves Statuspage) escapes these in JSON too: the parsed strings are identical,
# but a response sniffed or embedded as HTML can never contain a live tag.
_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                            "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _json(payload: dict[str, Any]) -> Response:
    # json.dumps keeps insertion order; Flask's jsonify would sort the keys.
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).translate(_HTML_SAFE)
    return Response(body, mimetype="application/json")


def _context() -> s.PageContext:
    return s.PageContext.of(get_page())


@bp.after_app_request
def _cors(response: Response) -> Response:
    # Registered app-wide, filtered by path: a blueprint's own after_request does not run for
    # URLs that fail to route (404/405), and browser clients must read those errors too.
    if request.path == bp.url_prefix or request.path.startswith(f"{bp.url_prefix}/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@bp.get("/summary.json")
@cached
def summary() -> Response:
    ctx = _context()
    components = queries.ordered_components()
    return _json(s.envelope(
        ctx,
        components=s.component_list(ctx, components),
        incidents=s.incident_list(ctx, queries.incidents(INCIDENT, ACTIVE_INCIDENT_STATUSES)),
        scheduled_maintenances=s.incident_list(
            ctx, queries.incidents(MAINTENANCE, OPEN_MAINTENANCE_STATUSES)
        ),
        status=s.status_object(queries.current_status(components)),
    ))


@bp.get("/status.json")
@cached
def status() -> Response:
    ctx = _context()
    return _json(s.envelope(ctx, status=s.status_object(queries.current_status())))


@bp.get("/components.json")
@cached
def components() -> Response:
    ctx = _context()
    return _json(s.envelope(
        ctx, components=s.component_list(ctx, queries.ordered_components())
    ))


@bp.get("/incidents.json")
@cached
def incidents() -> Response:
    ctx = _context()
    found = queries.incidents(INCIDENT, limit=LIST_LIMIT)
    return _json(s.envelope(ctx, incidents=s.incident_list(ctx, found)))


@bp.get("/incidents/unresolved.json")
@cached
def unresolved_incidents() -> Response:
    ctx = _context()
    found = queries.incidents(INCIDENT, ACTIVE_INCIDENT_STATUSES)
    return _json(s.envelope(ctx, incidents=s.incident_list(ctx, found)))


@bp.get("/scheduled-maintenances.json")
@cached
def scheduled_maintenances() -> Response:
    ctx = _context()
    found = queries.incidents(MAINTENANCE, limit=LIST_LIMIT)
    return _json(s.envelope(ctx, scheduled_maintenances=s.incident_list(ctx, found)))


@bp.get("/scheduled-maintenances/upcoming.json")
@cached
def upcoming_maintenances() -> Response:
    ctx = _context()
    found = queries.incidents(MAINTENANCE, UPCOMING_STATUSES)
    return _json(s.envelope(ctx, scheduled_maintenances=s.incident_list(ctx, found)))


@bp.get("/scheduled-maintenances/active.json")
@cached
def active_maintenances() -> Response:
    ctx = _context()
    found = queries.incidents(MAINTENANCE, ACTIVE_MAINTENANCE_STATUSES)
    return _json(s.envelope(ctx, scheduled_maintenances=s.incident_list(ctx, found)))
