"""Public chat subscriptions on /subscribe: a Slack, Teams, Discord or Google Chat channel's
incoming webhook, confirmed by the link in a test message posted there (issue 13)."""

from __future__ import annotations

import json
import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.core.logging_setup import PlainFormatter
from statuspage.core.sealing import fingerprint, unseal
from statuspage.models import Subscriber
from statuspage.models.subscribers import CHAT_CHANNELS, DISCORD, GOOGLE_CHAT, SLACK, TEAMS
from statuspage.notify.chat import check_chat_url, mask_chat_url
from statuspage.page.record import get_page
from statuspage.subscriptions import leaving
from tests.chat_signup_support import (
    chat_signup,
    chat_subscriber,
    confirm_link,
    confirmed_chat_subscriber,
)
from tests.chat_support import RULES
from tests.factories import Factory
from tests.fakes.chat import FakeChat
from tests.subscription_support import path_of, reloaded

pytestmark = pytest.mark.usefixtures("errors")


@pytest.fixture(autouse=True)
def _loopback(app: Flask, fake_chat: FakeChat) -> None:
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = True
    fake_chat.validator = lambda provider, payload: RULES[provider](payload)


def _count() -> int:
    return db.session.execute(select(func.count()).select_from(Subscriber)).scalar_one()


def test_the_subscribe_page_offers_chat_with_the_app_choice(client: FlaskClient) -> None:
    html = client.get("/subscribe").get_data(as_text=True)
    assert 'href="/subscribe?channel=chat"' in html
    html = client.get("/subscribe?channel=chat").get_data(as_text=True)
    assert 'name="channel" value="chat"' in html
    assert "Incoming webhook URL" in html and 'autocomplete="off"' in html
    for name in ("Slack", "Microsoft Teams", "Discord", "Google Chat"):
        assert f">{name}</option>" in html
    page = get_page()
    page.allow_chat_subscribers = False
    db.session.commit()
    assert 'href="/subscribe?channel=chat"' not in client.get("/subscribe").get_data(
        as_text=True)
    refused = chat_signup(client, "https://hooks.slack.com/services/T0/B0/x")
    assert refused.status_code == 400 and "not open" in refused.get_data(as_text=True)


@pytest.mark.parametrize("provider", CHAT_CHANNELS)
def test_each_app_gets_a_test_message_whose_link_confirms(
        client: FlaskClient, factory: Factory, fake_chat: FakeChat, provider: str) -> None:
    api = factory.component("API")
    url = fake_chat.destination_url(provider, "ops")
    response = chat_signup(client, url, (api.id,))
    assert response.status_code == 303
    assert response.headers["Location"] == "/subscribe/check-chat"
    assert "Check your chat channel" in client.get("/subscribe/check-chat").get_data(
        as_text=True)
    subscriber = chat_subscriber(provider, url)
    assert subscriber.state == "unconfirmed" and subscriber.consent_ip == "203.0.113.5"
    assert [c.id for c in subscriber.components] == [api.id]
    # Never in clear: the row holds the fingerprint and the sealed URL.
    checked = check_chat_url(provider, url, allow_loopback=True)
    assert subscriber.address == fingerprint(checked)
    assert url not in (subscriber.destination or "") and unseal(subscriber.destination) == checked
    [message] = fake_chat.messages(url)  # valid per the provider's rules (the validator)
    assert message.provider == provider
    assert "Confirm your subscription" in json.dumps(message.payload)
    assert "API" in json.dumps(message.payload)
    link = confirm_link(message.payload)
    page = client.get(path_of(link))
    assert page.status_code == 200
    assert mask_chat_url(checked) in page.get_data(as_text=True)
    assert url not in page.get_data(as_text=True) and checked not in page.get_data(as_text=True)
    assert reloaded(subscriber).state == "unconfirmed"  # a preview's GET confirms nothing
    confirmed = client.post(path_of(link))
    assert confirmed.status_code == 303 and "?notice=confirmed" in confirmed.headers["Location"]
    subscriber = reloaded(subscriber)
    assert subscriber.state == "active" and subscriber.consent_source == "page"
    assert subscriber.consent_at is not None
    manage = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert mask_chat_url(checked) in manage and checked not in manage


def test_the_app_can_be_named_when_the_url_does_not_say(client: FlaskClient,
                                                        fake_chat: FakeChat) -> None:
    url = fake_chat.destination_url(DISCORD, "ops")
    assert chat_signup(client, url, provider=DISCORD).status_code == 303
    assert chat_subscriber(DISCORD, url).channel == DISCORD
    # Named wrong: the URL is checked against the app chosen, and refused on its field.
    other = fake_chat.destination_url(SLACK, "ops")
    response = chat_signup(client, other, provider=GOOGLE_CHAT)
    assert response.status_code == 400
    assert "not an incoming webhook" in response.get_data(as_text=True)
    assert fake_chat.messages(other) == []


@pytest.mark.parametrize(("url", "says"), [
    ("http://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnop", "https://"),
    ("https://hooks.slack.com.evil.example/services/T0123ABCD/B0123ABCD/abcdefghijkl",
     "not an incoming webhook URL of Slack"),
    ("https://hooks.sIack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnop",
     "not an incoming webhook URL of Slack"),
    ("https://example.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz",
     "not an incoming webhook URL of Slack"),
    ("https://discord.com/api/webhooks/123/short", "not an incoming webhook"),
    ("https://hooks.slack.com/triggers/T0123ABCD/123/abc", "not an incoming webhook"),
    ("not a url at all", "not an incoming webhook URL"),
    ("", "Paste the incoming webhook URL"),
])
def test_a_refused_url_is_a_field_error_with_nothing_lost(
        client: FlaskClient, factory: Factory, fake_chat: FakeChat, url: str,
        says: str) -> None:
    api = factory.component("API")
    response = chat_signup(client, url, (api.id,))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert says in html
    assert 'id="address-error"' in html and 'aria-invalid="true"' in html
    assert re.search(rf'value="{api.id}" checked', html)  # the components are kept
    assert 'name="channel" value="chat"' in html
    assert _count() == 0 and fake_chat.requests == []


def test_the_same_destination_again_gets_the_same_answer_and_no_second_row(
        client: FlaskClient, fake_chat: FakeChat) -> None:
    url = fake_chat.destination_url(TEAMS, "ops")  # (no rate limit: four messages at once)
    first = chat_signup(client, url)
    # The same URL written differently (the host's final dot) is the same destination.
    again = chat_signup(client, url.replace("127.0.0.1", "127.0.0.1."))
    subscriber = confirmed_chat_subscriber(client, fake_chat, TEAMS, url)
    active = chat_signup(client, url)
    leaving.suppress(subscriber, "destination_gone")
    gone = chat_signup(client, url)
    answers = {(r.status_code, r.headers.get("Location"), r.get_data())
               for r in (first, again, active, gone)}
    assert len(answers) == 1
    assert _count() == 1
    assert reloaded(subscriber).state == "suppressed"


def test_an_active_destination_signed_up_again_is_only_led_to_its_manage_page(
        client: FlaskClient, factory: Factory, fake_chat: FakeChat) -> None:
    api, web = factory.component("API"), factory.component("Website")
    url = fake_chat.destination_url(TEAMS, "ops")
    subscriber = confirmed_chat_subscriber(client, fake_chat, TEAMS, url, (api.id,))
    chat_signup(client, url, (web.id,))
    assert [c.id for c in reloaded(subscriber).components] == [api.id]  # unchanged
    link = confirm_link(fake_chat.messages(url)[-1].payload)
    page = client.get(path_of(link)).get_data(as_text=True)
    assert "already confirmed" in page and "Manage my subscription" in page
    assert client.post(path_of(link)).headers["Location"].startswith("/manage/")


def test_a_gone_webhook_is_suppressed_quietly(client: FlaskClient,
                                              fake_chat: FakeChat) -> None:
    url = fake_chat.destination_url(DISCORD, "deleted")
    fake_chat.gone(url)
    response = chat_signup(client, url)
    assert response.status_code == 303 and response.headers["Location"].endswith("check-chat")
    subscriber = chat_subscriber(DISCORD, url)
    assert subscriber.state == "suppressed"
    assert subscriber.suppression_reason == "destination_gone"


def test_the_url_is_never_logged(client: FlaskClient, fake_chat: FakeChat,
                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = fake_chat.destination_url(GOOGLE_CHAT, "ops")
    gone = fake_chat.destination_url(SLACK, "gone")
    fake_chat.gone(gone)
    chat_signup(client, url)
    chat_signup(client, gone)
    chat_signup(client, url.replace("/messages", "/nothing"))
    confirmed_chat_subscriber(client, fake_chat, GOOGLE_CHAT, url)
    # As the service writes its lines (urllib3's own DEBUG line names the path: redacted).
    formatter = PlainFormatter()
    logged = "\n".join(formatter.format(record) for record in caplog.records)
    assert "chat googlechat to" in logged  # the sender's own line, with the mask
    for secret in (url, gone, url.split("token=")[1], gone.rsplit("/", 1)[1]):
        assert secret not in logged
