"""Link tokens: one cheap signed token per subscriber serves the manage and unsubscribe links."""

from __future__ import annotations

import pytest
from flask import Flask

from statuspage.core import tokens
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import Subscriber
from statuspage.subscriptions.links import recipient_for
from tests.delivery_support import add_subscribers
from tests.subscription_support import token_of


@pytest.fixture
def subscriber(app: Flask) -> Subscriber:
    [subscriber_id] = add_subscribers(1)
    found = db.session.get(Subscriber, subscriber_id)
    assert found is not None
    return found


def test_manage_and_unsubscribe_links_share_one_token_naming_the_subscriber(
    app: Flask, subscriber: Subscriber,
) -> None:
    recipient = recipient_for(subscriber, 7)
    token = token_of(recipient.manage_url)
    assert token == token_of(recipient.unsubscribe_url)
    for purpose in (tokens.MANAGE, tokens.UNSUBSCRIBE):
        assert tokens.read_token(purpose, token) == (subscriber.public_id, 1)
    # The same token on every message (no timestamp inside), never the address.
    assert token == tokens.link_token(subscriber.public_id, 1)
    assert "reader0" not in token


def test_an_altered_or_forged_link_token_is_refused(app: Flask, subscriber: Subscriber) -> None:
    public_id = subscriber.public_id
    token = tokens.link_token(public_id, 1)
    payload, signature = token.rsplit(".", 1)
    other = "A" if signature[0] != "A" else "B"
    forgeries = [
        f"{payload}.{other}{signature[1:]}",  # signature changed
        f"{public_id}.2.{signature}",  # a later version, signature of the first
        f"zzzzzzzzzzzz.1.{signature}",  # someone else's id
        payload,  # unsigned
        "",
        tokens.make_token(tokens.CONFIRM, public_id, 1),  # another kind of token
    ]
    for forged in forgeries:
        with pytest.raises(DomainError, match="not valid"):
            tokens.read_token(tokens.MANAGE, forged)


def test_link_tokens_are_signed_with_the_installation_secret(
    app: Flask, subscriber: Subscriber,
) -> None:
    token = tokens.link_token(subscriber.public_id, 1)
    app.config["SECRET_KEY"] = "another installation's secret key 0123456789"
    with pytest.raises(DomainError, match="not valid"):
        tokens.read_token(tokens.UNSUBSCRIBE, token)
    assert tokens.link_token(subscriber.public_id, 1) != token


def test_a_confirmation_token_is_not_a_link_token(app: Flask, subscriber: Subscriber) -> None:
    link = tokens.link_token(subscriber.public_id, 1)
    with pytest.raises(DomainError, match="not valid"):
        tokens.read_token(tokens.CONFIRM, link)
