"""Alert intake: `POST /hooks/alerts/alertmanager`, `.../grafana` and `.../generic`.

Each request is authenticated before its body is read: the alert source's token, as
`Authorization: Bearer <token>` or `?token=<token>` (for senders that cannot set a header;
our access lines leave query strings out, a proxy's may not: prefer the header), and for a
Grafana source with a secret, Grafana's HMAC signature (statuspage.alerts.sources). A missing
or wrong token or signature answers 401 and stores nothing (a body with a control character
is refused before that, by web.input_guard, with 400: nothing is stored either). Requests
are limited per token (ALERT_RATE_LIMIT) and by size (MAX_REQUEST_BYTES; at most
payloads.MAX_ALERTS alerts are read from one body).
The work is statuspage.alerts.intake's; nothing is sent from the request.
Answers are JSON: `{"status": "ok", "received": n, "ignored": n, "proposal": id-or-null}`,
or `{"error": ..., "message": ...}`.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import TooManyRequests

from statuspage.alerts import intake, payloads, sources
from statuspage.core.extensions import csrf, db, limiter
from statuspage.models import utcnow
from statuspage.web.input_guard import JSONTooDeep

bp = Blueprint("alert_hooks", __name__, url_prefix="/hooks/alerts")
csrf.exempt(bp)


def presented_token() -> str | None:
    """The token: `Authorization: Bearer <token>`, else `?token=`."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.args.get("token") or None


def _rate_key() -> str:
    # Checked before authentication: a digest of the presented token, so each source has its
    # own allowance; requests without one share a bucket per client address.
    token = presented_token()
    if token is None:
        return "ip:" + get_remote_address()
    return "alert-token:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def _rate_limit() -> str:
    return str(current_app.config["ALERT_RATE_LIMIT"])


limiter.shared_limit(_rate_limit, scope="alert-hooks", key_func=_rate_key)(bp)


def _answer(payload: dict[str, Any], status: int = 200) -> Response:
    response = Response(json.dumps(payload, separators=(",", ":")), status=status,
                        mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(status: int, error: str, message: str) -> Response:
    return _answer({"error": error, "message": message}, status)


@bp.errorhandler(TooManyRequests)
def _too_many(_refused: TooManyRequests) -> Response:
    """Over ALERT_RATE_LIMIT: JSON, with the seconds to wait (Alertmanager and Grafana send the
    group again at their next interval)."""
    response = _error(429, "rate_limited", "Too many requests from this alert source; "
                                           "nothing was stored. Send again later.")
    limit = limiter.current_limit
    if limit is not None:
        response.headers["Retry-After"] = str(max(1, int(limit.reset_at - time.time()) + 1))
    return response


@bp.post("/<any(alertmanager, grafana, generic):kind>")
def receive(kind: str) -> ResponseReturnValue:
    """One notification from a monitoring system (see the module's description)."""
    raw = request.get_data(cache=True)
    try:
        source = sources.authenticate(kind, presented_token())
        sources.check_signature(source, raw, request.headers.get, time.time())
    except sources.Unauthorized as refused:
        db.session.rollback()
        response = _error(401, "unauthorized", refused.message)
        response.headers["WWW-Authenticate"] = 'Bearer realm="alerts"'
        return response
    if not request.is_json:
        return _error(415, "unsupported_media_type",
                      "Send the alerts as JSON (Content-Type: application/json).")
    try:
        body = current_app.json.loads(raw)
    except (JSONTooDeep, ValueError):
        return _error(400, "bad_request", "The body is not JSON.")
    try:
        batch = payloads.parse(kind, body)
    except payloads.PayloadError as wrong:
        return _error(400, "bad_request", wrong.message)
    receipt = intake.receive(source, batch, utcnow())
    return _answer({"status": "ok", "received": receipt.received, "ignored": receipt.ignored,
                    "proposal": receipt.proposal})
