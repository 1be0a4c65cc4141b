"""The dev outbox: what the log backend recorded, newest first, its HTML never live."""

from __future__ import annotations

import re
from html import unescape

from flask import Flask
from flask.testing import FlaskClient

from statuspage.notify.base import MANAGE_URL, EmailContent, Recipient, SmsContent
from statuspage.notify.log import LogEmailChannel, LogSmsChannel
from tests.console.conftest import LoginHelper

EVIL = '<p>Hello</p><script>alert("pwned")</script><img src=x onerror="alert(1)">'


def _recipient(address: str) -> Recipient:
    return Recipient(delivery_id=None, subscriber_id=1, address=address, language="en",
                     manage_url="https://status.example.com/manage/t0k3n",
                     unsubscribe_url="https://status.example.com/unsubscribe/t0k3n")


def _send_email(subject: str = "Outage <b>now</b>") -> None:
    content = EmailContent(subject=subject, html=EVIL + f'<a href="{MANAGE_URL}">Manage</a>',
                           text=f"Hello <script>alert(2)</script>\nManage: {MANAGE_URL}",
                           message_id="<m1@status.example.com>")
    LogEmailChannel().send_batch(content, [_recipient("ann@example.com")])


def test_outbox_lists_log_backend_messages_newest_first(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="communicator")  # viewers get the personal links redacted
    _send_email()
    LogSmsChannel().send(SmsContent("Acme: API is down. Reply STOP to opt out."),
                         _recipient("+14155550100"))
    html = client.get("/console/outbox").get_data(as_text=True)
    assert "no provider credentials are configured" in html.lower()
    assert html.index("+14155550100") < html.index("ann@example.com")  # newest first
    assert "Reply STOP to opt out." in html
    # The per-recipient links were filled in, as they would be when sent.
    assert "https://status.example.com/manage/t0k3n" in unescape(html)
    assert "List-Unsubscribe" in html


def test_outbox_html_is_sandboxed_and_scripts_are_inert(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="viewer")
    _send_email()
    html = client.get("/console/outbox").get_data(as_text=True)
    # Nothing from the message is live markup in the console page itself.
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>now</b>" not in html and "Outage &lt;b&gt;now&lt;/b&gt;" in html
    # The HTML part is shown only inside a sandboxed iframe (no scripts, no same origin).
    iframe = re.search(r"<iframe[^>]*>", html).group(0)
    assert 'sandbox=""' in iframe
    srcdoc = re.search(r'srcdoc="([^"]*)"', iframe).group(1)
    assert "&lt;script&gt;" in srcdoc
    assert unescape(srcdoc).startswith(EVIL)


def test_outbox_pages_and_says_when_providers_are_configured(
    app: Flask, client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="viewer")
    for n in range(30):
        LogSmsChannel().send(SmsContent(f"message {n:02d}"), _recipient("+14155550100"))
    first = client.get("/console/outbox").get_data(as_text=True)
    assert "message 29" in first and "message 04" not in first
    assert "Page 1 of 2" in first
    assert "message 00" in client.get("/console/outbox?page=2").get_data(as_text=True)

    app.config.update(SENDGRID_API_KEY="SG.test", TWILIO_ACCOUNT_SID="AC1",
                      TWILIO_AUTH_TOKEN="secret")
    html = client.get("/console/outbox").get_data(as_text=True)
    assert "no provider credentials are configured" not in html.lower()
    assert "sent for real" in html


def test_anonymous_visitors_cannot_read_the_outbox(client: FlaskClient) -> None:
    _send_email()
    response = client.get("/console/outbox")
    assert response.status_code == 302
    assert "ann@example.com" not in response.get_data(as_text=True)
