"""A validly signed Twilio callback replayed byte for byte is answered 200 but applied once.

Twilio signs the URL and the form parameters, not the time, so a captured request verifies
forever. Inbound messages are applied once per MessageSid (and per I-Twilio-Idempotency-Token
when Twilio sends one); status callbacks once per (MessageSid, MessageStatus). The replays
below would visibly undo a later change if they were applied again.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from statuspage.core.extensions import db
from statuspage.models import ProviderReceipt
from tests.test_hooks_twilio import (
    INBOUND,
    PHONE,
    PUBLIC,
    STATUS,
    TOKEN,
    reloaded,
    sms_delivery,
    sms_subscriber,
    status_params,
    twiml_messages,
)

TOKEN_HEADER = "I-Twilio-Idempotency-Token"


@pytest.fixture(autouse=True)
def _twilio_token(app: Flask) -> None:
    app.config["TWILIO_AUTH_TOKEN"] = TOKEN


def message(sid: str, body: str) -> dict[str, str]:
    return {"MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid,
            "AccountSid": "AC" + "0" * 32, "From": PHONE, "To": "+14155550100",
            "Body": body, "NumMedia": "0", "NumSegments": "1"}


def post(client: FlaskClient, path: str, params: dict[str, str],
         headers: dict[str, str] | None = None) -> TestResponse:
    """One request exactly as Twilio sent it: posting it twice is a byte-for-byte replay."""
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)
    return client.post(path, data=params,
                       headers={"X-Twilio-Signature": signature, **(headers or {})})


def test_a_replayed_stop_after_start_does_not_unsubscribe_again(client: FlaskClient) -> None:
    subscriber = sms_subscriber()
    stop = message("SM" + "a" * 32, "STOP")
    assert post(client, INBOUND, stop).status_code == 200
    assert not reloaded(subscriber).is_active
    assert post(client, INBOUND, message("SM" + "b" * 32, "START")).status_code == 200
    assert reloaded(subscriber).is_active

    replay = post(client, INBOUND, stop)

    assert replay.status_code == 200  # Twilio must not retry
    assert twiml_messages(replay) == []  # and no second reply is paid for
    assert reloaded(subscriber).is_active


def test_a_replayed_start_after_stop_does_not_resubscribe(client: FlaskClient) -> None:
    subscriber = sms_subscriber()
    post(client, INBOUND, message("SM" + "c" * 32, "STOP"))
    start = message("SM" + "d" * 32, "START")
    post(client, INBOUND, start)
    post(client, INBOUND, message("SM" + "e" * 32, "STOP"))

    replay = post(client, INBOUND, start)

    assert replay.status_code == 200
    assert reloaded(subscriber).unsubscribed_at is not None


def test_a_replayed_help_gets_no_second_reply(client: FlaskClient) -> None:
    sms_subscriber()
    help_message = message("SM" + "f" * 32, "HELP")
    assert len(twiml_messages(post(client, INBOUND, help_message))) == 1
    assert twiml_messages(post(client, INBOUND, help_message)) == []


def test_the_idempotency_token_cannot_smuggle_a_replay_past_the_sid(client: FlaskClient) -> None:
    # The header is not signed: a replay with a fresh token is still the same MessageSid.
    subscriber = sms_subscriber()
    stop = message("SM" + "1" * 32, "STOP")
    post(client, INBOUND, stop, {TOKEN_HEADER: "token-1"})
    post(client, INBOUND, message("SM" + "2" * 32, "START"), {TOKEN_HEADER: "token-2"})

    post(client, INBOUND, stop, {TOKEN_HEADER: "token-3"})
    post(client, INBOUND, stop)

    assert reloaded(subscriber).is_active


def test_a_retry_carrying_the_same_idempotency_token_is_applied_once(
        client: FlaskClient) -> None:
    subscriber = sms_subscriber()
    post(client, INBOUND, message("SM" + "3" * 32, "STOP"), {TOKEN_HEADER: "retry-1"})
    post(client, INBOUND, message("SM" + "4" * 32, "START"))

    post(client, INBOUND, message("SM" + "5" * 32, "STOP"), {TOKEN_HEADER: "retry-1"})

    assert reloaded(subscriber).is_active


def test_a_signed_keyword_without_a_message_sid_changes_nothing(client: FlaskClient) -> None:
    # Twilio always sends one; without it a replay could not be told apart.
    subscriber = sms_subscriber()
    params = {"From": PHONE, "To": "+14155550100", "Body": "STOP"}

    response = post(client, INBOUND, params)

    assert response.status_code == 200
    assert reloaded(subscriber).is_active


def test_the_dedupe_keeps_no_phone_number(client: FlaskClient) -> None:
    sms_subscriber()
    post(client, INBOUND, message("SM" + "6" * 32, "STOP"))
    [receipt] = db.session.query(ProviderReceipt).all()
    assert PHONE not in repr((receipt.event_id, receipt.payload))


def test_a_replayed_opt_out_status_callback_does_not_suppress_again(
        client: FlaskClient) -> None:
    subscriber = sms_subscriber()
    sms_delivery(subscriber, "SM" + "7" * 32)
    failed = status_params("SM" + "7" * 32, "failed", "21610")
    post(client, STATUS, failed)
    assert reloaded(subscriber).suppression_reason == "stop"
    post(client, INBOUND, message("SM" + "8" * 32, "START"))  # opted back in at Twilio
    assert reloaded(subscriber).is_active

    replay = post(client, STATUS, failed)

    assert replay.status_code == 200
    assert reloaded(subscriber).is_active


def test_each_status_of_a_message_is_still_applied(client: FlaskClient) -> None:
    row = sms_delivery(sms_subscriber(), "SM" + "9" * 32, state="sending")
    post(client, STATUS, status_params("SM" + "9" * 32, "sent"))
    post(client, STATUS, status_params("SM" + "9" * 32, "delivered"))
    assert reloaded(row).state == "delivered"
