"""Chat subscribers in the console, the CSV files and the privacy page: named by
their provider and the mask of their URL, never the URL (issue 13)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.core.sealing import unseal
from statuspage.models import Subscriber
from statuspage.models.subscribers import DISCORD, GOOGLE_CHAT, SLACK, TEAMS
from statuspage.notify.chat import check_chat_url, mask_chat_url
from tests.chat_signup_support import chat_subscriber, confirmed_chat_subscriber
from tests.console.conftest import LoginHelper
from tests.console.subscriber_helpers import make_subscriber
from tests.fakes.chat import FakeChat
from tests.subscription_support import reloaded

pytestmark = pytest.mark.usefixtures("errors")


@pytest.fixture(autouse=True)
def _loopback(app: Flask) -> None:
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = True


def _mask(provider: str, url: str) -> str:
    return mask_chat_url(check_chat_url(provider, url, allow_loopback=True))


def _secrets(url: str) -> list[str]:
    """The URL and its credential part, neither of which a page may show."""
    tail = url.split("sig=")[-1] if "sig=" in url else url.split("token=")[-1]
    return [url, url.rsplit("/", 1)[1].split("?")[0], tail]


def test_the_list_and_detail_show_the_provider_and_mask_and_filter_by_chat(
        client: FlaskClient, login: LoginHelper, fake_chat: FakeChat) -> None:
    url = fake_chat.destination_url(DISCORD, "ops")
    subscriber = confirmed_chat_subscriber(client, fake_chat, DISCORD, url)
    make_subscriber("ana@example.com")
    login(client, role="viewer")
    listing = client.get("/console/subscribers").get_data(as_text=True)
    assert f"Discord: {_mask(DISCORD, url)}" in listing and "ana@example.com" in listing
    chats = client.get("/console/subscribers?channel=chat").get_data(as_text=True)
    assert "Discord: " in chats and "ana@example.com" not in chats
    assert "ana@example.com" not in client.get(
        "/console/subscribers?channel=discord").get_data(as_text=True)
    assert "Discord: " not in client.get(
        "/console/subscribers?channel=slack").get_data(as_text=True)
    detail = client.get(f"/console/subscribers/{subscriber.public_id}").get_data(as_text=True)
    assert _mask(DISCORD, url) in detail
    for page in (listing, chats, detail):
        assert not any(secret in page for secret in _secrets(url))


def test_csv_export_has_the_mask_and_an_import_refuses_chat_rows(
        client: FlaskClient, login: LoginHelper, fake_chat: FakeChat) -> None:
    url = fake_chat.destination_url(GOOGLE_CHAT, "ops")
    confirmed_chat_subscriber(client, fake_chat, GOOGLE_CHAT, url)
    login(client, role="admin")
    text = client.get("/console/subscribers/export.csv").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["channel"] == GOOGLE_CHAT and row["address"] == _mask(GOOGLE_CHAT, url)
    assert not any(secret in text for secret in _secrets(url))
    other = fake_chat.destination_url(SLACK, "imported")
    response = client.post("/console/subscribers/import", data={
        "file": (io.BytesIO(f"channel,address\nslack,{other}\n".encode()), "list.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "Chat webhooks cannot be imported from a file" in response.get_data(as_text=True)
    assert len(db.session.execute(select(Subscriber)).scalars().all()) == 1
    assert fake_chat.messages(other) == []


def test_console_add_seals_the_url_and_sends_the_test_message(
        client: FlaskClient, login: LoginHelper, fake_chat: FakeChat) -> None:
    login(client, role="communicator")
    url = fake_chat.destination_url(TEAMS, "support")
    response = client.post("/console/subscribers/new", data={
        "channel": TEAMS, "address": url, "language": "en"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "A confirmation is on its way to Microsoft Teams: " in html
    assert not any(secret in html for secret in _secrets(url))
    subscriber = chat_subscriber(TEAMS, url)
    assert subscriber.consent_source == "console" and subscriber.state == "unconfirmed"
    assert unseal(subscriber.destination) == check_chat_url(TEAMS, url, allow_loopback=True)
    assert len(fake_chat.messages(url)) == 1
    again = client.post("/console/subscribers/new", data={
        "channel": TEAMS, "address": url, "language": "en"})
    assert again.status_code == 422 and "already on the list" in again.get_data(as_text=True)


def test_admin_adds_a_pre_confirmed_chat_destination_sealed_the_same_way(
        client: FlaskClient, login: LoginHelper, fake_chat: FakeChat) -> None:
    login(client, role="admin")
    url = fake_chat.destination_url(SLACK, "partners")
    client.post("/console/subscribers/new", data={
        "channel": SLACK, "address": url, "language": "en", "pre_confirmed": "y",
        "consent_note": "Asked by their ops lead, ticket 42"})
    subscriber = chat_subscriber(SLACK, url)
    assert subscriber.state == "active" and fake_chat.messages(url) == []
    assert unseal(subscriber.destination) == check_chat_url(SLACK, url, allow_loopback=True)


def test_the_privacy_page_finds_a_chat_destination_by_its_url(
        client: FlaskClient, login: LoginHelper, fake_chat: FakeChat) -> None:
    url = fake_chat.destination_url(SLACK, "ops")
    subscriber = confirmed_chat_subscriber(client, fake_chat, SLACK, url)
    login(client, role="admin")
    html = client.post("/console/privacy", data={"address": url}).get_data(as_text=True)
    assert f"Held about Slack: {_mask(SLACK, url)}" in html and "state-active" in html
    assert not any(secret in html for secret in _secrets(url))
    key = f"slack:{subscriber.address}"
    assert f'value="{key}"' in html  # what the export and erase buttons post back
    prefilled = client.get(f"/console/privacy?subscriber={subscriber.public_id}")
    assert f'value="{key}"' in prefilled.get_data(as_text=True)
    document = json.loads(client.post("/console/privacy/export",
                                      data={"address": key}).get_data(as_text=True))
    assert document["subscription"]["address"] == _mask(SLACK, url)
    assert not any(secret in json.dumps(document) for secret in _secrets(url))
    client.post("/console/privacy/erase", data={"address": key, "confirm": "yes"})
    erased = reloaded(subscriber)
    assert erased.erased_at is not None and erased.destination is None
    assert erased.state == "unsubscribed"

