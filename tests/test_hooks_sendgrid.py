"""SendGrid Event Webhook: ECDSA-signed batches move email deliveries on and suppress addresses.

Each test signs with a real P-256 key pair, as SendGrid does: the base64 DER signature of
`timestamp + raw body`, verified against the base64 SubjectPublicKeyInfo the console shows.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from statuspage.core.extensions import db
from statuspage.models import Delivery, FanoutEvent, ProviderReceipt, Subscriber, utcnow
from statuspage.subscriptions import leaving

EVENTS = "/hooks/sendgrid/events"
SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"
BATCH_ID = "W86EgYT6SQKk0lRflfLRsA"  # X-Message-Id of a mail/send call


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def console_public_key(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


KEY = new_key()


@pytest.fixture(autouse=True)
def _verification_key(app: Flask) -> None:
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = console_public_key(KEY)


def signed_headers(body: str, *, key: ec.EllipticCurvePrivateKey = KEY,
                   timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = key.sign((stamp + body).encode(), ec.ECDSA(hashes.SHA256()))
    return {SIGNATURE: base64.b64encode(signature).decode(), TIMESTAMP: stamp,
            "Content-Type": "application/json"}


def post_events(client: FlaskClient, events: list[dict[str, Any]], **signing: Any
                ) -> TestResponse:
    # SendGrid's own formatting (spaces after separators): whatever was signed is what we get.
    body = json.dumps(events, indent=None)
    return client.post(EVENTS, data=body, headers=signed_headers(body, **signing))


def email_subscriber(address: str = "ada@example.com") -> Subscriber:
    subscriber = Subscriber(channel="email", address=address, confirmed_at=utcnow(),
                            consent_at=utcnow())
    db.session.add(subscriber)
    db.session.commit()
    return subscriber


def email_delivery(subscriber: Subscriber, state: str = "sent",
                   event: FanoutEvent | None = None) -> Delivery:
    event = event or FanoutEvent(kind="incident_update", channels=["email"], component_ids=[])
    row = Delivery(event=event, subscriber_id=subscriber.id, channel="email", state=state,
                   attempts=1, provider_message_id=BATCH_ID, sent_at=utcnow())
    db.session.add(row)
    db.session.commit()
    return row


_seq = iter(range(1, 10_000))


def sg_event(row: Delivery, kind: str, **fields: Any) -> dict[str, Any]:
    subscriber = db.session.get(Subscriber, row.subscriber_id)
    return {"email": subscriber.address, "timestamp": int(time.time()), "event": kind,
            "sg_event_id": f"ev-{next(_seq)}", "delivery_id": str(row.id),
            "sg_message_id": f"{BATCH_ID}.filterdrecv-5645d9c87f-abcde-1-5F0A-1.0",
            "smtp-id": f"<{BATCH_ID}@ismtpd0001p1lon1.sendgrid.net>", **fields}


def reloaded(row: Delivery | Subscriber) -> Delivery | Subscriber:
    db.session.expire_all()
    return db.session.get(type(row), row.id)


# --- delivery states -------------------------------------------------------------------------

def test_delivered_event_marks_the_delivery_delivered(client: FlaskClient) -> None:
    row = email_delivery(email_subscriber())

    response = post_events(client, [sg_event(row, "delivered", response="250 OK")])

    assert response.status_code == 200
    assert response.json == {"applied": 1, "duplicates": 0, "ignored": 0}
    row = reloaded(row)
    assert row.state == "delivered"
    assert row.delivered_at is not None


def test_processed_event_marks_a_sending_delivery_sent(client: FlaskClient) -> None:
    row = email_delivery(email_subscriber(), state="sending")

    post_events(client, [sg_event(row, "processed")])

    assert reloaded(row).state == "sent"


def test_events_out_of_order_keep_the_furthest_state(client: FlaskClient) -> None:
    row = email_delivery(email_subscriber())

    post_events(client, [sg_event(row, "delivered")])
    post_events(client, [sg_event(row, "processed"), sg_event(row, "deferred")])

    assert reloaded(row).state == "delivered"


def test_without_delivery_id_the_message_id_and_address_find_the_delivery(
        client: FlaskClient) -> None:
    event = FanoutEvent(kind="incident_update", channels=["email"], component_ids=[])
    ada = email_delivery(email_subscriber("ada@example.com"), event=event)
    bob = email_delivery(email_subscriber("bob@example.com"), event=event)
    payload = sg_event(bob, "delivered")
    del payload["delivery_id"]

    post_events(client, [payload])

    assert reloaded(bob).state == "delivered"
    assert reloaded(ada).state == "sent"  # same batch, same X-Message-Id, other recipient


def test_event_for_an_unknown_delivery_is_ignored_with_200(client: FlaskClient) -> None:
    row = email_delivery(email_subscriber())
    stranger = sg_event(row, "bounce", type="bounce", email="eve@example.com",
                        delivery_id="999999", sg_message_id="other.filter.0")

    response = post_events(client, [stranger, {"event": "open", "email": "ada@example.com"}])

    assert response.status_code == 200
    assert response.json == {"applied": 0, "duplicates": 0, "ignored": 2}
    assert reloaded(row).state == "sent"


def test_delivery_id_naming_someone_else_is_not_applied(client: FlaskClient) -> None:
    ada = email_delivery(email_subscriber("ada@example.com"))
    payload = sg_event(ada, "bounce", type="bounce", email="eve@example.com",
                       sg_message_id="other.filter.0")

    post_events(client, [payload])

    assert reloaded(ada).state == "sent"
    assert db.session.get(Subscriber, ada.subscriber_id).is_active


# --- suppression -----------------------------------------------------------------------------

def test_bounce_fails_the_delivery_and_suppresses_the_address(client: FlaskClient) -> None:
    subscriber = email_subscriber()
    row = email_delivery(subscriber)

    post_events(client, [sg_event(row, "bounce", type="bounce", status="5.1.1",
                                  reason="550 5.1.1 The email account does not exist")])

    row, subscriber = reloaded(row), reloaded(subscriber)
    assert row.state == "failed"
    assert row.error_code == "5.1.1"
    assert "does not exist" in (row.last_error or "")
    assert subscriber.suppressed_at is not None
    assert subscriber.suppression_reason == "bounce"


def test_body_with_non_ascii_text_verifies_as_sent(client: FlaskClient) -> None:
    subscriber = email_subscriber()
    row = email_delivery(subscriber)
    body = json.dumps([sg_event(row, "bounce", type="bounce", status="5.1.1",
                                reason="550 Postfach unbekannt: Empfänger prüfen")],
                      ensure_ascii=False)

    response = client.post(EVENTS, data=body.encode(), headers=signed_headers(body))

    assert response.status_code == 200
    assert "Empfänger" in (reloaded(row).last_error or "")
    assert reloaded(subscriber).suppression_reason == "bounce"


def test_blocked_bounce_fails_the_delivery_but_keeps_the_subscriber(client: FlaskClient) -> None:
    subscriber = email_subscriber()
    row = email_delivery(subscriber)

    post_events(client, [sg_event(row, "bounce", type="blocked", status="4.7.1",
                                  reason="421 4.7.1 Try again later")])

    assert reloaded(row).state == "failed"
    assert reloaded(subscriber).is_active


def test_spam_report_suppresses_the_address(client: FlaskClient) -> None:
    subscriber = email_subscriber()
    row = email_delivery(subscriber, state="delivered")

    post_events(client, [sg_event(row, "spamreport")])

    subscriber = reloaded(subscriber)
    assert subscriber.suppressed_at is not None
    assert subscriber.suppression_reason == "spam_report"
    assert reloaded(row).state == "delivered"  # it was delivered; the complaint came after


def test_dropped_suppresses_the_address(client: FlaskClient) -> None:
    subscriber = email_subscriber()
    row = email_delivery(subscriber, state="sending")

    post_events(client, [sg_event(row, "dropped", reason="Bounced Address")])

    assert reloaded(row).state == "failed"
    assert reloaded(subscriber).suppression_reason == "dropped"


@pytest.mark.parametrize("kind", ["unsubscribe", "group_unsubscribe"])
def test_unsubscribe_events_unsubscribe(client: FlaskClient, kind: str) -> None:
    subscriber = email_subscriber()
    row = email_delivery(subscriber, state="delivered")

    post_events(client, [sg_event(row, kind, asm_group_id=1)])

    assert not reloaded(subscriber).is_active


def test_duplicate_event_id_is_applied_once(client: FlaskClient) -> None:
    subscriber = email_subscriber()
    row = email_delivery(subscriber, state="delivered")
    event = sg_event(row, "unsubscribe")
    post_events(client, [event])
    leaving.resubscribe(reloaded(subscriber))
    assert reloaded(subscriber).is_active

    # SendGrid retries the batch (its first answer got lost): the old event must not undo the
    # subscriber's newer choice.
    response = post_events(client, [event, event])

    assert response.json == {"applied": 0, "duplicates": 2, "ignored": 0}
    assert reloaded(subscriber).is_active
    assert db.session.query(ProviderReceipt).count() == 1
    # The dedupe record keeps no personal data.
    assert "ada@example.com" not in json.dumps(db.session.query(ProviderReceipt).one().payload)


# --- authentication --------------------------------------------------------------------------

def test_unsigned_batch_is_refused_and_changes_nothing(client: FlaskClient) -> None:
    subscriber = email_subscriber()
    row = email_delivery(subscriber)

    response = client.post(EVENTS, json=[sg_event(row, "bounce", type="bounce")])

    assert response.status_code == 403
    assert reloaded(row).state == "sent"
    assert reloaded(subscriber).is_active


def test_batch_signed_with_another_key_is_refused(client: FlaskClient) -> None:
    subscriber = email_subscriber()
    row = email_delivery(subscriber)

    response = post_events(client, [sg_event(row, "spamreport")], key=new_key())

    assert response.status_code == 403
    assert reloaded(subscriber).is_active


def test_body_changed_after_signing_is_refused(client: FlaskClient) -> None:
    row = email_delivery(email_subscriber())
    signed = json.dumps([sg_event(row, "processed")])
    forged = json.dumps([sg_event(row, "delivered")])

    response = client.post(EVENTS, data=forged, headers=signed_headers(signed))

    assert response.status_code == 403
    assert reloaded(row).state == "sent"


def test_reserialised_body_does_not_verify(client: FlaskClient) -> None:
    # The signature covers SendGrid's bytes; the same JSON written differently is not signed.
    row = email_delivery(email_subscriber())
    events = [sg_event(row, "delivered")]
    headers = signed_headers(json.dumps(events))

    response = client.post(EVENTS, data=json.dumps(events, separators=(",", ":")),
                           headers=headers)

    assert response.status_code == 403
    assert reloaded(row).state == "sent"


@pytest.mark.parametrize("age", [11 * 60, -(10 * 60)])
def test_stale_or_future_timestamp_is_refused(client: FlaskClient, age: int) -> None:
    row = email_delivery(email_subscriber())

    response = post_events(client, [sg_event(row, "delivered")],
                           timestamp=int(time.time()) - age)

    assert response.status_code == 403
    assert reloaded(row).state == "sent"


def test_garbage_signature_is_refused(client: FlaskClient) -> None:
    row = email_delivery(email_subscriber())
    body = json.dumps([sg_event(row, "delivered")])
    headers = {SIGNATURE: "not base64!!", TIMESTAMP: str(int(time.time()))}

    response = client.post(EVENTS, data=body, headers=headers)

    assert response.status_code == 403
    assert reloaded(row).state == "sent"


def test_events_are_refused_when_no_verification_key_is_configured(
        app: Flask, client: FlaskClient) -> None:
    row = email_delivery(email_subscriber())
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = None

    response = post_events(client, [sg_event(row, "delivered")])

    assert response.status_code == 403
    assert reloaded(row).state == "sent"


def test_signed_body_that_is_not_an_event_array_is_a_bad_request(client: FlaskClient) -> None:
    body = json.dumps({"event": "delivered"})

    response = client.post(EVENTS, data=body, headers=signed_headers(body))

    assert response.status_code == 400
