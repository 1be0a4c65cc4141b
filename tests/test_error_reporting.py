"""Error reporting end to end: the real SDK sends over HTTP to a local Sentry-compatible
receiver (tests/fakes/sentry.py), and what arrives names the error but no one's data."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import sentry_sdk
from flask import Flask

from statuspage.core import error_reporting, tokens
from statuspage.core.extensions import db
from statuspage.delivery import confirmations
from statuspage.public import subscribe_manage_views
from statuspage.tasks import subscriptions as subscription_tasks
from tests.conftest import make_app
from tests.fakes.sentry import FakeSentry

EMAIL = "alice.smith+status@example.com"
PHONES = ("+47 912 34 567", "+4791234567", "(555) 123-4567")
API_TOKEN = "sp_Zq3v_k9Lr0XyPm2Wn8Ht5Bc1Dg7Fj4As6Qe0Ru9Ti3Oy"
COOKIE = "eyJzaWQiOiJzZWNyZXQtc2Vzc2lvbiJ9.aBcDeF.sessionSignatureValue0123"


class SubscriberLookupError(RuntimeError):
    pass


class ProviderRefusedError(RuntimeError):
    pass


def _personal(token: str) -> list[str]:
    return [EMAIL, "alice.smith", quote(EMAIL), "91234567", "912 34 567", "123-4567", token,
            token.rsplit(".", 1)[1], API_TOKEN, COOKIE, "sessionSignatureValue"]


def _reported(events: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    matching = [e for e in events
                if any(v.get("type") == kind for v in e.get("exception", {}).get("values", []))]
    assert matching, f"no {kind} event among {[e.get('exception') for e in events]}"
    return matching[0]


def _app(database_url: str, **config: Any) -> Flask:
    # As in production: an unhandled error becomes the 500 page, not a test-client exception.
    return make_app(database_url, PROPAGATE_EXCEPTIONS=False, **config)


def test_without_a_dsn_nothing_is_initialised(database_url: str, _schema: None,
                                              monkeypatch: Any) -> None:
    app = _app(database_url)
    monkeypatch.setattr(subscribe_manage_views, "token_subscriber", _raise_lookup_error)
    assert app.test_client().get("/manage/abc.1.x").status_code == 500
    assert not sentry_sdk.get_client().is_active()


def test_a_route_error_arrives_named_and_without_personal_data(
        database_url: str, _schema: None, fake_sentry: FakeSentry, monkeypatch: Any) -> None:
    app = _app(database_url, SENTRY_DSN=fake_sentry.dsn)
    with app.app_context():
        token = tokens.link_token("abcdefghijkl", 2)
    monkeypatch.setattr(subscribe_manage_views, "token_subscriber", _raise_lookup_error)

    response = app.test_client().post(
        f"/manage/{token}?email={quote(EMAIL)}&phone={quote(PHONES[0])}&token={token}",
        data={"email": EMAIL, "phone": PHONES[1]},
        headers={"Authorization": f"Bearer {API_TOKEN}", "Cookie": f"session={COOKIE}",
                 "Referer": f"https://status.example.com/manage/{token}?email={EMAIL}",
                 "X-Request-ID": "req-42", "X-Contact": PHONES[2]})
    sentry_sdk.flush(timeout=5)

    assert response.status_code == 500
    event = _reported(fake_sentry.wait_for_events(), "SubscriberLookupError")
    assert event["exception"]["values"][-1]["value"] == \
        "no subscriber [email] ([phone], [phone]) for link [token]"
    assert event["request"]["url"] == "http://localhost/manage/[token]"
    assert event["request"]["method"] == "POST"
    assert event["tags"]["request_id"] == "req-42"
    crumbs = [c.get("message") for c in event["breadcrumbs"]["values"]]
    assert "looking up [email] at [phone]" in crumbs
    raw = b"".join(envelope.raw for envelope in fake_sentry.envelopes).decode()
    for leaked in _personal(token):
        assert leaked not in raw, leaked


def test_a_failing_task_is_reported_without_personal_data(
        database_url: str, _schema: None, fake_sentry: FakeSentry, monkeypatch: Any) -> None:
    app = _app(database_url, SENTRY_DSN=fake_sentry.dsn)
    with app.app_context():
        token = tokens.link_token("abcdefghijkl", 2)

    def refuse(subscriber_id: int) -> None:
        raise ProviderRefusedError(f"SendGrid refused {EMAIL} (sms {PHONES[1]}), link {token}")

    monkeypatch.setattr(confirmations, "send_confirmation", refuse)
    with app.app_context():
        subscription_tasks.send_confirmation(7)  # HUEY_IMMEDIATE: runs now, through Huey
        db.session.remove()
    sentry_sdk.flush(timeout=5)

    event = _reported(fake_sentry.wait_for_events(), "ProviderRefusedError")
    assert event["logger"] == "huey"
    assert event["exception"]["values"][-1]["value"] == \
        "SendGrid refused [email] (sms [phone]), link [token]"
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert any(f["function"] == "send_confirmation" for f in frames)
    assert all("vars" not in f for f in frames)
    raw = b"".join(envelope.raw for envelope in fake_sentry.envelopes).decode()
    for leaked in _personal(token):
        assert leaked not in raw, leaked


def test_reporting_starts_once_per_process(database_url: str, _schema: None,
                                           fake_sentry: FakeSentry) -> None:
    _app(database_url, SENTRY_DSN=fake_sentry.dsn)
    client = sentry_sdk.get_client()
    _app(database_url, SENTRY_DSN="http://other@127.0.0.1:9/2")
    assert sentry_sdk.get_client() is client and client.dsn == fake_sentry.dsn
    error_reporting.close()
    assert not sentry_sdk.get_client().is_active()


def _raise_lookup_error(purpose: str, token: str) -> None:
    logging.getLogger("statuspage.public").warning("looking up %s at %s", EMAIL, PHONES[0])
    raise SubscriberLookupError(f"no subscriber {EMAIL} ({PHONES[0]}, {PHONES[2]}) "
                                f"for link {token}")
