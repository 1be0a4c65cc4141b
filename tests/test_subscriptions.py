"""Subscription use-cases: sign-up, normalisation, channel switches, re-subscribing, links."""

from __future__ import annotations

import time

import pytest
from flask import Flask

from statuspage.core import tokens
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.models import Subscriber, utcnow
from statuspage.page.record import get_page
from statuspage.subscriptions import leaving
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.links import subscriber_for_token
from tests.factories import Factory
from tests.subscription_support import (
    US_MOBILE,
    link_in,
    outbox,
    reloaded,
    token_of,
)


def _email(address: str = "ana@example.com", components: list[int] | None = None,
           ip: str = "203.0.113.5", source: str = "page") -> Subscriber:
    return subscriptions.subscribe("email", address, components or [], "en", ip, source=source)


def _confirmed_email(address: str = "ana@example.com") -> Subscriber:
    subscriber = _email(address)
    subscriptions.confirm_email(token_of(link_in(outbox("email", address)[-1].body,
                                                 "/subscribe/confirm/")))
    return reloaded(subscriber)


def test_email_is_normalised_and_the_consent_is_recorded(app: Flask) -> None:
    before = utcnow()
    subscriber = _email("  Ana.Lima@Example.COM ", ip="203.0.113.5")
    assert subscriber.address == "ana.lima@example.com"
    assert subscriber.state == "unconfirmed"
    assert subscriber.consent_source == "page"
    assert subscriber.consent_ip == "203.0.113.5"
    assert subscriber.consent_at is not None and subscriber.consent_at >= before


@pytest.mark.parametrize("raw", ["not-an-email", "ana@", "@example.com", "ana@exa mple.com"])
def test_invalid_email_is_refused_next_to_the_address(app: Flask, raw: str) -> None:
    with pytest.raises(DomainError) as refused:
        _email(raw)
    assert refused.value.field == "address"
    assert outbox() == []


def test_email_confirmation_link_from_the_outbox_confirms(app: Flask) -> None:
    subscriber = _email()
    [message] = outbox("email")
    assert message.to == "ana@example.com"
    assert "Confirm" in message.subject
    link = link_in(message.body, "/subscribe/confirm/")
    assert link.startswith("https://status.example.com/subscribe/confirm/")
    confirmed = subscriptions.confirm_email(token_of(link))
    assert confirmed.id == subscriber.id
    assert reloaded(subscriber).state == "active"
    # Confirming again (a second click) changes nothing and does not fail.
    first = reloaded(subscriber).confirmed_at
    subscriptions.confirm_email(token_of(link))
    assert reloaded(subscriber).confirmed_at == first


def test_email_confirmation_through_the_fake_sendgrid(app: Flask, fake_sendgrid: object) -> None:
    app.config.update(SENDGRID_API_KEY="SG.test-key",
                      SENDGRID_API_BASE_URL=fake_sendgrid.url)  # type: ignore[attr-defined]
    subscriber = _email("bo@example.com")
    [send] = fake_sendgrid.sends  # type: ignore[attr-defined]
    body = send.json
    assert body["personalizations"][0]["to"][0]["email"] == "bo@example.com"
    text = next(c["value"] for c in body["content"] if c["type"] == "text/plain")
    subscriptions.confirm_email(token_of(link_in(text, "/subscribe/confirm/")))
    assert reloaded(subscriber).state == "active"
    assert outbox() == []  # the provider sent it, not the log backend


def test_forged_and_expired_confirmation_tokens_are_refused(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscriber = _email()
    with pytest.raises(DomainError, match="not valid"):
        subscriptions.confirm_email("forged.token.value")
    # A manage token is not a confirmation token (another purpose, another salt).
    manage = tokens.make_token(tokens.MANAGE, subscriber.public_id, subscriber.token_version)
    with pytest.raises(DomainError, match="not valid"):
        subscriptions.confirm_email(manage)
    eight_days_ago = time.time() - 8 * 24 * 3600
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: eight_days_ago)
    old = tokens.make_token(tokens.CONFIRM, subscriber.public_id, subscriber.token_version)
    monkeypatch.undo()
    with pytest.raises(DomainError, match="expired"):
        subscriptions.confirm_email(old)
    assert reloaded(subscriber).state == "unconfirmed"


def test_token_of_a_deleted_subscriber_is_not_found(app: Flask) -> None:
    subscriber = _email()
    token = tokens.make_token(tokens.MANAGE, subscriber.public_id, subscriber.token_version)
    db.session.delete(subscriber)
    db.session.commit()
    with pytest.raises(NotFound):
        subscriber_for_token(tokens.MANAGE, token)


def test_public_signups_respect_the_channel_switches(app: Flask) -> None:
    page = get_page()
    page.allow_email_subscribers = False
    page.allow_sms_subscribers = False
    page.allow_webhook_subscribers = False
    page.allow_chat_subscribers = False
    db.session.commit()
    for channel, address in (("email", "ana@example.com"), ("sms", US_MOBILE),
                             ("webhook", "https://hooks.example.com/x"),
                             ("slack", "https://hooks.slack.com/services/T0123/B0123/abcdefgh")):
        with pytest.raises(DomainError, match="not open") as refused:
            subscriptions.subscribe(channel, address, [], "en", "203.0.113.5")
        assert refused.value.field == "channel"
    assert subscriptions.open_channels(page) == []
    # The console and imports are not the public form: an admin may still add someone.
    added = _email(source="console")
    assert added.consent_source == "console"


def test_unknown_channel_is_refused(app: Flask) -> None:
    with pytest.raises(DomainError) as refused:
        subscriptions.subscribe("pigeon", "ana@example.com", [], "en", None)
    assert refused.value.field == "channel"


def test_components_groups_stand_for_their_components(app: Flask, factory: Factory) -> None:
    group = factory.group("Europe")
    paris = factory.component("Paris", group=group)
    oslo = factory.component("Oslo", group=group)
    api = factory.component("API")
    subscriber = _email(components=[group.id])
    assert {c.id for c in subscriber.components} == {paris.id, oslo.id}
    subscriptions.change_components(subscriber, [str(api.id)])
    assert [c.id for c in reloaded(subscriber).components] == [api.id]
    subscriptions.change_components(subscriber, [])
    assert reloaded(subscriber).components == []  # none chosen = all
    with pytest.raises(DomainError, match="from the list") as refused:
        subscriptions.change_components(subscriber, [api.id, 99999])
    assert refused.value.field == "components"
    assert reloaded(subscriber).components == []


def test_signing_up_again_while_unconfirmed_resends_the_confirmation(
    app: Flask, factory: Factory
) -> None:
    api = factory.component("API")
    first = _email()
    again = _email("ANA@example.com", components=[api.id], ip="198.51.100.7")
    assert again.id == first.id
    assert len(outbox("email")) == 2
    assert [c.id for c in reloaded(first).components] == [api.id]
    assert reloaded(first).consent_ip == "198.51.100.7"


def test_signing_up_an_active_email_sends_a_manage_link_and_changes_nothing(
    app: Flask, factory: Factory
) -> None:
    api = factory.component("API")
    subscriber = _confirmed_email()
    consent = subscriber.consent_at
    _email(components=[api.id], ip="198.51.100.66")
    after = reloaded(subscriber)
    assert after.state == "active" and after.components == []
    assert after.consent_at == consent and after.consent_ip == "203.0.113.5"
    latest = outbox("email")[-1]
    link_in(latest.body, "/manage/")
    assert "/subscribe/confirm/" not in latest.body


def test_signing_up_after_unsubscribing_is_a_new_consent(app: Flask) -> None:
    subscriber = _confirmed_email()
    old_manage = subscriptions.manage_url(subscriber)
    leaving.unsubscribe(subscriber)
    _email(ip="198.51.100.8")
    after = reloaded(subscriber)
    assert after.state == "unconfirmed"
    assert after.consent_ip == "198.51.100.8"
    assert after.token_version == 2
    assert "/subscribe/confirm/" in outbox("email")[-1].body
    with pytest.raises(DomainError, match="no longer valid"):
        subscriber_for_token(tokens.MANAGE, token_of(old_manage))


@pytest.mark.parametrize("reason", ["bounce", "spam_report"])
def test_suppressed_address_is_refused_quietly(app: Flask, reason: str) -> None:
    subscriber = _confirmed_email()
    leaving.suppress(subscriber, reason)
    sent = len(outbox())
    again = _email()
    assert again.id == subscriber.id
    assert reloaded(subscriber).state == "suppressed"
    assert reloaded(subscriber).suppression_reason == reason
    assert len(outbox()) == sent  # nothing at all goes to a suppressed address


def test_unsubscribe_and_suppress_keep_the_first_time_and_reason(app: Flask) -> None:
    subscriber = _confirmed_email()
    leaving.unsubscribe(subscriber, reason="stop")
    first = reloaded(subscriber).unsubscribed_at
    leaving.unsubscribe(subscriber, reason="user")
    assert reloaded(subscriber).unsubscribed_at == first
    assert reloaded(subscriber).suppression_reason == "stop"
    assert not reloaded(subscriber).is_active
    with pytest.raises(DomainError):
        leaving.suppress(subscriber, "because")


def test_resubscribe_undoes_an_unsubscribe_with_a_new_consent(app: Flask) -> None:
    subscriber = _confirmed_email()
    leaving.unsubscribe(subscriber, reason="stop")
    assert leaving.can_resubscribe_itself(reloaded(subscriber))
    leaving.resubscribe(subscriber, source="sms_start")
    after = reloaded(subscriber)
    assert after.state == "active"
    assert after.consent_source == "sms_start"
    assert after.suppression_reason is None
    leaving.suppress(subscriber, "bounce")
    assert not leaving.can_resubscribe_itself(reloaded(subscriber))


def test_confirming_a_cancelled_subscription_is_refused(app: Flask) -> None:
    subscriber = _email()
    link = link_in(outbox("email")[-1].body, "/subscribe/confirm/")
    leaving.unsubscribe(subscriber)
    with pytest.raises(DomainError, match="cancelled"):
        subscriptions.confirm_email(token_of(link))


def test_links_and_recipient_are_absolute_and_carry_no_address(app: Flask) -> None:
    subscriber = _confirmed_email("carla@example.com")
    recipient = subscriptions.recipient_for(subscriber, 42)
    assert recipient.delivery_id == 42
    assert recipient.subscriber_id == subscriber.id
    assert recipient.address == "carla@example.com"
    assert recipient.manage_url.startswith("https://status.example.com/manage/")
    assert recipient.unsubscribe_url.startswith("https://status.example.com/unsubscribe/")
    for url in (recipient.manage_url, recipient.unsubscribe_url):
        assert "carla" not in url
    assert subscriber_for_token(tokens.UNSUBSCRIBE,
                                token_of(recipient.unsubscribe_url)).id == subscriber.id


def test_find_subscriber_accepts_the_address_as_written(app: Flask) -> None:
    email = _email("dora@example.com")
    sms = subscriptions.subscribe("sms", "(415) 555-2671", [], "en", None)
    assert subscriptions.find_subscriber("email", " Dora@Example.com") is email
    assert subscriptions.find_subscriber("sms", "415-555-2671") is sms
    assert subscriptions.find_subscriber("sms", US_MOBILE) is sms
    assert subscriptions.find_subscriber("email", "nobody@example.com") is None

