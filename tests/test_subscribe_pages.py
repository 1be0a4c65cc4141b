"""The public sign-up pages: channel and component choice, confirmation by link, code, test POST."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from statuspage.core.extensions import db
from statuspage.page.record import get_page
from statuspage.subscriptions import leaving
from statuspage.subscriptions import subscribe as subscriptions
from tests.factories import Factory
from tests.subscription_support import (
    US_MOBILE,
    last_code,
    link_in,
    outbox,
    path_of,
    reloaded,
)


def signup(client: FlaskClient, channel: str, address: str, components: tuple[int, ...] = (),
           ip: str = "203.0.113.5") -> TestResponse:
    return client.post("/subscribe", data={"channel": channel, "address": address,
                                           "components": [str(c) for c in components]},
                       environ_base={"REMOTE_ADDR": ip})


def test_subscribe_page_offers_open_channels_and_grouped_components(
    client: FlaskClient, factory: Factory
) -> None:
    europe = factory.group("Europe")
    factory.component("Paris", group=europe)
    factory.component("Billing API")
    html = client.get("/subscribe").get_data(as_text=True)
    assert "Subscribe to updates" in html
    for tab in ("?channel=email", "?channel=sms", "?channel=webhook"):
        assert tab in html
    assert "<legend>Europe</legend>" in html
    assert "Paris" in html and "Billing API" in html
    assert "Choose none to hear about every component." in html
    page = get_page()
    page.allow_sms_subscribers = False
    db.session.commit()
    html = client.get("/subscribe?channel=sms").get_data(as_text=True)
    assert 'href="/subscribe?channel=sms"' not in html  # no tab (the language links keep ?channel)
    assert 'name="channel" value="email"' in html  # a closed channel falls back to an open one


def test_subscribe_page_says_when_every_channel_is_closed(client: FlaskClient) -> None:
    page = get_page()
    page.allow_email_subscribers = page.allow_sms_subscribers = False
    page.allow_webhook_subscribers = page.allow_chat_subscribers = False
    db.session.commit()
    html = client.get("/subscribe").get_data(as_text=True)
    assert "Subscriptions are closed" in html
    response = signup(client, "email", "ana@example.com")
    assert response.status_code == 400
    assert "not open" in response.get_data(as_text=True)


def test_sms_phone_hint_names_the_allowed_countries(client: FlaskClient) -> None:
    html = client.get("/subscribe?channel=sms").get_data(as_text=True)
    assert "United States (+1)" in html and "Norway (+47)" in html
    assert 'type="tel"' in html


def test_email_signup_sends_a_confirmation_and_asks_to_check_the_inbox(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    response = signup(client, "email", "Ana@Example.com", (api.id,))
    assert response.status_code == 303
    assert response.headers["Location"] == "/subscribe/check-email"
    assert "Check your inbox" in client.get("/subscribe/check-email").get_data(as_text=True)
    subscriber = subscriptions.find_subscriber("email", "ana@example.com")
    assert subscriber is not None and [c.id for c in subscriber.components] == [api.id]
    assert len(outbox("email", "ana@example.com")) == 1


def test_signup_answers_the_same_whatever_the_address_state(client: FlaskClient) -> None:
    answers = {}
    answers["new"] = signup(client, "email", "new@example.com")
    signup(client, "email", "pending@example.com")
    answers["unconfirmed"] = signup(client, "email", "pending@example.com")
    signup(client, "email", "active@example.com")
    subscriptions.confirm_email(link_in(outbox("email", "active@example.com")[0].body,
                                        "/subscribe/confirm/").rsplit("/", 1)[1])
    answers["active"] = signup(client, "email", "active@example.com")
    signup(client, "email", "bounced@example.com")
    leaving.suppress(subscriptions.find_subscriber("email", "bounced@example.com"),
                           "bounce")
    answers["suppressed"] = signup(client, "email", "bounced@example.com")
    shapes = {(r.status_code, r.headers.get("Location"), r.get_data()) for r in answers.values()}
    assert len(shapes) == 1, answers


def test_a_refused_address_is_shown_with_what_was_typed(client: FlaskClient,
                                                         factory: Factory) -> None:
    api = factory.component("API")
    response = signup(client, "sms", "+49 1512 3456789", (api.id,))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "We can only send text messages to numbers in" in html
    assert 'value="+49 1512 3456789"' in html
    assert re.search(rf'value="{api.id}" checked', html)
    assert 'aria-invalid="true"' in html


def test_confirmation_link_get_shows_a_button_and_only_post_confirms(
    client: FlaskClient
) -> None:
    signup(client, "email", "ana@example.com")
    path = path_of(link_in(outbox("email")[0].body, "/subscribe/confirm/"))
    page = client.get(path)
    assert page.status_code == 200
    assert "Confirm subscription" in page.get_data(as_text=True)
    subscriber = subscriptions.find_subscriber("email", "ana@example.com")
    assert reloaded(subscriber).state == "unconfirmed"  # a link scanner's GET confirms nothing
    confirmed = client.post(path)
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"].startswith("/manage/")
    assert confirmed.headers["Location"].endswith("?notice=confirmed")
    assert reloaded(subscriber).state == "active"
    manage = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "Your subscription is confirmed." in manage


@pytest.mark.parametrize(("path", "status", "text"), [
    ("/subscribe/confirm/not-a-token", 400, "This link is not valid."),
    ("/manage/not-a-token", 400, "This link is not valid."),
    ("/unsubscribe/not-a-token", 400, "This link is not valid."),
    ("/subscribe/sms/nosuchid0000", 404, "no sign-up waiting"),
])
def test_forged_links_get_a_clear_error_page(client: FlaskClient, path: str, status: int,
                                             text: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    assert client.post(path).status_code == status


def test_sms_signup_then_code_entry_confirms(client: FlaskClient) -> None:
    response = signup(client, "sms", "(415) 555-2671")
    assert response.status_code == 303
    code_page = response.headers["Location"]
    assert code_page.startswith("/subscribe/sms/")
    html = client.get(code_page).get_data(as_text=True)
    assert "+1 ••• ••• 2671" in html and US_MOBILE not in html
    code = last_code(US_MOBILE)
    wrong = client.post(code_page, data={"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "4 tries left" in wrong.get_data(as_text=True)
    right = client.post(code_page, data={"code": f"{code[:3]} {code[3:]}"})
    assert right.status_code == 303
    assert right.headers["Location"].startswith("/manage/")
    assert "Subscribed." in client.get(right.headers["Location"]).get_data(as_text=True)
    assert subscriptions.find_subscriber("sms", US_MOBILE).state == "active"


def test_sms_code_page_can_send_a_new_code(client: FlaskClient) -> None:
    code_page = signup(client, "sms", US_MOBILE).headers["Location"]
    first = last_code(US_MOBILE)
    response = client.post(f"{code_page}/resend")
    assert response.status_code == 303
    assert "We sent you a new code." in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert len(outbox("sms", US_MOBILE)) == 2
    second = last_code(US_MOBILE)
    if second != first:  # one chance in a million that they are equal
        assert client.post(code_page, data={"code": first}).status_code == 400
    assert client.post(code_page, data={"code": second}).status_code == 303


def test_webhook_signup_shows_the_secret_once_and_confirms_by_test_post(
    app: Flask, client: FlaskClient, fake_webhook: object
) -> None:
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = True
    url = fake_webhook.url_for("/status")  # type: ignore[attr-defined]
    response = signup(client, "webhook", url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    subscriber = subscriptions.find_subscriber("webhook", url)
    assert subscriber.secret in html
    assert "/manage/" in html
    assert len(fake_webhook.requests) == 1  # type: ignore[attr-defined]
    assert reloaded(subscriber).state == "active"
    # The same URL again: no secret shown to whoever typed it.
    again = signup(client, "webhook", url).get_data(as_text=True)
    assert reloaded(subscriber).secret not in again


def test_subscription_pages_are_never_cached_and_leak_no_referrer(client: FlaskClient) -> None:
    signup(client, "email", "ana@example.com")
    confirm = path_of(link_in(outbox("email")[0].body, "/subscribe/confirm/"))
    for path in ("/subscribe", "/subscribe/check-email", confirm):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "ETag" not in response.headers


def test_status_page_header_links_to_subscribe(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<a class="cta" href="/subscribe">Subscribe to updates</a>' in html
