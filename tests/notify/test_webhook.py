"""HttpWebhookChannel: signed JSON POSTs, outcomes, and the SSRF guard."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time

import pytest
import requests

from statuspage.core.errors import DomainError
from statuspage.notify import webhook_guard
from statuspage.notify.base import DeliveryError, WebhookContent
from statuspage.notify.webhook import HttpWebhookChannel, check_webhook_url, verify_signature
from tests.fakes.providers import FakeWebhookReceiver
from tests.notify.helpers import recipient

SECRET = "whsec_test_secret"
PAYLOAD = WebhookContent(payload={"incident": {"name": "Café “down”", "status": "identified"}})


def _channel(allow_loopback: bool = True, timeout: float = 2.0) -> HttpWebhookChannel:
    return HttpWebhookChannel.from_config({
        "WEBHOOK_TIMEOUT_SECONDS": timeout, "WEBHOOK_ALLOW_LOOPBACK": allow_loopback,
        "PUBLIC_BASE_URL": "https://status.example.com"})


def _send(fake: FakeWebhookReceiver, **kwargs: object) -> str:
    return _channel(**kwargs).send(PAYLOAD, recipient(1, fake.url_for("/hook"), SECRET))


def _error(fake: FakeWebhookReceiver, **kwargs: object) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        _send(fake, **kwargs)
    return caught.value


def test_posts_json_with_a_signature_the_documented_scheme_verifies(
        fake_webhook: FakeWebhookReceiver) -> None:
    message_id = _send(fake_webhook)
    [request] = fake_webhook.requests
    assert request.method == "POST" and request.path == "/hook"
    assert request.json == PAYLOAD.payload
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("statuspage-webhooks/")
    assert request.headers["X-Statuspage-Message-Id"] == message_id
    timestamp = request.headers["X-Statuspage-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    # The scheme as the module docstring tells receivers, computed independently here.
    expected = "sha256=" + hmac.new(SECRET.encode(), f"{timestamp}.".encode() + request.body,
                                    hashlib.sha256).hexdigest()
    assert request.headers["X-Statuspage-Signature"] == expected
    assert verify_signature(SECRET, timestamp, request.body, expected)


def test_signature_fails_for_a_changed_body_a_wrong_secret_or_a_stale_timestamp(
        fake_webhook: FakeWebhookReceiver) -> None:
    _send(fake_webhook)
    [request] = fake_webhook.requests
    ts, signature = request.headers["X-Statuspage-Timestamp"], request.headers[
        "X-Statuspage-Signature"]
    tampered = json.dumps({**request.json, "x": 1}).encode()
    assert not verify_signature(SECRET, ts, tampered, signature)
    assert not verify_signature("other", ts, request.body, signature)
    assert not verify_signature(SECRET, ts, request.body, signature, now=int(ts) + 3600)


def test_a_subscriber_without_a_secret_gets_no_signature(
        fake_webhook: FakeWebhookReceiver) -> None:
    _channel().send(PAYLOAD, recipient(1, fake_webhook.url_for("/hook")))
    assert "X-Statuspage-Signature" not in fake_webhook.requests[0].headers


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_any_2xx_is_success(fake_webhook: FakeWebhookReceiver, status: int) -> None:
    fake_webhook.respond_with(status)
    assert _send(fake_webhook)


def test_a_redirect_is_not_followed_and_fails_permanently(
        fake_webhook: FakeWebhookReceiver) -> None:
    fake_webhook.respond_with(302, headers={"Location": fake_webhook.url_for("/elsewhere")})
    error = _error(fake_webhook)
    assert (error.permanent, error.code) == (True, "302")
    assert [r.path for r in fake_webhook.requests] == ["/hook"]


def test_410_gone_is_permanent_and_suppresses(fake_webhook: FakeWebhookReceiver) -> None:
    fake_webhook.respond_with(410)
    error = _error(fake_webhook)
    assert (error.permanent, error.suppress) == (True, "provider_error")


def test_other_4xx_are_permanent_without_suppression(fake_webhook: FakeWebhookReceiver) -> None:
    fake_webhook.respond_with(404)
    error = _error(fake_webhook)
    assert (error.permanent, error.code, error.suppress) == (True, "404", None)


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_rate_limits_and_server_errors_are_transient(
        fake_webhook: FakeWebhookReceiver, status: int) -> None:
    fake_webhook.respond_with(status, headers={"Retry-After": "30"})
    error = _error(fake_webhook)
    assert (error.permanent, error.retry_after) == (False, 30.0)


def test_a_slow_endpoint_times_out_as_a_transient_error(
        fake_webhook: FakeWebhookReceiver) -> None:
    fake_webhook.respond_with(200, delay=1.5)
    error = _error(fake_webhook, timeout=0.3)
    assert (error.permanent, error.code) == (False, "timeout")


def test_loopback_is_refused_unless_allowed(fake_webhook: FakeWebhookReceiver) -> None:
    error = _error(fake_webhook, allow_loopback=False)
    assert (error.permanent, error.code) == (True, "refused_url")
    assert fake_webhook.requests == []


def _dns(monkeypatch: pytest.MonkeyPatch, answer: str) -> None:
    """Make every host name resolve to `answer`, as a hostile DNS server could."""
    monkeypatch.setattr(webhook_guard, "resolve",
                        lambda host, port: [ipaddress.ip_address(answer)])


def test_the_connection_guard_refuses_a_name_re_pointed_at_loopback(
        fake_webhook: FakeWebhookReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    # The URL passed the subscribe-time check; at send time its name resolves to 127.0.0.1
    # (DNS rebinding). Only the connect-time guard sees that answer.
    _dns(monkeypatch, "127.0.0.1")
    url = f"https://hooks.example.com:{fake_webhook.port}/hook"
    with pytest.raises(DeliveryError) as caught:
        _channel(allow_loopback=False).send(PAYLOAD, recipient(1, url, SECRET))
    assert (caught.value.permanent, caught.value.code) == (True, "refused_url")
    assert fake_webhook.requests == []


def test_the_connection_guard_connects_to_the_address_it_checked(
        fake_webhook: FakeWebhookReceiver, monkeypatch: pytest.MonkeyPatch) -> None:
    # hooks.example.com has no address here; the request only arrives because the socket goes
    # to the address the guard resolved and checked, not to a second, unchecked lookup.
    _dns(monkeypatch, "127.0.0.1")
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", webhook_guard.GuardedAdapter(allow_loopback=True))
    response = session.post(f"http://hooks.example.com:{fake_webhook.port}/hook", data=b"{}",
                            timeout=2)
    assert response.status_code == 200
    assert fake_webhook.requests[0].headers["Host"] == f"hooks.example.com:{fake_webhook.port}"


@pytest.mark.parametrize("url", [
    "http://hooks.example.com/x",             # not https
    "https://127.0.0.1/x",                    # loopback
    "https://[::1]/x",
    "https://10.1.2.3/x",                     # private
    "https://192.168.0.10/x",
    "https://172.16.5.4/x",
    "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
    "https://[fe80::1]/x",
    "https://0.0.0.0/x",
    "https://100.64.0.1/x",                   # carrier-grade NAT
    "https://[::ffff:127.0.0.1]/x",           # IPv4-mapped loopback
    "https://localhost/x",
    "https://user:pass@hooks.example.com/x",  # credentials in the URL
    "ftp://hooks.example.com/x",
    "not a url",
])
def test_check_webhook_url_refuses_unsafe_urls(url: str) -> None:
    with pytest.raises(DomainError) as caught:
        check_webhook_url(url, allow_loopback=False, resolve_host=False)
    assert caught.value.field == "address"


@pytest.mark.parametrize("answer", ["10.0.0.7", "169.254.169.254", "127.0.0.1"])
def test_check_webhook_url_resolves_names_and_refuses_private_answers(
        monkeypatch: pytest.MonkeyPatch, answer: str) -> None:
    _dns(monkeypatch, answer)
    with pytest.raises(DomainError, match="public address"):
        check_webhook_url("https://hooks.example.com/hook", allow_loopback=False)


def test_check_webhook_url_accepts_a_name_with_public_answers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _dns(monkeypatch, "93.184.215.14")
    assert check_webhook_url("https://hooks.example.com/hook", False) == (
        "https://hooks.example.com/hook")


def test_check_webhook_url_refuses_a_name_that_does_not_resolve(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(host: str, port: int) -> list[object]:
        raise socket.gaierror("no such host")

    monkeypatch.setattr(webhook_guard, "resolve", fail)
    with pytest.raises(DomainError, match="could not find"):
        check_webhook_url("https://nowhere.example.com/hook", False)


def test_check_webhook_url_normalises_public_https_urls() -> None:
    assert check_webhook_url("  HTTPS://Hooks.Example.COM:443/a/b?x=1#frag ", False,
                             resolve_host=False) == "https://hooks.example.com/a/b?x=1"
    assert check_webhook_url("https://8.8.8.8:8443", False) == "https://8.8.8.8:8443/"
    assert check_webhook_url("https://bücher.example/h", False, resolve_host=False) == (
        "https://xn--bcher-kva.example/h")


def test_allow_loopback_admits_loopback_http_only() -> None:
    assert check_webhook_url("http://127.0.0.1:5000/h", True) == "http://127.0.0.1:5000/h"
    assert check_webhook_url("http://localhost:5000/h", True, resolve_host=False) == (
        "http://localhost:5000/h")
    with pytest.raises(DomainError):
        check_webhook_url("http://hooks.example.com/h", True, resolve_host=False)
    with pytest.raises(DomainError):
        check_webhook_url("https://10.0.0.1/h", True)
