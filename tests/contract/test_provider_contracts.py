"""The channels' real requests, checked by Prism against SendGrid's and Twilio's OpenAPI files."""

from __future__ import annotations

import pytest
from python_http_client.exceptions import HTTPError

from statuspage.notify.base import (
    MANAGE_URL,
    UNSUBSCRIBE_URL,
    DeliveryError,
    EmailContent,
    SmsContent,
)
from statuspage.notify.email import SendGridChannel
from statuspage.notify.sms import TwilioChannel
from tests.contract.conftest import PrismMock
from tests.notify.helpers import TWILIO_SID, recipient, sendgrid_config, twilio_config

pytestmark = pytest.mark.slow

EMAIL = EmailContent(
    subject="[Acme] API errors: Investigating",
    html=f'<p>We are investigating.</p><a href="{UNSUBSCRIBE_URL}">Unsubscribe</a>',
    text=f"We are investigating.\nManage: {MANAGE_URL}\nUnsubscribe: {UNSUBSCRIBE_URL}",
    message_id="<incident-abc-update-def@status.example.com>",
    references=["<incident-abc@status.example.com>"],
)
NUMBER = "+14155552671"


def _sendgrid_violations(channel: SendGridChannel, body: dict[str, object]) -> str:
    """Send the same body directly to read Prism's sl-violations header."""
    try:
        channel.client.send(body)
    except HTTPError as error:
        return str(error.headers.get("sl-violations") or error.body)
    return "(accepted on the second try)"


def test_a_full_batch_matches_the_sendgrid_spec(prism: dict[str, PrismMock]) -> None:
    channel = SendGridChannel.from_config(sendgrid_config(prism["sendgrid"].url))
    recipients = [recipient(n) for n in range(1000)]
    try:
        channel.send_batch(EMAIL, recipients)
    except DeliveryError as error:
        body = channel.build_mail(EMAIL, recipients)
        pytest.fail(f"{error.message}\nviolations: {_sendgrid_violations(channel, body)}")


def test_confirmation_style_mail_without_delivery_id_matches_the_spec(
        prism: dict[str, PrismMock]) -> None:
    channel = SendGridChannel.from_config(sendgrid_config(prism["sendgrid"].url))
    lone = recipient(1)
    lone = type(lone)(**{**lone.__dict__, "delivery_id": None})
    channel.send_batch(EMAIL, [lone])


def test_prism_does_catch_a_malformed_sendgrid_request(prism: dict[str, PrismMock]) -> None:
    # Guards the guard: if Prism stopped validating, the tests above would prove nothing.
    channel = SendGridChannel.from_config(sendgrid_config(prism["sendgrid"].url))
    body = channel.build_mail(EMAIL, [recipient(1)])
    del body["personalizations"][0]["to"]  # every personalization needs `to`
    assert "personalizations" in _sendgrid_violations(channel, body)


def test_an_sms_matches_the_twilio_spec(prism: dict[str, PrismMock]) -> None:
    channel = TwilioChannel.from_config(twilio_config(prism["twilio"].url))
    try:
        sid = channel.send(SmsContent("Acme: API errors - Investigating\nhttps://x.example/i/1"),
                           recipient(1, address=NUMBER))
    except DeliveryError as error:
        response = channel.http_client.last_response
        pytest.fail(f"{error.message}\n{response.text if response is not None else ''}")
    assert sid.startswith("SM")


def test_an_sms_through_a_messaging_service_matches_the_twilio_spec(
        prism: dict[str, PrismMock]) -> None:
    channel = TwilioChannel.from_config(twilio_config(
        prism["twilio"].url, TWILIO_FROM=None, TWILIO_MESSAGING_SERVICE_SID="MG" + "a" * 32))
    assert channel.send(SmsContent("Acme: resolved"), recipient(1, address=NUMBER))


def test_prism_does_catch_a_malformed_twilio_request(prism: dict[str, PrismMock]) -> None:
    channel = TwilioChannel.from_config(twilio_config(prism["twilio"].url))
    response = channel.http_client.request(
        "POST", f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Messages.json",
        data={"Body": "no recipient"}, auth=(TWILIO_SID, "token"))
    assert response.status_code == 422
    assert "To" in response.text
