"""Phone and webhook addresses, and double opt-in by SMS code and webhook test POST."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import Subscriber, utcnow
from statuspage.models.subscribers import SmsCodeDay
from statuspage.notify.webhook import verify_signature
from statuspage.page.record import get_page
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.codes import MAX_ATTEMPTS, TooManyRequests, codes_sent_today
from tests.factories import Factory
from tests.subscription_support import (
    GB_MOBILE,
    NO_MOBILE,
    US_MOBILE,
    last_code,
    link_in,
    outbox,
    reloaded,
    token_of,
)


def _sms(number: str = US_MOBILE) -> Subscriber:
    return subscriptions.subscribe("sms", number, [], "en", "203.0.113.5")


@pytest.mark.parametrize(("raw", "e164"), [
    ("(415) 555-2671", US_MOBILE),
    ("415.555.2671", US_MOBILE),
    ("1-415-555-2671", US_MOBILE),
    ("+1 415 555 2671", US_MOBILE),
    ("+44 7400 123456", GB_MOBILE),
    ("+44 (0)7400 123456", GB_MOBILE),
    ("+47 406 12 345", NO_MOBILE),
    ("00 47 406 12 345", NO_MOBILE),
])
def test_phone_numbers_in_common_formats_become_e164(app: Flask, raw: str, e164: str) -> None:
    assert _sms(raw).address == e164


def test_national_numbers_are_read_in_the_first_allowed_country(app: Flask) -> None:
    get_page().sms_allowed_countries = "NO,US"
    db.session.commit()
    assert _sms("406 12 345").address == NO_MOBILE


@pytest.mark.parametrize(("raw", "message"), [
    ("+49 1512 3456789", "United States (+1), Canada (+1), United Kingdom (+44), Norway (+47)"),
    ("+33 6 12 34 56 78", "only send text messages to numbers in"),
    ("+1 800 234 5678", "Toll-free"),
    ("+44 901 234 5678", "Premium-rate"),
    ("+44 20 7946 0018", "landline"),
    ("555-1234", "not a valid phone number"),
    ("call me maybe", "Enter a phone number"),
    ("", "Enter your mobile number"),
])
def test_numbers_we_must_not_text_are_refused_with_a_reason(
    app: Flask, raw: str, message: str
) -> None:
    with pytest.raises(DomainError, match=re.escape(message)) as refused:
        _sms(raw)
    assert refused.value.field == "address"
    assert db.session.query(Subscriber).count() == 0
    assert codes_sent_today() == 0


def test_sms_code_confirms_and_is_stored_only_hashed(app: Flask) -> None:
    subscriber = _sms()
    code = last_code(US_MOBILE)
    stored = reloaded(subscriber)
    assert stored.code_hash and code not in stored.code_hash
    assert stored.code_expires_at is not None
    assert timedelta(minutes=14) < stored.code_expires_at - utcnow() <= timedelta(minutes=15)
    subscriptions.verify_sms_code(stored, code)
    after = reloaded(subscriber)
    assert after.state == "active"
    assert after.code_hash is None  # a used code cannot be used again


def test_wrong_codes_count_down_and_the_fifth_kills_the_code(app: Flask) -> None:
    subscriber = _sms()
    code = last_code(US_MOBILE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with pytest.raises(DomainError) as refused:
            subscriptions.verify_sms_code(reloaded(subscriber), wrong)
        left = MAX_ATTEMPTS - attempt
        assert (f"{left} tr" in refused.value.message) if left else (
            "last try" in refused.value.message)
    with pytest.raises(DomainError, match="Too many wrong tries"):
        subscriptions.verify_sms_code(reloaded(subscriber), code)
    assert reloaded(subscriber).state == "unconfirmed"
    # A new code (a new text) starts over.
    subscriptions.resend_confirmation(reloaded(subscriber))
    subscriptions.verify_sms_code(reloaded(subscriber), last_code(US_MOBILE))
    assert reloaded(subscriber).state == "active"


def test_an_expired_code_is_refused(app: Flask) -> None:
    subscriber = _sms()
    code = last_code(US_MOBILE)
    stored = reloaded(subscriber)
    stored.code_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(DomainError, match="expired"):
        subscriptions.verify_sms_code(stored, code)
    assert reloaded(subscriber).state == "unconfirmed"


def test_sms_code_through_the_fake_twilio(app: Flask, fake_twilio: object) -> None:
    app.config.update(TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="secret-token",
                      TWILIO_FROM="+14155550100",
                      TWILIO_API_BASE_URL=fake_twilio.url)  # type: ignore[attr-defined]
    subscriber = _sms(GB_MOBILE)
    [message] = fake_twilio.messages  # type: ignore[attr-defined]
    assert message.param("To") == GB_MOBILE
    code = re.search(r"\b(\d{6})\b", message.param("Body") or "")
    assert code
    subscriptions.verify_sms_code(reloaded(subscriber), code.group(1))
    assert reloaded(subscriber).state == "active"


def test_twilio_opt_out_on_the_code_unsubscribes_the_number(
    app: Flask, fake_twilio: object
) -> None:
    app.config.update(TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="secret-token",
                      TWILIO_FROM="+14155550100",
                      TWILIO_API_BASE_URL=fake_twilio.url)  # type: ignore[attr-defined]
    fake_twilio.respond_error(21610)  # type: ignore[attr-defined]
    subscriber = _sms()
    after = reloaded(subscriber)
    assert after.state == "unsubscribed" and after.suppression_reason == "stop"


def test_daily_sms_budget_is_counted_in_the_database(app: Flask) -> None:
    page = get_page()
    page.sms_daily_signup_budget = 2
    db.session.commit()
    _sms(US_MOBILE)
    _sms(GB_MOBILE)
    assert codes_sent_today() == 2
    with pytest.raises(TooManyRequests, match="paused for today"):
        _sms(NO_MOBILE)
    assert subscriptions.find_subscriber("sms", NO_MOBILE) is None  # rolled back, not half-made
    assert len(outbox("sms")) == 2
    # Email is not rationed by the SMS budget.
    subscriptions.subscribe("email", "ana@example.com", [], "en", None)
    row = db.session.get(SmsCodeDay, utcnow().date())
    assert row is not None and row.sent == 2


def test_webhook_test_post_answered_2xx_confirms(app: Flask, fake_webhook: object) -> None:
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = True
    url = fake_webhook.url_for("/hooks/status")  # type: ignore[attr-defined]
    subscriber = subscriptions.subscribe("webhook", url, [], "en", "203.0.113.5")
    [request] = fake_webhook.requests  # type: ignore[attr-defined]
    assert request.method == "POST" and request.path == "/hooks/status"
    assert "ping" in request.json
    assert "unsubscribe" in request.json["meta"]
    stored = reloaded(subscriber)
    assert stored.secret
    assert verify_signature(stored.secret, request.headers["X-Statuspage-Timestamp"],
                            request.body, request.headers["X-Statuspage-Signature"])
    assert stored.state == "active"


def test_webhook_answering_500_stays_unconfirmed(app: Flask, fake_webhook: object) -> None:
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = True
    fake_webhook.respond_with(500, "boom", times=5)  # type: ignore[attr-defined]
    url = fake_webhook.url_for("/down")  # type: ignore[attr-defined]
    subscriber = subscriptions.subscribe("webhook", url, [], "en", None)
    assert len(fake_webhook.requests) == 1  # type: ignore[attr-defined]
    assert reloaded(subscriber).state == "unconfirmed"
    # Once the endpoint is fixed, asking again confirms it.
    fake_webhook.reset()  # type: ignore[attr-defined]
    subscriptions.resend_confirmation(reloaded(subscriber))
    assert reloaded(subscriber).state == "active"


def test_webhook_url_must_be_https_unless_loopback_is_allowed(
    app: Flask, fake_webhook: object
) -> None:
    url = fake_webhook.url_for("/hook")  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="public address"):
        subscriptions.subscribe("webhook", url, [], "en", None)
    with pytest.raises(DomainError, match="https"):
        subscriptions.normalise_address("webhook", "http://93.184.216.34/hook")
    assert subscriptions.normalise_address(
        "webhook", "HTTPS://93.184.216.34:443/hook") == "https://93.184.216.34/hook"
    assert fake_webhook.requests == []  # type: ignore[attr-defined]


def test_nothing_but_the_confirmation_reaches_an_unconfirmed_address(
    app: Flask, factory: Factory
) -> None:
    confirmed = subscriptions.subscribe("email", "yes@example.com", [], "en", None)
    subscriptions.confirm_email(token_of(link_in(outbox("email")[-1].body,
                                                 "/subscribe/confirm/")))
    pending = subscriptions.subscribe("email", "maybe@example.com", [], "en", None)
    texted = _sms()
    factory.incident("Checkout is down", body="We are looking into it.")
    to_confirmed = [m.subject for m in outbox("email", "yes@example.com")]
    assert any("Checkout is down" in s for s in to_confirmed), to_confirmed
    assert [m.subject for m in outbox("email", "maybe@example.com")] == [
        outbox("email", "maybe@example.com")[0].subject]
    assert "Confirm" in outbox("email", "maybe@example.com")[0].subject
    assert len(outbox("sms", US_MOBILE)) == 1
    assert reloaded(pending).state == "unconfirmed" and reloaded(texted).state == "unconfirmed"
    assert reloaded(confirmed).state == "active"


def test_two_simultaneous_signups_of_one_number_end_with_one_subscriber(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from statuspage.subscriptions import subscribe as module

    def competing_signup(page: object) -> None:
        # Another web process commits the same number between our lookup and our commit.
        with db.engine.begin() as conn:
            conn.execute(Subscriber.__table__.insert().values(
                public_id="racer0000000", channel="sms", address=US_MOBILE, language="en",
                consent_source="page", code_attempts=0, token_version=1, created_at=utcnow()))

    monkeypatch.setattr(module, "spend_sms_budget", competing_signup)
    subscriber = _sms()
    assert subscriber.public_id == "racer0000000"
    assert db.session.query(Subscriber).count() == 1
