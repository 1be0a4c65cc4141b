"""Abuse limits on the sign-up pages: per IP, per address, per SMS prefix, the daily SMS budget.

The limiter is one global object bound to the app built last, so each test builds its
rate-limited app after everything else and sends every request through that app.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from limits.storage import MemoryStorage
from werkzeug.test import TestResponse

from statuspage.core.extensions import db, limiter
from statuspage.page.record import get_page
from statuspage.subscriptions import subscribe as subscriptions
from tests.conftest import make_app
from tests.fakes.chat import FakeChat
from tests.subscription_support import (
    GB_MOBILE,
    US_MOBILE,
    link_in,
    outbox,
    path_of,
)


def limited(database_url: str, **limits: str) -> FlaskClient:
    return make_app(database_url, RATELIMIT_ENABLED=True, **limits).test_client()


def signup(client: FlaskClient, channel: str, address: str,
           ip: str = "203.0.113.5") -> TestResponse:
    return client.post("/subscribe", data={"channel": channel, "address": address},
                       environ_base={"REMOTE_ADDR": ip})


def assert_refused(response: TestResponse, message: str, typed: str | None = None) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 429, html
    assert message in html
    assert int(response.headers["Retry-After"]) >= 1
    if typed is not None:
        assert f'value="{typed}"' in html


def test_signups_are_limited_per_client_address(app: Flask, database_url: str) -> None:
    client = limited(database_url, SUBSCRIBE_RATE_LIMIT_IP="2 per hour")
    assert signup(client, "email", "a@example.com", ip="10.0.0.1").status_code == 303
    assert signup(client, "email", "b@example.com", ip="10.0.0.1").status_code == 303
    assert_refused(signup(client, "email", "c@example.com", ip="10.0.0.1"),
                   "Too many requests from your network", typed="c@example.com")
    assert subscriptions.find_subscriber("email", "c@example.com") is None
    assert signup(client, "email", "c@example.com", ip="10.0.0.2").status_code == 303


def test_signups_are_limited_per_subscriber_address(app: Flask, database_url: str) -> None:
    client = limited(database_url, SUBSCRIBE_RATE_LIMIT_ADDRESS="2 per hour")
    assert signup(client, "email", "victim@example.com", ip="10.0.0.1").status_code == 303
    assert signup(client, "email", "VICTIM@example.com ", ip="10.0.0.2").status_code == 303
    assert_refused(signup(client, "email", "Victim@Example.com", ip="10.0.0.3"),
                   "Too many requests for this address")
    assert len(outbox("email", "victim@example.com")) == 2  # no mail bombing
    # Written differently, a number is still the same number.
    assert signup(client, "sms", "(415) 555-2671", ip="10.0.0.4").status_code == 303
    assert signup(client, "sms", US_MOBILE, ip="10.0.0.5").status_code == 303
    assert_refused(signup(client, "sms", "415.555.2671", ip="10.0.0.6"),
                   "Too many requests for this address", typed="415.555.2671")
    assert len(outbox("sms", US_MOBILE)) == 2


def test_sms_signups_are_limited_per_number_prefix(app: Flask, database_url: str) -> None:
    client = limited(database_url, SUBSCRIBE_RATE_LIMIT_PREFIX="2 per hour")
    assert signup(client, "sms", "+1 415 555 2671", ip="10.0.0.1").status_code == 303
    assert signup(client, "sms", "+1 415 555 2672", ip="10.0.0.2").status_code == 303
    assert_refused(signup(client, "sms", "+1 415 555 2673", ip="10.0.0.3"),
                   "Too many sign-ups for numbers like this one", typed="+1 415 555 2673")
    assert signup(client, "sms", GB_MOBILE, ip="10.0.0.4").status_code == 303
    # Email sign-ups do not spend from any number range.
    for n in range(3):
        assert signup(client, "email", f"p{n}@example.com", ip=f"10.0.1.{n}").status_code == 303


def test_new_code_requests_share_the_number_allowance(app: Flask, database_url: str) -> None:
    client = limited(database_url, SUBSCRIBE_RATE_LIMIT_ADDRESS="2 per hour")
    code_page = signup(client, "sms", US_MOBILE, ip="10.0.0.1").headers["Location"]
    assert client.post(f"{code_page}/resend",
                       environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 303
    refused = client.post(f"{code_page}/resend", environ_base={"REMOTE_ADDR": "10.0.0.3"})
    assert_refused(refused, "Too many requests for this address")
    assert "Enter your code" in refused.get_data(as_text=True)
    assert len(outbox("sms", US_MOBILE)) == 2


def test_daily_sms_budget_refuses_with_429_on_the_form(app: Flask,
                                                       database_url: str) -> None:
    page = get_page()
    page.sms_daily_signup_budget = 1
    db.session.commit()
    client = limited(database_url)
    assert signup(client, "sms", US_MOBILE, ip="10.0.0.1").status_code == 303
    response = signup(client, "sms", "+44 7400 123456", ip="10.0.0.2")
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Text message sign-ups are paused for today" in html
    assert 'value="+44 7400 123456"' in html
    assert subscriptions.find_subscriber("sms", GB_MOBILE) is None
    # The budget is in the database: another web process would refuse too.
    other = limited(database_url)
    assert signup(other, "sms", "+47 406 12 345", ip="10.0.0.3").status_code == 429
    assert signup(other, "email", "ana@example.com", ip="10.0.0.3").status_code == 303


def test_confirmations_are_limited_per_client_address(app: Flask, database_url: str) -> None:
    subscriptions.subscribe("email", "ana@example.com", [], "en", None)
    path = path_of(link_in(outbox("email")[0].body, "/subscribe/confirm/"))
    client = limited(database_url, CONFIRM_RATE_LIMIT_IP="2 per hour")
    for _ in range(2):
        assert client.post(path, environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 303
    response = client.post(path, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.status_code == 429
    assert "Too many requests from your network" in response.get_data(as_text=True)


def test_code_entry_is_limited_per_subscriber(app: Flask, database_url: str) -> None:
    client = limited(database_url, CODE_RATE_LIMIT_SUBSCRIBER="2 per hour")
    code_page = signup(client, "sms", US_MOBILE, ip="10.0.0.1").headers["Location"]
    for n in range(2):
        response = client.post(code_page, data={"code": "12345"},
                               environ_base={"REMOTE_ADDR": f"10.0.2.{n}"})
        assert response.status_code == 400
    refused = client.post(code_page, data={"code": "123456"},
                          environ_base={"REMOTE_ADDR": "10.0.2.9"})
    assert_refused(refused, "Too many tries for this code", typed="123456")


def test_chat_signups_are_limited_per_destination_keyed_by_its_fingerprint(
        app: Flask, database_url: str, fake_chat: FakeChat) -> None:
    client = limited(database_url, SUBSCRIBE_RATE_LIMIT_ADDRESS="2 per hour",
                     WEBHOOK_ALLOW_LOOPBACK=True)
    url = fake_chat.destination_url("teams", "victim")
    for n in range(2):
        response = client.post("/subscribe", data={"channel": "chat", "address": url},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
        assert response.status_code == 303
    refused = client.post("/subscribe", data={"channel": "chat", "address": url,
                                              "provider": "teams"},
                          environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert_refused(refused, "Too many requests for this address")
    assert 'name="channel" value="chat"' in refused.get_data(as_text=True)
    assert len(fake_chat.messages(url)) == 2  # no flooding of the channel
    storage = limiter.storage
    assert isinstance(storage, MemoryStorage)
    keys = " ".join([*storage.storage, *storage.events])  # (fixed and moving windows)
    assert re.search(r"/teams:[0-9a-f]{64}/subscribe-address/", keys)  # the fingerprint
    assert url.rsplit("sig=", 1)[1] not in keys and "/workflows/" not in keys
