"""TwilioChannel: the real twilio SDK over HTTP against the local fake Twilio."""

from __future__ import annotations

import logging
import re

import pytest

from statuspage.notify.base import DeliveryError, SmsContent
from statuspage.notify.sms import CONNECTIONS, MappedHttpClient, RefusedHost, TwilioChannel
from tests.fakes.providers import FakeTwilio
from tests.notify.helpers import TWILIO_SID, recipient, twilio_config

NUMBER = "+14155552671"
CONTENT = SmsContent(body="Acme: API errors - Investigating\nhttps://status.example.com/i/x")


def _send(fake: FakeTwilio, **overrides: object) -> str:
    channel = TwilioChannel.from_config(twilio_config(fake.url, **overrides))
    return channel.send(CONTENT, recipient(1, address=NUMBER))


def _error(fake: FakeTwilio, **overrides: object) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        _send(fake, **overrides)
    return caught.value


def test_send_creates_a_message_and_returns_its_sid(fake_twilio: FakeTwilio) -> None:
    sid = _send(fake_twilio)
    assert re.fullmatch(r"SM[0-9a-f]{32}", sid)
    [request] = fake_twilio.messages
    assert request.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert request.param("To") == NUMBER
    assert request.param("Body") == CONTENT.body
    assert request.param("From") == "+14155550100"
    assert request.param("MessagingServiceSid") is None
    assert request.param("StatusCallback") == "https://status.example.com/hooks/twilio/status"
    assert request.headers["Authorization"].startswith("Basic ")


def test_a_send_writes_no_sdk_log_lines(fake_twilio: FakeTwilio,
                                        caplog: pytest.LogCaptureFixture) -> None:
    """The SDK logs eight INFO lines a message (URL, headers, answer); the pump sends 100 a
    second, so they would be most of the sms log and a share of its CPU."""
    caplog.set_level(logging.DEBUG)
    _send(fake_twilio)
    assert fake_twilio.messages
    assert [r.getMessage() for r in caplog.records if r.name.startswith("twilio")] == []


def test_a_messaging_service_replaces_the_from_number(fake_twilio: FakeTwilio) -> None:
    _send(fake_twilio, TWILIO_FROM=None, TWILIO_MESSAGING_SERVICE_SID="MG" + "1" * 32)
    [request] = fake_twilio.messages
    assert request.param("MessagingServiceSid") == "MG" + "1" * 32
    assert request.param("From") is None


def test_invalid_number_is_permanent_and_suppresses(fake_twilio: FakeTwilio) -> None:
    fake_twilio.respond_error(21211)
    error = _error(fake_twilio)
    assert (error.permanent, error.code, error.suppress) == (True, "21211", "provider_error")


def test_unsubscribed_recipient_is_permanent_and_suppresses_as_stop(
        fake_twilio: FakeTwilio) -> None:
    fake_twilio.respond_error(21610)
    error = _error(fake_twilio)
    assert (error.permanent, error.code, error.suppress) == (True, "21610", "stop")


def test_429_is_transient_with_retry_after(fake_twilio: FakeTwilio) -> None:
    fake_twilio.respond_with(429, {"code": 20429, "message": "Too Many Requests",
                                   "more_info": "https://www.twilio.com/docs/errors/20429",
                                   "status": 429}, headers={"Retry-After": "12"})
    error = _error(fake_twilio)
    assert (error.permanent, error.retry_after, error.suppress) == (False, 12.0, None)


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_transient(fake_twilio: FakeTwilio, status: int) -> None:
    fake_twilio.respond_with(status, {"code": 20500, "message": "Internal Server Error",
                                      "more_info": "", "status": status})
    error = _error(fake_twilio)
    assert error.permanent is False


def test_a_slow_twilio_times_out_as_a_transient_error(fake_twilio: FakeTwilio) -> None:
    fake_twilio.respond_with(201, delay=1.5)
    error = _error(fake_twilio, TWILIO_TIMEOUT_SECONDS=0.3)
    assert (error.permanent, error.code) == (False, "timeout")


def test_other_client_errors_are_permanent_without_suppression(fake_twilio: FakeTwilio) -> None:
    fake_twilio.respond_error(21606, "The From phone number is not a valid, SMS-capable "
                                     "inbound phone number")
    error = _error(fake_twilio)
    assert (error.permanent, error.code, error.suppress) == (True, "21606", None)


def test_the_host_map_rewrites_twilio_hosts_and_refuses_others() -> None:
    client = MappedHttpClient({"api.twilio.com": "http://127.0.0.1:4011"}, timeout=1)
    assert client.rewrite("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?x=1") \
        == "http://127.0.0.1:4011/2010-04-01/Accounts/AC1/Messages.json?x=1"
    for url in ("https://messaging.twilio.com/v1/Services", "https://api.dublin.ie1.twilio.com/",
                "https://example.com/steal"):
        with pytest.raises(RefusedHost):
            client.request("GET", url)


def test_an_edge_from_the_environment_cannot_reach_an_unmapped_host(
        fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_EDGE", "dublin")
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    # The channel clears edge and region, so the mapped host is used and the fake answers.
    assert _send(fake_twilio).startswith("SM")
    channel = TwilioChannel.from_config(twilio_config(fake_twilio.url))
    channel.client.edge, channel.client.region = "dublin", "ie1"
    with pytest.raises(DeliveryError) as caught:
        channel.send(CONTENT, recipient(1, address=NUMBER))
    assert (caught.value.permanent, caught.value.code) == (True, "refused_host")
    assert len(fake_twilio.messages) == 1


def test_sends_reuse_one_connection_and_ignore_proxy_settings(
    fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A proxy nobody listens on: a client reading the environment would fail every send.
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    channel = TwilioChannel.from_config(twilio_config(fake_twilio.url))

    for n in range(3):
        channel.send(CONTENT, recipient(n, address=NUMBER))

    assert len(fake_twilio.messages) == 3
    manager = channel.http_client.session.get_adapter(fake_twilio.url).poolmanager
    [key] = manager.pools.keys()  # one pool: one host
    pool = manager.pools[key]
    assert (pool.num_connections, pool.num_requests) == (1, 3)
    assert pool.pool.maxsize == CONNECTIONS  # as many as the SMS pump has in flight
