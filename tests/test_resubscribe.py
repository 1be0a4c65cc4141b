"""Subscribing again never skips the double opt-in for an address that never confirmed.

START/YES/UNSTOP by SMS lifts an opt-out, but only a number that once entered its code is
active afterwards; one that never did stays unconfirmed and is pointed to the code page. A
sign-up on the public page after unsubscribing asks for a new confirmation.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.models import Subscriber
from statuspage.subscriptions import subscribe as subscriptions
from tests.delivery_support import deliveries, open_plan  # noqa: F401 (a fixture)
from tests.factories import Factory
from tests.subscription_support import (
    US_MOBILE,
    code_in,
    last_code,
    link_in,
    outbox,
    path_of,
    reloaded,
)
from tests.test_hooks_twilio import TOKEN, inbound, twiml_messages

pytestmark = pytest.mark.usefixtures("open_plan")


@pytest.fixture(autouse=True)
def _twilio_token(app: Flask) -> None:
    app.config["TWILIO_AUTH_TOKEN"] = TOKEN


def _sms_signup() -> Subscriber:
    return subscriptions.subscribe("sms", US_MOBILE, [], "en", "192.0.2.1")


def _confirmed_sms() -> Subscriber:
    subscriber = _sms_signup()
    subscriptions.verify_sms_code(reloaded(subscriber), last_code(US_MOBILE))
    assert reloaded(subscriber).is_active
    return subscriber


def _reached_by_an_incident(factory: Factory, subscriber: Subscriber) -> bool:
    """Publish an incident: does the fan-out create a delivery for `subscriber`?"""
    factory.incident(name=f"Outage {len(deliveries())}")
    return any(d.subscriber_id == subscriber.id for d in deliveries())


@pytest.mark.parametrize("keyword", ["START", "yes", "Unstop"])
def test_start_from_a_number_that_never_entered_its_code_leaves_it_unconfirmed(
    client: FlaskClient, factory: Factory, keyword: str,
) -> None:
    subscriber = _sms_signup()
    inbound(client, "STOP", US_MOBILE)
    assert reloaded(subscriber).state == "unsubscribed"

    response = inbound(client, keyword, US_MOBILE)

    after = reloaded(subscriber)
    assert after.state == "unconfirmed" and not after.is_active
    assert after.confirmed_at is None
    [reply] = twiml_messages(response)
    assert "subscribed again" not in reply
    assert "never confirmed" in reply
    code_page = link_in(reply, "/subscribe/sms/")
    assert path_of(code_page) == f"/subscribe/sms/{subscriber.public_id}"
    assert not _reached_by_an_incident(factory, subscriber)


def test_the_unconfirmed_number_confirms_through_a_new_code_from_the_code_page(
    client: FlaskClient, factory: Factory,
) -> None:
    subscriber = _sms_signup()
    first_code = last_code(US_MOBILE)
    inbound(client, "STOP", US_MOBILE)
    reply = twiml_messages(inbound(client, "START", US_MOBILE))[0]
    code_page = path_of(link_in(reply, "/subscribe/sms/"))
    # The code sent before the STOP died with it.
    assert client.post(code_page, data={"code": first_code}).status_code == 400

    assert client.post(f"{code_page}/resend").status_code == 303
    new_code = code_in(outbox("sms", US_MOBILE)[-1].body)
    confirmed = client.post(code_page, data={"code": new_code})

    assert confirmed.status_code == 303
    assert reloaded(subscriber).is_active
    assert _reached_by_an_incident(factory, subscriber)


def test_start_without_a_stop_does_not_confirm_a_pending_number(
    client: FlaskClient, factory: Factory,
) -> None:
    subscriber = _sms_signup()

    reply = twiml_messages(inbound(client, "START", US_MOBILE))[0]

    assert reloaded(subscriber).state == "unconfirmed"
    assert "never confirmed" in reply
    assert not _reached_by_an_incident(factory, subscriber)


def test_start_after_stop_makes_a_confirmed_number_active_again(
    client: FlaskClient, factory: Factory,
) -> None:
    subscriber = _confirmed_sms()
    inbound(client, "STOP", US_MOBILE)
    assert not _reached_by_an_incident(factory, subscriber)

    reply = twiml_messages(inbound(client, "START", US_MOBILE))[0]

    after = reloaded(subscriber)
    assert after.state == "active" and after.consent_source == "sms_start"
    assert "subscribed again" in reply
    assert _reached_by_an_incident(factory, subscriber)


def test_signing_up_again_on_the_page_after_unsubscribing_asks_for_a_new_confirmation(
    client: FlaskClient, factory: Factory,
) -> None:
    client.post("/subscribe", data={"channel": "email", "address": "ann@example.com"})
    confirm = path_of(link_in(outbox("email", "ann@example.com")[-1].body,
                              "/subscribe/confirm/"))
    client.post(confirm)
    subscriber = subscriptions.find_subscriber("email", "ann@example.com")
    assert subscriber is not None and reloaded(subscriber).is_active
    unsubscribe = subscriptions.unsubscribe_url(subscriber)
    client.post(path_of(unsubscribe), data={"List-Unsubscribe": "One-Click"})
    assert reloaded(subscriber).state == "unsubscribed"

    response = client.post("/subscribe", data={"channel": "email",
                                               "address": "Ann@Example.com"})

    assert response.status_code == 303
    assert reloaded(subscriber).state == "unconfirmed"
    assert not _reached_by_an_incident(factory, subscriber)
    # The old confirmation link is dead; the new one, sent to the address, confirms.
    assert client.post(confirm).status_code == 400
    new_confirm = path_of(link_in(outbox("email", "ann@example.com")[-1].body,
                                  "/subscribe/confirm/"))
    assert new_confirm != confirm
    client.post(new_confirm)
    assert reloaded(subscriber).is_active
    assert _reached_by_an_incident(factory, subscriber)


def test_a_stopped_number_signing_up_on_the_page_needs_a_new_code(
    client: FlaskClient, factory: Factory,
) -> None:
    subscriber = _confirmed_sms()
    inbound(client, "STOP", US_MOBILE)

    response = client.post("/subscribe", data={"channel": "sms", "address": US_MOBILE})

    assert response.status_code == 303
    assert reloaded(subscriber).state == "unconfirmed"
    assert not _reached_by_an_incident(factory, subscriber)
    client.post(response.headers["Location"], data={"code": last_code(US_MOBILE)})
    assert reloaded(subscriber).is_active
