"""Provider callbacks (/hooks/*): Twilio status callbacks and inbound SMS, SendGrid events.

Every request is authenticated by the provider's signature before anything is read from it;
a forged or unsigned request gets 403 and changes nothing. The blueprint is exempt from CSRF
(providers carry no session or token, the signature is the proof) and never cached.
"""

from __future__ import annotations

import json
import logging
import time
from functools import lru_cache

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.twiml.messaging_response import MessagingResponse

from statuspage.core.extensions import csrf
from statuspage.delivery import receipts

log = logging.getLogger(__name__)

bp = Blueprint("hooks", __name__, url_prefix="/hooks")
csrf.exempt(bp)

# SendGrid documents no tolerance and its helper does not check freshness: without a bound, a
# captured request could be replayed forever. Ten minutes covers clock skew and slow queues;
# SendGrid's own retries are signed anew, so they are never refused as stale.
SENDGRID_MAX_AGE_SECONDS = 600
SENDGRID_MAX_SKEW_SECONDS = 300  # how far in the future a timestamp may be
# Sent by Twilio with every webhook, the same on its retries (not covered by the signature).
TWILIO_IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"


def _forbidden(reason: str) -> Response:
    log.warning("refused provider callback %s: %s", request.path, reason)
    return Response(f"Forbidden: {reason}\n", status=403, mimetype="text/plain")


def _twiml(reply: str | None = None) -> Response:
    twiml = MessagingResponse()
    if reply:
        twiml.message(reply)
    return Response(str(twiml), mimetype="application/xml")


def public_url() -> str:
    """The URL exactly as Twilio called it: the public base URL, path and query string.

    Twilio signs the URL it was configured with. Behind a proxy or load balancer the request
    reaching Flask has another scheme, host or port, so request.url would never validate.
    """
    url = current_app.config["PUBLIC_BASE_URL"] + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return url


def _twilio_signature_error() -> str | None:
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token:
        return "TWILIO_AUTH_TOKEN is not configured"
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        return "no X-Twilio-Signature"
    # The algorithm header only picks the hash; the secret is still ours, so it grants nothing.
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    # All received form params are signed: Twilio adds parameters without notice.
    if not RequestValidator(token).validate(public_url(), request.form, signature, algorithm):
        return "invalid X-Twilio-Signature"
    return None


@lru_cache(maxsize=4)
def _sendgrid_verifier(public_key: str) -> EventWebhook:
    return EventWebhook(public_key)


def _sendgrid_signature_error(raw_body: str) -> str | None:
    public_key = current_app.config.get("SENDGRID_WEBHOOK_PUBLIC_KEY")
    if not public_key:
        return "SENDGRID_WEBHOOK_PUBLIC_KEY is not configured"
    signature = request.headers.get(EventWebhookHeader.SIGNATURE)
    timestamp = request.headers.get(EventWebhookHeader.TIMESTAMP)
    if not signature or not timestamp:
        return "no event webhook signature or timestamp"
    try:
        age = time.time() - int(timestamp)
    except ValueError:
        return "malformed timestamp"
    if age > SENDGRID_MAX_AGE_SECONDS or age < -SENDGRID_MAX_SKEW_SECONDS:
        return "stale timestamp"
    try:
        verifier = _sendgrid_verifier(public_key)
    except ValueError:
        log.error("SENDGRID_WEBHOOK_PUBLIC_KEY is not a base64 SubjectPublicKeyInfo key")
        return "unusable verification key"
    try:
        # The raw body as received: re-serialised JSON would not match the signed bytes.
        valid = verifier.verify_signature(raw_body, signature, timestamp)
    except (ValueError, TypeError):  # signature that is not base64 / not a DER signature
        valid = False
    return None if valid else "invalid event webhook signature"


@bp.post("/twilio/status")
def twilio_status() -> ResponseReturnValue:
    """Twilio message status callback: move the delivery on (the furthest state wins)."""
    error = _twilio_signature_error()
    if error:
        return _forbidden(error)
    form = request.form
    receipts.apply_twilio_status(
        form.get("MessageSid", ""),
        form.get("MessageStatus", form.get("SmsStatus", "")),
        form.get("ErrorCode") or None,
    )
    # 200 even for an unknown SID, so Twilio does not keep retrying a message we never sent.
    return _twiml()


@bp.post("/twilio/inbound")
def twilio_inbound() -> ResponseReturnValue:
    """Inbound SMS: STOP/START/HELP keywords, answered with TwiML; a replay gets 200 and an
    empty answer (applied once per MessageSid, see receipts.handle_inbound_sms)."""
    error = _twilio_signature_error()
    if error:
        return _forbidden(error)
    form = request.form
    reply = receipts.handle_inbound_sms(
        form.get("From", ""), form.get("Body", ""), form.get("OptOutType") or None,
        message_sid=form.get("MessageSid") or form.get("SmsMessageSid") or "",
        idempotency_token=request.headers.get(TWILIO_IDEMPOTENCY_HEADER, ""),
    )
    return _twiml(reply)


@bp.post("/sendgrid/events")
def sendgrid_events() -> ResponseReturnValue:
    """SendGrid Event Webhook: a signed JSON array of delivery and engagement events."""
    raw_body = request.get_data(as_text=True)
    error = _sendgrid_signature_error(raw_body)
    if error:
        return _forbidden(error)
    try:
        events = json.loads(raw_body)
    except ValueError:
        return Response("Body is not JSON\n", status=400, mimetype="text/plain")
    if not isinstance(events, list):
        return Response("Body is not a JSON array\n", status=400, mimetype="text/plain")
    return jsonify(receipts.apply_sendgrid_events(events))
