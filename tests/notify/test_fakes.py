"""The fake providers answer like the real APIs and obey their programmed answers."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.fakes.providers import FakeSendGrid, FakeTwilio, FakeWebhookReceiver


def _post(url: str, data: bytes, headers: dict[str, str], timeout: float = 5
          ) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_fake_sendgrid_accepts_mail_and_records_the_json(fake_sendgrid: FakeSendGrid) -> None:
    status, headers, _ = _post(f"{fake_sendgrid.url}/v3/mail/send", b'{"a": 1}',
                               {"Authorization": "Bearer k", "Content-Type": "application/json"})
    assert status == 202
    assert headers["X-Message-Id"]
    assert fake_sendgrid.sends[0].json == {"a": 1}
    assert fake_sendgrid.sends[0].headers["Authorization"] == "Bearer k"


def test_fake_sendgrid_plays_queued_answers_in_order(fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.respond_rate_limited(9)
    fake_sendgrid.respond_with(503)
    auth = {"Authorization": "Bearer k"}
    first = _post(f"{fake_sendgrid.url}/v3/mail/send", b"{}", auth)
    second = _post(f"{fake_sendgrid.url}/v3/mail/send", b"{}", auth)
    third = _post(f"{fake_sendgrid.url}/v3/mail/send", b"{}", auth)
    assert (first[0], first[1]["Retry-After"]) == (429, "9")
    assert second[0] == 503
    assert third[0] == 202


def test_fake_twilio_answers_a_message_resource(fake_twilio: FakeTwilio) -> None:
    form = urllib.parse.urlencode({"To": "+15005550006", "Body": "hi", "From": "+15005550001"})
    status, _, body = _post(f"{fake_twilio.url}/2010-04-01/Accounts/AC1/Messages.json",
                            form.encode(), {"Authorization": "Basic eDp5",
                                            "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 201
    assert re.fullmatch(r"SM[0-9a-f]{32}", json.loads(body)["sid"])
    assert fake_twilio.messages[0].param("To") == "+15005550006"


def test_fake_twilio_returns_programmed_error_codes(fake_twilio: FakeTwilio) -> None:
    fake_twilio.respond_error(21610)
    status, _, body = _post(f"{fake_twilio.url}/2010-04-01/Accounts/AC1/Messages.json",
                            b"To=%2B1", {"Authorization": "Basic eDp5"})
    assert status == 400
    assert json.loads(body)["code"] == 21610


def test_fake_delays_longer_than_a_client_timeout(fake_webhook: FakeWebhookReceiver) -> None:
    fake_webhook.respond_with(200, delay=1.0)
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        _post(fake_webhook.url_for(), b"{}", {}, timeout=0.2)


def test_fake_webhook_records_posts_and_plays_status(fake_webhook: FakeWebhookReceiver) -> None:
    fake_webhook.respond_with(410)
    assert _post(fake_webhook.url_for("/x"), b'{"k": 1}', {"X-A": "b"})[0] == 410
    assert _post(fake_webhook.url_for("/x"), b"{}", {})[0] == 200
    assert fake_webhook.requests[0].json == {"k": 1}
    assert fake_webhook.requests[0].headers["X-A"] == "b"


def test_reset_forgets_requests_and_queue(fake_webhook: FakeWebhookReceiver) -> None:
    fake_webhook.respond_with(500)
    _post(fake_webhook.url_for(), b"{}", {})
    fake_webhook.respond_with(500)
    fake_webhook.reset()
    assert fake_webhook.requests == []
    assert _post(fake_webhook.url_for(), b"{}", {})[0] == 200
