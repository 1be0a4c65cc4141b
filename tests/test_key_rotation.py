"""Rotating SECRET_KEY: with the former key in SECRET_KEY_FALLBACKS, what it signed still
opens (links in messages already sent, console sessions, sealed chat URLs), everything new is
signed with the new key, and without the fallback the old links are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from statuspage.core import sealing, tokens
from statuspage.core.config import ConfigError, load_config
from statuspage.core.errors import DomainError
from statuspage.models import Subscriber
from tests.delivery_support import add_subscribers

OLD = "old-key-" + "o" * 24
NEW = "new-key-" + "n" * 24


def test_fallbacks_are_read_newest_first_and_checked(tmp_path: Path) -> None:
    config = load_config({"SECRET_KEY": NEW,
                          "SECRET_KEY_FALLBACKS": f" {OLD} , older-key-{'x' * 16}"}, tmp_path)
    assert config["SECRET_KEY_FALLBACKS"] == [OLD, f"older-key-{'x' * 16}"]
    assert load_config({"SECRET_KEY": NEW}, tmp_path)["SECRET_KEY_FALLBACKS"] == []
    with pytest.raises(ConfigError, match="SECRET_KEY_FALLBACKS"):
        load_config({"SECRET_KEY": NEW, "SECRET_KEY_FALLBACKS": "short"}, tmp_path)


def _public_id(app: Flask) -> str:
    [subscriber_id] = add_subscribers(1)
    subscriber = app.extensions["sqlalchemy"].session.get(Subscriber, subscriber_id)
    return str(subscriber.public_id)


def test_links_signed_with_the_former_key_open_while_it_is_a_fallback(app: Flask) -> None:
    public_id = _public_id(app)
    app.config.update(SECRET_KEY=OLD, SECRET_KEY_FALLBACKS=[])
    link = tokens.link_token(public_id, 1)
    confirm = tokens.make_token(tokens.CONFIRM, public_id, 1)

    app.config.update(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD])
    assert tokens.read_token(tokens.MANAGE, link) == (public_id, 1)
    assert tokens.read_token(tokens.CONFIRM, confirm) == (public_id, 1)
    # New tokens are the new key's: they open with no fallback at all.
    fresh_link = tokens.link_token(public_id, 1)
    fresh_confirm = tokens.make_token(tokens.CONFIRM, public_id, 1)
    assert fresh_link != link
    app.config.update(SECRET_KEY_FALLBACKS=[])
    assert tokens.read_token(tokens.UNSUBSCRIBE, fresh_link) == (public_id, 1)
    assert tokens.read_token(tokens.CONFIRM, fresh_confirm) == (public_id, 1)
    # Without the fallback the old ones are refused.
    for purpose, token in ((tokens.MANAGE, link), (tokens.CONFIRM, confirm)):
        with pytest.raises(DomainError):
            tokens.read_token(purpose, token)


def test_the_manage_page_answers_an_old_link_only_with_the_fallback(app: Flask) -> None:
    public_id = _public_id(app)
    app.config.update(SECRET_KEY=OLD, SECRET_KEY_FALLBACKS=[])
    link = tokens.link_token(public_id, 1)
    client = app.test_client()
    app.config.update(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD])
    assert client.get(f"/manage/{link}").status_code == 200
    app.config.update(SECRET_KEY_FALLBACKS=[])
    assert client.get(f"/manage/{link}").status_code == 400


def test_a_sealed_chat_url_opens_under_the_fallback(app: Flask) -> None:
    url = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"
    app.config.update(SECRET_KEY=OLD, SECRET_KEY_FALLBACKS=[])
    sealed = sealing.seal(url)
    app.config.update(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD])
    assert sealing.unseal(sealed) == url


def test_a_console_session_survives_the_rotation_only_with_the_fallback(app: Flask) -> None:
    client = app.test_client()
    app.config.update(SECRET_KEY=OLD, SECRET_KEY_FALLBACKS=[])
    with client.session_transaction() as session:
        session["signed_in_as"] = "lead"
    app.config.update(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD])
    with client.session_transaction() as session:
        assert session.get("signed_in_as") == "lead"
    app.config.update(SECRET_KEY_FALLBACKS=[])
    with client.session_transaction() as session:
        assert "signed_in_as" not in session
