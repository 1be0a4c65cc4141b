"""Provider receipts: what Twilio and SendGrid tell us after a send, applied to our records.

The views in statuspage/api/hooks.py verify the provider's signature and call these use-cases
with plain values. Receipts arrive late, out of order and more than once: delivery state only
moves forward (delivery.record_receipt keeps the furthest state), SendGrid events are applied
once per `sg_event_id`, Twilio inbound messages once per MessageSid and status callbacks that
suppress once per (MessageSid, status) (delivery.receipt_claims), and unknown messages are
ignored so the provider stops retrying.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.core.numbers import whole_number
from statuspage.delivery import receipt_claims as claims
from statuspage.delivery import records as delivery
from statuspage.models import Delivery, Subscriber
from statuspage.models.deliveries import DELIVERED, FAILED, QUEUED, SENDING, SENT
from statuspage.models.subscribers import EMAIL, SMS
from statuspage.page.record import get_page
from statuspage.subscriptions import erasure, leaving, same_address
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.links import sms_code_url

log = logging.getLogger(__name__)

# --- Twilio ------------------------------------------------------------------------------

# Twilio MessageStatus -> delivery state. `accepted`/`scheduled` are a Messaging Service's
# queued; `read` implies delivered; `canceled` is a scheduled message that will never go.
TWILIO_STATES = {
    "accepted": QUEUED, "scheduled": QUEUED, "queued": QUEUED, "sending": SENDING,
    "sent": SENT, "delivered": DELIVERED, "read": DELIVERED,
    "undelivered": FAILED, "failed": FAILED, "canceled": FAILED,
}
# Twilio error codes that mean the number is opted out or dead; anything else (30003 handset
# off, 30007 carrier filtering of our content, 30008 unknown, queue overflow) says nothing
# about the subscriber, so it fails the one delivery only.
TWILIO_OPTED_OUT = {"21610"}  # "Attempt to send to unsubscribed recipient": STOP at Twilio
TWILIO_DEAD = {
    "21211",  # invalid 'To' number
    "21614",  # 'To' is not a mobile number
    "30004",  # message blocked: the handset or its carrier refuses our messages
    "30005",  # unknown destination handset: the number does not exist (any more)
    "30006",  # landline or unreachable carrier: cannot receive SMS
}

# Keywords, as Twilio's default opt-out handling knows them (providers.md 8.7).
OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE",
                     "OPTOUT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})
HELP = frozenset({"HELP", "INFO"})
_FIRST_WORD = re.compile(r"[A-Za-z]+")


def apply_twilio_status(sid: str, status: str, error_code: str | None) -> bool:
    """Apply a Twilio status callback; False when the SID or the status is not ours to apply.

    The delivery only ever keeps its furthest state, so a repeated (sid, status) moves
    nothing. A suppression is applied once per (sid, status): replayed after the subscriber
    texted START, an old "failed, 21610" must not opt them out again.
    """
    status = status.strip().lower()
    state = TWILIO_STATES.get(status)
    if not sid or state is None:
        return False
    error = None
    if state == FAILED:
        error = f"Twilio status {status}" + (f", error {error_code}" if error_code else "")
    row = delivery.record_receipt(sid, state, error, error_code)
    if row is None:
        return False
    if state == FAILED and error_code in TWILIO_OPTED_OUT | TWILIO_DEAD:
        if not claims.claim_all("twilio_status", [f"{sid}:{status}"],
                                {"status": status, "code": error_code}):
            db.session.rollback()
            return True
        _suppress_for_twilio_code(row.subscriber_id, error_code or "")
        db.session.commit()
    return True


def _suppress_for_twilio_code(subscriber_id: int, code: str) -> None:
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        return
    if code in TWILIO_OPTED_OUT:
        # As the send path does for a 21610 at create time; START (resubscribe) undoes it.
        leaving.suppress(subscriber, "stop")
    elif code in TWILIO_DEAD:
        leaving.suppress(subscriber, "provider_error")


def sms_keyword(body: str, opt_out_type: str | None = None) -> str | None:
    """Classify an inbound SMS: "stop", "start", "help" or None.

    Twilio's Advanced Opt-Out reports the keyword it matched (including custom ones) in
    OptOutType, which wins; otherwise the first word of the body, case-insensitive.
    """
    if opt_out_type and opt_out_type.strip().upper() in {"STOP", "START", "HELP"}:
        return opt_out_type.strip().lower()
    match = _FIRST_WORD.match(body.strip())
    word = match.group(0).upper() if match else ""
    if word in OPT_OUT:
        return "stop"
    if word in OPT_IN:
        return "start"
    if word in HELP:
        return "help"
    return None


def handle_inbound_sms(from_number: str, body: str, opt_out_type: str | None = None,
                       message_sid: str = "", idempotency_token: str = "") -> str | None:
    """Act on an inbound SMS keyword; return the reply to send, or None for no reply.

    Applied once per `message_sid` (signed by Twilio) and per `idempotency_token` (the
    I-Twilio-Idempotency-Token header of Twilio's retries, not signed, so only ever an extra
    key): a replay, byte for byte or with a fresh token, changes nothing and gets no reply. A
    keyword without a MessageSid (Twilio always sends one) is not applied.

    When OptOutType is present, Twilio's Advanced Opt-Out has already answered the keyword,
    so we stay silent rather than send a second reply. Otherwise we confirm in our own words;
    after a plain STOP, Twilio's default handling has blocked the number and refuses our reply
    (21610), so the subscriber never gets two confirmations of an opt-out.
    """
    keyword = sms_keyword(body, opt_out_type)
    if keyword is None:
        return None
    # The number's page-wide subscription, or else its newest follow of an incident: a STOP
    # or START applies to all its rows (subscriptions.leaving).
    subscriber = same_address.first_row(SMS, subscriptions.lookup_form(SMS, from_number))
    if subscriber is None:
        return None
    if not message_sid:
        log.warning("inbound SMS keyword without a MessageSid ignored")
        return None
    keys = [f"sid:{message_sid}"] + ([f"token:{idempotency_token}"] if idempotency_token
                                     else [])
    if not claims.claim_all("twilio_inbound", keys, {"keyword": keyword}):
        db.session.rollback()
        return None
    if keyword == "stop":
        leaving.unsubscribe(subscriber, reason="stop")
    elif keyword == "start":
        # Texting START from the number is a new consent, given through the address itself;
        # it lifts the opt-out but confirms nothing: a number that never entered its code
        # stays unconfirmed (resubscribe keeps confirmed_at) and gets no updates.
        # An erased number gets its address back: it was found by its hash, so the number
        # it came from is the one it had.
        erasure.restore_address(subscriber, subscriptions.lookup_form(SMS, from_number))
        leaving.resubscribe(subscriber, source=leaving.SMS_START)
    db.session.commit()  # the claim, also when the keyword changed nothing
    if opt_out_type:
        return None
    page = get_page()
    if keyword == "stop":
        return (f"{page.name} status alerts: you are unsubscribed and will get no more "
                "messages. Reply START to resubscribe.")
    if keyword == "start" and subscriber.confirmed_at is None:
        # Not "subscribed again": point to the code page, where a new code can be sent
        # (rate-limited and within the daily SMS budget, like any sign-up).
        return (f"{page.name} status alerts: this number was never confirmed, so it gets no "
                f"updates. To confirm it, get a new code at {sms_code_url(subscriber)}")
    if keyword == "start":
        return (f"{page.name} status alerts: you are subscribed again. "
                "Reply STOP to unsubscribe, HELP for help.")
    return (f"{page.name} status alerts: {page.url}. Reply STOP to unsubscribe. "
            "Msg & data rates may apply.")


# --- SendGrid ----------------------------------------------------------------------------

# SendGrid event -> delivery state; None leaves the delivery as it is (the event concerns the
# subscriber, not the message: a spam report or an unsubscribe comes after delivery).
SENDGRID_STATES: dict[str, str | None] = {
    "processed": SENT, "delivered": DELIVERED, "bounce": FAILED, "dropped": FAILED,
    "spamreport": None, "unsubscribe": None, "group_unsubscribe": None,
}
# Events that mean "stop emailing this address", and the suppression reason each records.
SENDGRID_SUPPRESS = {"bounce": "bounce", "dropped": "dropped", "spamreport": "spam_report"}
SENDGRID_UNSUBSCRIBE = {"unsubscribe", "group_unsubscribe"}


def apply_sendgrid_events(events: list[Any]) -> dict[str, int]:
    """Apply a batch of SendGrid Event Webhook events; returns counts of what happened.

    Each event is applied once per `sg_event_id`: the id is recorded after its effects, so a
    crash in between only means the retried batch applies it again, which is harmless (the
    furthest delivery state wins, suppressing twice changes nothing). A duplicate that comes
    later, after the subscriber resubscribed for instance, is skipped.
    """
    counts = {"applied": 0, "duplicates": 0, "ignored": 0}
    for event in events:
        if not isinstance(event, dict) or event.get("event") not in SENDGRID_STATES:
            counts["ignored"] += 1  # opens, clicks, deferrals, account events: nothing to do
            continue
        event_id = str(event.get("sg_event_id") or "")[:128]
        if event_id and claims.seen("sendgrid", event_id):
            counts["duplicates"] += 1
            continue
        row = _email_delivery(event)
        if row is None:
            # Not ours (another sender on the account, a deleted delivery): nothing to record.
            counts["ignored"] += 1
            continue
        _apply_sendgrid_event(row, event)
        counts["applied"] += 1
        if event_id:
            claims.claim("sendgrid", event_id, {"event": event["event"]})
        db.session.commit()
    return counts


def _apply_sendgrid_event(row: Delivery, event: dict[str, Any]) -> None:
    kind = event["event"]
    state = SENDGRID_STATES[kind]
    reason = SENDGRID_SUPPRESS.get(kind)
    if kind == "bounce" and str(event.get("type") or "bounce") != "bounce":
        # A "blocked" bounce is the receiving server refusing this message now (reputation,
        # content, rate): this delivery failed, the address is fine.
        reason = None
    if state is not None:
        failed = state == FAILED
        code = str(event.get("status") or event.get("type") or kind)[:32] if failed else None
        detail = event.get("reason") or event.get("type") or ""
        error = f"SendGrid {kind}: {detail}".rstrip(": ") if failed else None
        # One X-Message-Id covers a whole batch: name the delivery, or the receipt is ambiguous.
        delivery.record_receipt(row.provider_message_id or "", state, error, code,
                                delivery_id=row.id)
    subscriber = db.session.get(Subscriber, row.subscriber_id)
    if subscriber is None:
        return
    if reason:
        leaving.suppress(subscriber, reason)
    elif kind in SENDGRID_UNSUBSCRIBE:
        leaving.unsubscribe(subscriber, reason="user")


def _email_delivery(event: dict[str, Any]) -> Delivery | None:
    """The email delivery an event is about.

    Our sends put `delivery_id` in each personalization's custom_args, which SendGrid echoes
    as a top-level key. Failing that, `sg_message_id` starts with the X-Message-Id of the send
    (shared by a whole batch), so the recipient's address picks the delivery out of it.
    """
    email = str(event.get("email") or "").strip().lower()
    delivery_id = whole_number(str(event.get("delivery_id") or ""))
    if delivery_id is not None:
        row = db.session.get(Delivery, delivery_id)
        if row is not None and row.channel == EMAIL:
            subscriber = db.session.get(Subscriber, row.subscriber_id)
            # An id from another installation (or a reset database) must not hit a stranger.
            if not email or (subscriber is not None and subscriber.address == email):
                return row
    message_id = str(event.get("sg_message_id") or "")
    if not message_id or not email:
        return None
    parts = message_id.split(".")
    prefixes = [".".join(parts[:n]) for n in range(1, len(parts) + 1)]
    return db.session.execute(
        select(Delivery)
        .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
        .where(Delivery.channel == EMAIL, Delivery.provider_message_id.in_(prefixes),
               Subscriber.address == email)
        .order_by(Delivery.id.desc())
    ).scalars().first()
