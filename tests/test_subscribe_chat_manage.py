"""A chat subscriber's own pages: manage (components, unsubscribe) and one-click unsubscribe,
showing the destination's mask only; leaving, coming back, and erasure (issue 13)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.core.sealing import unseal
from statuspage.models import Subscriber, utcnow
from statuspage.models.subscribers import DISCORD, SLACK
from statuspage.notify.chat import check_chat_url, mask_chat_url
from statuspage.subscriptions import erasure
from statuspage.subscriptions.links import link_urls
from tests.chat_signup_support import (
    chat_signup,
    chat_subscriber,
    confirm_link,
    confirmed_chat_subscriber,
)
from tests.factories import Factory
from tests.fakes.chat import FakeChat
from tests.subscription_support import path_of, reloaded

pytestmark = pytest.mark.usefixtures("errors")


@pytest.fixture(autouse=True)
def _loopback(app: Flask) -> None:
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = True


def _secrets(url: str) -> list[str]:
    return [url, url.rsplit("/", 1)[1]]


def _links(subscriber: Subscriber) -> tuple[str, str]:
    """The manage and unsubscribe paths, as the fan-out's Linker builds them."""
    manage, unsubscribe = link_urls(subscriber.public_id, subscriber.token_version)
    return path_of(manage), path_of(unsubscribe)


def test_the_manage_page_shows_only_the_mask_and_changes_components(
        client: FlaskClient, factory: Factory, fake_chat: FakeChat) -> None:
    api, web = factory.component("API"), factory.component("Website")
    url = fake_chat.destination_url(SLACK, "ops")
    subscriber = confirmed_chat_subscriber(client, fake_chat, SLACK, url, (api.id,))
    manage, _unsubscribe = _links(subscriber)
    html = client.get(manage).get_data(as_text=True)
    masked = mask_chat_url(check_chat_url(SLACK, url, allow_loopback=True))
    assert f"<strong>{masked}</strong> (Slack)" in html and "Subscribed." in html
    assert not any(secret in html for secret in _secrets(url))
    assert subscriber.address not in html  # nor the fingerprint
    response = client.post(manage, data={"components": [str(web.id)]})
    assert response.headers["Location"].endswith("?notice=updated")
    assert [c.id for c in reloaded(subscriber).components] == [web.id]
    response = client.post(f"{manage}/unsubscribe")
    assert response.headers["Location"].endswith("?notice=unsubscribed")
    assert reloaded(subscriber).state == "unsubscribed"


def test_one_click_unsubscribe_works_and_names_the_mask(
        client: FlaskClient, fake_chat: FakeChat) -> None:
    url = fake_chat.destination_url(DISCORD, "ops")
    subscriber = confirmed_chat_subscriber(client, fake_chat, DISCORD, url)
    _manage, unsubscribe = _links(subscriber)
    page = client.get(unsubscribe).get_data(as_text=True)
    masked = mask_chat_url(check_chat_url(DISCORD, url, allow_loopback=True))
    assert masked in page and reloaded(subscriber).state == "active"
    done = client.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "You are unsubscribed" in done.get_data(as_text=True)
    assert not any(secret in done.get_data(as_text=True) for secret in _secrets(url))
    assert reloaded(subscriber).state == "unsubscribed"


def test_subscribing_again_after_leaving_asks_again_and_old_links_die(
        client: FlaskClient, fake_chat: FakeChat) -> None:
    url = fake_chat.destination_url(DISCORD, "ops")
    subscriber = confirmed_chat_subscriber(client, fake_chat, DISCORD, url)
    old_manage, old_unsubscribe = _links(subscriber)
    client.post(old_unsubscribe)
    chat_signup(client, url)
    again = chat_subscriber(DISCORD, url)
    assert again.id == subscriber.id and again.state == "unconfirmed"
    assert client.get(old_manage).status_code == 400  # the old consent's links are dead
    client.post(path_of(confirm_link(fake_chat.messages(url)[-1].payload)))
    assert reloaded(again).state == "active"


def test_an_erased_destination_keeps_no_url_and_comes_back_only_through_a_new_opt_in(
        client: FlaskClient, fake_chat: FakeChat) -> None:
    url = fake_chat.destination_url(SLACK, "ops")
    subscriber = confirmed_chat_subscriber(client, fake_chat, SLACK, url)
    erasure.erase_rows([subscriber], utcnow())
    erased = reloaded(subscriber)
    assert erased.destination is None and erased.address.startswith("erased:")
    messages = len(fake_chat.messages(url))
    chat_signup(client, url)
    back = reloaded(erased)
    assert back.erased_at is None and back.state == "unconfirmed"
    assert unseal(back.destination) == check_chat_url(SLACK, url, allow_loopback=True)
    assert len(fake_chat.messages(url)) == messages + 1
    client.post(path_of(confirm_link(fake_chat.messages(url)[-1].payload)))
    assert reloaded(back).state == "active"
