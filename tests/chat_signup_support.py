"""Helpers for the public chat subscription tests: sign up on /subscribe, find the row by the
URL's fingerprint, pull the confirmation link out of the test message."""

from __future__ import annotations

import json
import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from statuspage.models import Subscriber
from statuspage.notify import addresses
from statuspage.subscriptions import subscribe as subscriptions
from tests.fakes.chat import FakeChat
from tests.subscription_support import path_of, reloaded

_CONFIRM = re.compile(r"https?://[^\s\"'<>|)\]]+/subscribe/confirm/[A-Za-z0-9._-]+")


def chat_signup(client: FlaskClient, url: str, components: tuple[int, ...] = (),
                provider: str = "", ip: str = "203.0.113.5") -> TestResponse:
    """POST the subscribe form's chat choice."""
    return client.post("/subscribe", data={
        "channel": "chat", "address": url, "provider": provider,
        "components": [str(c) for c in components]}, environ_base={"REMOTE_ADDR": ip})


def chat_subscriber(provider: str, url: str) -> Subscriber:
    """The public subscriber of a chat destination, found as sign-up finds it."""
    found = subscriptions.known_subscriber(provider, addresses.chat_address(provider, url, True))
    assert found is not None, f"no {provider} subscriber"
    return reloaded(found)


def confirm_link(payload: Any) -> str:
    """The confirmation link in a chat message (any provider's format)."""
    match = _CONFIRM.search(json.dumps(payload))
    assert match, f"no confirmation link in {payload!r}"
    return match.group(0)


def confirmed_chat_subscriber(client: FlaskClient, fake: FakeChat, provider: str, url: str,
                              components: tuple[int, ...] = ()) -> Subscriber:
    """Sign the destination up and click the link in the message it got."""
    assert chat_signup(client, url, components).status_code == 303
    link = confirm_link(fake.messages(url)[-1].payload)
    assert client.post(path_of(link)).status_code == 303
    subscriber = chat_subscriber(provider, url)
    assert subscriber.state == "active"
    return subscriber
