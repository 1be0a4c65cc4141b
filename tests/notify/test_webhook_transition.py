"""The webhook SSRF guard sees through IPv6 forms that carry an IPv4 address (issue 10, item 6).

A NAT64 gateway, a 6to4 relay or the host's own stack turns 64:ff9b::a9fe:a9fe into a
connection to 169.254.169.254, so each form is judged by the IPv4 address it embeds: at
subscribe time (`check_webhook_url`, the public form) and at connect time (the adapter).
"""

from __future__ import annotations

import ipaddress
import socket

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.core.errors import DomainError
from statuspage.models import Subscriber
from statuspage.notify import webhook_guard
from statuspage.notify.base import DeliveryError, WebhookContent
from statuspage.notify.webhook import HttpWebhookChannel, check_webhook_url
from tests.notify.helpers import recipient

FORMS = {
    "nat64": "64:ff9b::{v4}",
    "nat64-local-use": "64:ff9b:1::{v4}",
    "6to4": "2002:{hi}:{lo}::1",
    "ipv4-compatible": "::{v4}",
    "ipv4-mapped": "::ffff:{v4}",
    "ipv4-translated": "::ffff:0:{v4}",
}
PRIVATE = ["10.0.0.1", "127.0.0.1", "169.254.169.254", "192.168.1.20"]
PUBLIC = "93.184.215.14"


def embed(form: str, v4: str) -> str:
    """The IPv6 address of `form` carrying `v4`, in canonical text."""
    packed = int(ipaddress.IPv4Address(v4))
    text = FORMS[form].format(v4=v4, hi=f"{packed >> 16:x}", lo=f"{packed & 0xFFFF:x}")
    return str(ipaddress.IPv6Address(text))


CASES = [(form, v4) for form in FORMS for v4 in PRIVATE]
IDS = [f"{form}-{v4}" for form, v4 in CASES]


@pytest.mark.parametrize(("form", "v4"), CASES, ids=IDS)
def test_a_literal_embedding_a_private_address_is_refused_at_subscribe_time(
        form: str, v4: str) -> None:
    with pytest.raises(DomainError, match="public address") as caught:
        check_webhook_url(f"https://[{embed(form, v4)}]/hook", allow_loopback=False,
                          resolve_host=False)
    assert caught.value.field == "address"


@pytest.mark.parametrize(("form", "v4"), CASES, ids=IDS)
def test_a_name_resolving_to_a_private_embedding_is_refused_at_subscribe_time(
        monkeypatch: pytest.MonkeyPatch, form: str, v4: str) -> None:
    answer = ipaddress.ip_address(embed(form, v4))
    monkeypatch.setattr(webhook_guard, "resolve", lambda host, port: [answer])
    with pytest.raises(DomainError, match="public address"):
        check_webhook_url("https://hooks.example.com/hook", allow_loopback=False)


@pytest.mark.parametrize(("form", "v4"), CASES, ids=IDS)
def test_the_connection_guard_refuses_a_private_embedding(
        monkeypatch: pytest.MonkeyPatch, form: str, v4: str) -> None:
    # The name passed at subscribe time; at send time DNS answers with the transition form.
    answer = ipaddress.ip_address(embed(form, v4))
    monkeypatch.setattr(webhook_guard, "resolve", lambda host, port: [answer])
    connected: list[object] = []
    monkeypatch.setattr(webhook_guard.urllib3_connection, "create_connection",
                        lambda *args, **kwargs: connected.append(args) or _refuse())
    channel = HttpWebhookChannel.from_config({"WEBHOOK_TIMEOUT_SECONDS": 1,
                                              "WEBHOOK_ALLOW_LOOPBACK": False})
    with pytest.raises(DeliveryError) as caught:
        channel.send(WebhookContent(payload={}),
                     recipient(1, "https://hooks.example.com/hook", "s"))
    assert (caught.value.permanent, caught.value.code) == (True, "refused_url")
    assert connected == []


def _refuse() -> socket.socket:
    raise OSError("no traffic leaves this machine in tests")


@pytest.mark.parametrize("form", list(FORMS))
def test_a_public_embedding_is_allowed_at_both_checks(
        monkeypatch: pytest.MonkeyPatch, form: str) -> None:
    address = embed(form, PUBLIC)
    assert check_webhook_url(f"https://[{address}]/hook", False) == f"https://[{address}]/hook"
    # At connect time the guard lets the socket go to exactly that address (stopped here, so
    # nothing leaves the machine).
    monkeypatch.setattr(webhook_guard, "resolve",
                        lambda host, port: [ipaddress.ip_address(address)])
    connected: list[tuple[str, int]] = []

    def record(target: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        connected.append(target)
        raise OSError("stopped before connecting")

    monkeypatch.setattr(webhook_guard.urllib3_connection, "create_connection", record)
    channel = HttpWebhookChannel.from_config({"WEBHOOK_TIMEOUT_SECONDS": 1,
                                              "WEBHOOK_ALLOW_LOOPBACK": False})
    with pytest.raises(DeliveryError) as caught:
        channel.send(WebhookContent(payload={}),
                     recipient(1, "https://hooks.example.com/hook", "s"))
    assert caught.value.code == "connection"
    assert connected == [(address, 443)]


@pytest.mark.parametrize("address", [
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",   # Teredo, client 10.0.0.1
    "2001:0:4136:e378:8000:63bf:80f7:f7f7",   # Teredo, client 127.8.8.8
    "64:ff9b:1:a00:0:100::",                  # local-use NAT64, /48 layout: 10.0.0.1
    "::ffff:0:a9fe:a9fe",                     # IPv4-translated metadata address
])
def test_other_carriers_of_private_addresses_are_refused(address: str) -> None:
    assert not webhook_guard.address_allowed(ipaddress.ip_address(address), False)
    assert not webhook_guard.address_allowed(ipaddress.ip_address(address), True)


def test_loopback_embeddings_follow_webhook_allow_loopback() -> None:
    for form in FORMS:
        address = ipaddress.ip_address(embed(form, "127.0.0.1"))
        assert webhook_guard.address_allowed(address, True), form
        assert not webhook_guard.address_allowed(address, False), form
    assert webhook_guard.address_allowed(ipaddress.ip_address("::1"), True)
    assert not webhook_guard.address_allowed(ipaddress.ip_address("::"), True)


def test_the_public_form_refuses_a_nat64_metadata_url(app: Flask, client: FlaskClient) -> None:
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = False
    url = f"https://[{embed('nat64', '169.254.169.254')}]/latest/meta-data"
    response = client.post("/subscribe", data={"channel": "webhook", "address": url},
                           environ_base={"REMOTE_ADDR": "203.0.113.5"})
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 422), html
    assert "public address" in html
    assert Subscriber.query.count() == 0
