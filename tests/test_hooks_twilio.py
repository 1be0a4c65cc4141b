"""Twilio callbacks: signed status callbacks move deliveries on; inbound keywords opt in and out.

Requests are signed with twilio's own RequestValidator over the public URL, exactly as Twilio
signs them, and posted through the Flask test client (whose internal URL is http://localhost).
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from statuspage.core.extensions import db
from statuspage.models import Delivery, FanoutEvent, Subscriber, utcnow
from tests.conftest import make_app

TOKEN = "twilio-auth-token-for-tests"
PUBLIC = "https://status.example.com"  # PUBLIC_BASE_URL of the test app
STATUS = "/hooks/twilio/status"
INBOUND = "/hooks/twilio/inbound"
PHONE = "+14155552671"


@pytest.fixture(autouse=True)
def _twilio_token(app: Flask) -> None:
    app.config["TWILIO_AUTH_TOKEN"] = TOKEN


def signed_post(client: FlaskClient, path: str, params: dict[str, str], *,
                token: str = TOKEN, url: str | None = None) -> TestResponse:
    signature = RequestValidator(token).compute_signature(url or PUBLIC + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def sms_subscriber(address: str = PHONE, **fields: object) -> Subscriber:
    subscriber = Subscriber(channel="sms", address=address, confirmed_at=utcnow(),
                            consent_at=utcnow(), **fields)
    db.session.add(subscriber)
    db.session.commit()
    return subscriber


def sms_delivery(subscriber: Subscriber, sid: str, state: str = "sent") -> Delivery:
    event = FanoutEvent(kind="incident_update", channels=["sms"], component_ids=[])
    row = Delivery(event=event, subscriber_id=subscriber.id, channel="sms", state=state,
                   attempts=1, provider_message_id=sid, sent_at=utcnow())
    db.session.add(row)
    db.session.commit()
    return row


def status_params(sid: str, status: str, error_code: str | None = None) -> dict[str, str]:
    params = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
              "AccountSid": "AC" + "0" * 32, "From": "+14155550100", "To": PHONE,
              "ApiVersion": "2010-04-01"}
    if error_code:
        params["ErrorCode"] = error_code
    return params


def reloaded(row: Delivery | Subscriber) -> Delivery | Subscriber:
    db.session.expire_all()
    return db.session.get(type(row), row.id)


def twiml_messages(response: TestResponse) -> list[str]:
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    return [message.text or "" for message in root.iter("Message")]


# --- status callbacks ------------------------------------------------------------------------

def test_delivered_callback_marks_the_delivery_delivered(client: FlaskClient) -> None:
    row = sms_delivery(sms_subscriber(), "SM1")

    response = signed_post(client, STATUS, status_params("SM1", "delivered"))

    assert response.status_code == 200
    row = reloaded(row)
    assert row.state == "delivered"
    assert row.delivered_at is not None


def test_callbacks_out_of_order_keep_the_furthest_state(client: FlaskClient) -> None:
    row = sms_delivery(sms_subscriber(), "SM2", state="sending")

    for status in ("delivered", "sent", "sending", "queued"):
        assert signed_post(client, STATUS, status_params("SM2", status)).status_code == 200

    assert reloaded(row).state == "delivered"


def test_undelivered_callback_fails_the_delivery_with_its_error_code(
        client: FlaskClient) -> None:
    subscriber = sms_subscriber()
    row = sms_delivery(subscriber, "SM3")

    signed_post(client, STATUS, status_params("SM3", "undelivered", "30003"))

    row = reloaded(row)
    assert row.state == "failed"
    assert row.error_code == "30003"
    # A handset that is switched off says nothing about the subscriber.
    assert reloaded(subscriber).is_active


@pytest.mark.parametrize("code", ["30004", "30005", "30006"])
def test_dead_number_error_suppresses_the_subscriber(client: FlaskClient, code: str) -> None:
    subscriber = sms_subscriber()
    sms_delivery(subscriber, "SM4")

    signed_post(client, STATUS, status_params("SM4", "undelivered", code))

    subscriber = reloaded(subscriber)
    assert subscriber.suppressed_at is not None
    assert subscriber.suppression_reason == "provider_error"


def test_unsubscribed_recipient_error_21610_opts_the_subscriber_out(client: FlaskClient) -> None:
    subscriber = sms_subscriber()
    sms_delivery(subscriber, "SM5")

    signed_post(client, STATUS, status_params("SM5", "failed", "21610"))

    subscriber = reloaded(subscriber)
    assert subscriber.suppressed_at is not None
    assert subscriber.suppression_reason == "stop"

    inbound(client, "START")  # the handset opted back in at Twilio

    assert reloaded(subscriber).is_active


def test_unknown_sid_is_answered_200_so_twilio_stops_retrying(client: FlaskClient) -> None:
    row = sms_delivery(sms_subscriber(), "SM6")

    response = signed_post(client, STATUS, status_params("SMunknown", "delivered"))

    assert response.status_code == 200
    assert reloaded(row).state == "sent"


def test_unsigned_status_callback_is_refused_and_changes_nothing(client: FlaskClient) -> None:
    row = sms_delivery(sms_subscriber(), "SM7")

    response = client.post(STATUS, data=status_params("SM7", "delivered"))

    assert response.status_code == 403
    assert reloaded(row).state == "sent"


def test_status_callback_signed_with_another_token_is_refused(client: FlaskClient) -> None:
    subscriber = sms_subscriber()
    row = sms_delivery(subscriber, "SM8")

    response = signed_post(client, STATUS, status_params("SM8", "failed", "30005"),
                           token="not-our-token")

    assert response.status_code == 403
    assert reloaded(row).state == "sent"
    assert reloaded(subscriber).is_active


def test_tampered_params_break_the_signature(client: FlaskClient) -> None:
    row = sms_delivery(sms_subscriber(), "SM9")
    params = status_params("SM9", "sent")
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + STATUS, params)

    response = client.post(STATUS, data={**params, "MessageStatus": "delivered"},
                           headers={"X-Twilio-Signature": signature})

    assert response.status_code == 403
    assert reloaded(row).state == "sent"


def test_signature_is_checked_against_the_public_url_not_the_internal_one(
        client: FlaskClient) -> None:
    row = sms_delivery(sms_subscriber(), "SM10")

    internal = signed_post(client, STATUS, status_params("SM10", "delivered"),
                           url="http://localhost" + STATUS)
    assert internal.status_code == 403
    assert reloaded(row).state == "sent"

    public = signed_post(client, STATUS, status_params("SM10", "delivered"))
    assert public.status_code == 200
    assert reloaded(row).state == "delivered"


def test_query_string_is_part_of_the_signed_url(client: FlaskClient) -> None:
    row = sms_delivery(sms_subscriber(), "SM11")
    params = status_params("SM11", "delivered")
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + STATUS + "?d=1", params)

    dropped = client.post(STATUS, data=params, headers={"X-Twilio-Signature": signature})
    kept = client.post(STATUS + "?d=1", data=params, headers={"X-Twilio-Signature": signature})

    assert dropped.status_code == 403
    assert kept.status_code == 200
    assert reloaded(row).state == "delivered"


def test_callbacks_are_refused_when_no_auth_token_is_configured(app: Flask,
                                                                client: FlaskClient) -> None:
    row = sms_delivery(sms_subscriber(), "SM12")
    app.config["TWILIO_AUTH_TOKEN"] = None

    response = signed_post(client, STATUS, status_params("SM12", "delivered"))

    assert response.status_code == 403
    assert reloaded(row).state == "sent"


def test_hooks_need_no_csrf_token(app: Flask, database_url: str) -> None:
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TWILIO_AUTH_TOKEN=TOKEN)
    with app.app_context():
        row = sms_delivery(sms_subscriber(), "SM13")
        response = signed_post(app.test_client(), STATUS, status_params("SM13", "delivered"))
        assert response.status_code == 200
        assert reloaded(row).state == "delivered"


# --- inbound SMS -----------------------------------------------------------------------------

_INBOUND_SIDS = itertools.count(1)


def inbound(client: FlaskClient, body: str, from_number: str = PHONE,
            opt_out_type: str | None = None) -> TestResponse:
    # Every message Twilio receives gets a SID of its own; a repeated SID is a replay.
    params = {"MessageSid": f"SMin{next(_INBOUND_SIDS):030d}", "AccountSid": "AC" + "0" * 32,
              "From": from_number,
              "To": "+14155550100", "Body": body, "NumMedia": "0", "NumSegments": "1"}
    if opt_out_type:
        params["OptOutType"] = opt_out_type
    return signed_post(client, INBOUND, params)


@pytest.mark.parametrize("body", ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
                                  "  stop  ", "Stop please", "quit."])
def test_stop_keywords_unsubscribe(client: FlaskClient, body: str) -> None:
    subscriber = sms_subscriber()

    response = inbound(client, body)

    assert response.status_code == 200
    assert response.mimetype in {"application/xml", "text/xml"}
    subscriber = reloaded(subscriber)
    assert subscriber.unsubscribed_at is not None
    assert not subscriber.is_active
    assert "START" in twiml_messages(response)[0]


@pytest.mark.parametrize("body", ["START", "yes", "Unstop"])
def test_start_keywords_resubscribe(client: FlaskClient, body: str) -> None:
    subscriber = sms_subscriber()
    inbound(client, "STOP")
    assert not reloaded(subscriber).is_active

    response = inbound(client, body)

    assert response.status_code == 200
    assert reloaded(subscriber).is_active
    assert "STOP" in twiml_messages(response)[0]


@pytest.mark.parametrize("body", ["HELP", "info"])
def test_help_keywords_reply_with_help_and_change_nothing(client: FlaskClient,
                                                          body: str) -> None:
    subscriber = sms_subscriber()

    response = inbound(client, body)

    [reply] = twiml_messages(response)
    assert "STOP" in reply
    assert PUBLIC in reply
    assert reloaded(subscriber).is_active


def test_keyword_answered_by_advanced_opt_out_gets_no_second_reply(client: FlaskClient) -> None:
    subscriber = sms_subscriber()

    response = inbound(client, "STOP", opt_out_type="STOP")

    assert response.status_code == 200
    assert twiml_messages(response) == []
    assert not reloaded(subscriber).is_active


def test_custom_opt_out_keyword_reported_by_twilio_unsubscribes(client: FlaskClient) -> None:
    subscriber = sms_subscriber()

    inbound(client, "ARRET", opt_out_type="STOP")

    assert reloaded(subscriber).unsubscribed_at is not None


def test_inbound_from_an_unknown_number_gets_an_empty_response(client: FlaskClient) -> None:
    subscriber = sms_subscriber()

    response = inbound(client, "STOP", from_number="+14155552672")

    assert response.status_code == 200
    assert twiml_messages(response) == []
    assert reloaded(subscriber).is_active


def test_other_messages_get_no_reply_and_change_nothing(client: FlaskClient) -> None:
    subscriber = sms_subscriber()

    response = inbound(client, "is the API down again? please don't stop the updates")

    assert twiml_messages(response) == []
    assert reloaded(subscriber).is_active


def test_forged_inbound_stop_is_refused_and_changes_nothing(client: FlaskClient) -> None:
    subscriber = sms_subscriber()
    params = {"From": PHONE, "Body": "STOP"}

    unsigned = client.post(INBOUND, data=params)
    forged = signed_post(client, INBOUND, params, token="guessed-token")

    assert unsigned.status_code == 403
    assert forged.status_code == 403
    assert reloaded(subscriber).is_active
