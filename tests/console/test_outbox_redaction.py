"""A viewer never sees a recipient's live manage, unsubscribe, confirm or internal link in the
dev outbox; communicators and admins (who edit subscribers anyway) see the message whole."""

from __future__ import annotations

from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.notify.base import MANAGE_URL, UNSUBSCRIBE_URL, EmailContent, Recipient, SmsContent
from statuspage.notify.log import LogEmailChannel, LogSmsChannel
from tests.console.conftest import LoginHelper
from tests.subscription_support import US_MOBILE, last_code

BASE = "https://status.example.com"
TOKENS = {
    "manage": "m4nage.T0k-en_1",
    "unsubscribe": "uNsub.t0ken-2",
    "confirm": "c0nfirm.T0ken_3",
    "internal": "1nternal.t0k3n-4",
}


def _send() -> None:
    recipient = Recipient(delivery_id=None, subscriber_id=1, address="ann@example.com",
                          language="en", manage_url=f"{BASE}/manage/{TOKENS['manage']}",
                          unsubscribe_url=f"{BASE}/unsubscribe/{TOKENS['unsubscribe']}")
    confirm = f"{BASE}/subscribe/confirm/{TOKENS['confirm']}"
    internal = f"{BASE}/internal/{TOKENS['internal']}"
    content = EmailContent(
        subject="Outage",
        html=(f'<p><a href="{confirm}">Confirm</a> <a href="{internal}">Incident</a> '
              f'<a href="{MANAGE_URL}">Manage</a> <a href="{UNSUBSCRIBE_URL}">Stop</a></p>'),
        text=f"Confirm: {confirm}\nIncident: {internal}\nManage: {MANAGE_URL}",
        message_id="<m1@status.example.com>")
    LogEmailChannel().send_batch(content, [recipient])
    LogSmsChannel().send(SmsContent(f"Acme: API down. Manage: {MANAGE_URL}"), recipient)


def test_a_viewer_sees_no_live_personal_links(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="viewer")
    _send()
    html = unescape(client.get("/console/outbox").get_data(as_text=True))
    for token in TOKENS.values():
        assert token not in html
    for path in ("/manage/", "/unsubscribe/", "/subscribe/confirm/", "/internal/"):
        assert f"{BASE}{path}REDACTED" in html
    assert "ann@example.com" in html and "API down" in html  # the rest is shown
    assert "hidden from viewers" in html


@pytest.mark.parametrize("role", ["communicator", "admin"])
def test_editors_see_the_message_as_sent(
    client: FlaskClient, login: LoginHelper, role: str
) -> None:
    login(client, role=role)
    _send()
    html = unescape(client.get("/console/outbox").get_data(as_text=True))
    for token in TOKENS.values():
        assert token in html
    assert "REDACTED" not in html


@pytest.mark.parametrize("role,hidden", [("viewer", True), ("communicator", False)])
def test_an_sms_confirmation_code_is_hidden_from_viewers(
    app: Flask, client: FlaskClient, login: LoginHelper, role: str, hidden: bool
) -> None:
    visitor = app.test_client()
    signed_up = visitor.post("/subscribe", data={"channel": "sms", "address": "(415) 555-2671"})
    assert signed_up.status_code == 303
    code = last_code(US_MOBILE)
    login(client, role=role)
    html = client.get("/console/outbox").get_data(as_text=True)
    assert "confirmation code is" in html
    assert (code not in html) is hidden
    assert ("confirmation code is REDACTED" in html) is hidden
    # And the code still works for the person who has the phone.
    confirmed = visitor.post(signed_up.headers["Location"], data={"code": code})
    assert confirmed.status_code == 303
