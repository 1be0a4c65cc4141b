"""The management API (/api/v1): token-authenticated writes for automation.

Modelled on the Statuspage Manage API (statuspage-compat.md 1.11): resources live under
`/api/v1/pages/<page_id>/` (our page's public id, as /api/v2 reports it), bodies are wrapped in
a resource key (`{"incident": {...}}`), and `Authorization: OAuth <token>` works as it does
there. One path shape only, so that clients written for Statuspage need just a new base URL and
there is no second spelling of every route to document and test.

Tokens are accepted in the `Authorization` header only (`OAuth` or `Bearer`), never as
`?api_key=`: query strings end up in access logs, proxy logs, browser history and Referer
headers, where a write token would leak.

Every request is rate-limited per token (API_RATE_LIMIT), errors are JSON
`{"error": ..., "message": ...}` (plus `field` on 422), and the API never reads the console's
session cookie, so CSRF protection does not apply and is switched off for it. Bodies are JSON
or form-encoded the way Statuspage's own curl examples send them (`incident[name]=...`,
statuspage/api/v1_form.py).
"""

from __future__ import annotations

import hashlib
import json
import time
from contextlib import AbstractContextManager
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from flask.blueprints import BlueprintSetupState
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter

from statuspage import audit
from statuspage.accounts import api_tokens
from statuspage.api.v1_openapi import document
from statuspage.api.v1_serializers import page_record
from statuspage.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from statuspage.core.extensions import csrf, limiter
from statuspage.models import ApiToken
from statuspage.page import serializers as s
from statuspage.page.record import get_page
from statuspage.subscriptions.codes import TooManyRequests

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
# The incident lists that share their path with an incident's (…/incidents/<id>).
INCIDENT_LISTS = ("unresolved", "upcoming", "scheduled", "active_maintenance")


class IncidentIdConverter(BaseConverter):
    """`<incident:...>`: an incident id, never the name of a list. Without it, DELETE
    …/incidents/unresolved would look for an incident called "unresolved" (a 404) and an
    OPTIONS would advertise the incident's methods on the list's path; with it, both get the
    list's own answer (405 with `Allow: GET, HEAD, OPTIONS`)."""

    regex = r"(?!(?:" + "|".join(INCIDENT_LISTS) + r")$)[^/]+"


@bp.record_once
def _converters(state: BlueprintSetupState) -> None:
    # Recorded before any route (the route modules are imported at the end of this one).
    state.app.url_map.converters["incident"] = IncidentIdConverter

AUTH_SCHEMES = ("oauth", "bearer")
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# Endpoints anyone may read: the API's own description.
PUBLIC_ENDPOINTS = {"api_v1.openapi"}


def presented_token() -> str | None:
    """The token in the Authorization header (`OAuth <token>` or `Bearer <token>`), if any."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() not in AUTH_SCHEMES or not value.strip():
        return None
    return value.strip()


def _rate_key() -> str:
    # Runs before authentication (Flask-Limiter checks blueprint limits first), so it keys on
    # a digest of the presented token rather than on a database row; requests without one
    # share a bucket per client address.
    token = presented_token()
    if token is None:
        return "ip:" + get_remote_address()
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def _rate_limit() -> str:
    return str(current_app.config["API_RATE_LIMIT"])


limiter.shared_limit(_rate_limit, scope="api-v1", key_func=_rate_key)(bp)


def current_token() -> ApiToken:
    """The token that authenticated this request (set before any view runs)."""
    return g.api_token


def as_token() -> AbstractContextManager[None]:
    """Label the audit entries of the write inside this block with the token's name."""
    return audit.acting_as(api_tokens.audit_label(current_token()))


class Unauthorized(DomainError):
    """No usable token."""


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    secret = presented_token()
    if secret is None:
        raise Unauthorized("Send an API token as `Authorization: Bearer <token>` "
                           "(or `OAuth <token>`).")
    try:
        token = api_tokens.authenticate(secret)
    except api_tokens.InvalidToken as error:
        raise Unauthorized(error.message) from None
    g.api_token = token
    if request.method not in READ_METHODS and not token.can_write:
        raise PermissionDenied("This token has read scope; writing needs a write token.")


@bp.url_value_preprocessor
def _check_page(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # Every resource sits under /pages/<page_id>; there is one page, so the id only has to
    # match. Popped here so that views do not each take (and ignore) the argument.
    # Always assigned: `g` can outlive a request when a caller keeps an app context pushed.
    g.api_page_id = values.pop("page_id", None) if values else None


@bp.before_request
def _page_exists() -> None:
    page_id = g.pop("api_page_id", None)
    if page_id is not None and page_id != get_page().public_id:
        raise NotFound(f"No page with id {page_id!r}.")


@bp.after_request
def _no_store(response: Response) -> Response:
    # Answers depend on the token; no shared cache may keep or replay them.
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def json_response(payload: Any, status: int = 200) -> Response:
    """A JSON response keeping the serializers' key order (Flask's jsonify would sort)."""
    return Response(json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                    status=status, mimetype="application/json")


def context() -> s.PageContext:
    """The page context the serializers need."""
    return s.PageContext.of(get_page())


def error_response(status: int, error: str, message: str, **extra: Any) -> Response:
    """The API's one error shape: `{"error": ..., "message": ...}` (+ `field` on 422)."""
    return json_response({"error": error, "message": message, **extra}, status)


# Use-case field names that differ from the Statuspage body's.
API_FIELD_NAMES = {
    "remind_before_minutes": "scheduled_remind_prior",
    "auto_start": "scheduled_auto_in_progress",
    "auto_complete": "scheduled_auto_completed",
    "auto_transition_components": "auto_transition_to_maintenance_state",
}


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Response:
    if isinstance(error, Unauthorized):
        response = error_response(401, "Unauthorized", error.message)
        response.headers["WWW-Authenticate"] = 'Bearer realm="statuspage"'
        return response
    if isinstance(error, PermissionDenied):
        return error_response(403, "Forbidden", error.message)
    if isinstance(error, NotFound):
        return error_response(404, "Not Found", error.message)
    if isinstance(error, TooManyRequests):  # the day's SMS sign-up budget is spent
        return error_response(429, "Too Many Requests", error.message)
    field = API_FIELD_NAMES.get(error.field or "", error.field)
    if isinstance(error, Conflict):
        return error_response(409, "Conflict", error.message, field=field)
    return error_response(422, "Unprocessable Entity", error.message, field=field)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    code = error.code or 500
    message = error.description or error.name
    if code != 429:
        response = error_response(code, error.name, message)
        # Keep what the exception says about itself, e.g. a 405's `Allow` (RFC 9110 15.5.6).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response
    response = error_response(code, error.name, f"Rate limit exceeded ({message}).")
    current = limiter.current_limit
    if current is not None:
        response.headers["Retry-After"] = str(max(1, int(current.reset_at - time.time())))
    return response


@bp.get("/openapi.json")
def openapi() -> Response:
    return json_response(document(current_app.config["PUBLIC_BASE_URL"]))


@bp.get("/pages")
def pages() -> Response:
    """The page(s) this token can manage: one, with the id every other path needs."""
    return json_response([page_record(context())])


from statuspage.api import (  # noqa: E402,F401  (route registration)
    v1_component_groups,
    v1_components,
    v1_incident_lists,
    v1_incident_subscribers,
    v1_incident_updates,
    v1_incidents,
    v1_pages,
    v1_postmortems,
    v1_subscriber_bulk,
    v1_subscribers,
    v1_templates,
)
