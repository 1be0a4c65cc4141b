"""Who may post alerts: the source's token, Grafana's HMAC signature, the rate limit.

A refused request answers 401 (429 over the limit) and leaves every table as it was.
"""

from __future__ import annotations

import json
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.alerts.sources import clear_hmac, revoke_source, set_hmac
from statuspage.core.extensions import db
from tests.alert_support import counts, documented, grafana_signature, post, proposals, source
from tests.conftest import make_app
from tests.factories import Factory

pytestmark = pytest.mark.usefixtures("errors")

SIGNATURE = "X-Grafana-Alerting-Signature"


def _refused(answer_status: int, answer_json: dict[str, str], before: dict[str, int]) -> None:
    assert answer_status == 401
    assert answer_json["error"] == "unauthorized" and answer_json["message"]
    assert counts() == before


@pytest.mark.parametrize("kind", ["alertmanager", "grafana", "generic"])
def test_missing_and_wrong_tokens_get_401_and_create_nothing(client: FlaskClient,
                                                             kind: str) -> None:
    _source, token = source(kind)
    payload = documented("grafana_webhook" if kind == "grafana" else "alertmanager_firing")
    before = counts()
    attempts = [
        post(client, kind, payload, None),
        post(client, kind, payload, token[:-2] + "xx"),
        post(client, kind, payload, "sp_" + token[3:]),  # an API token's shape
        post(client, kind, payload, None, headers={"Authorization": f"Basic {token}"}),
        post(client, kind, payload, None, query="?token=al_nope"),
        post(client, kind, payload, "x" * 5000),
    ]
    for answer in attempts:
        _refused(answer.status_code, answer.get_json(), before)
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_only_works_at_its_own_kind(client: FlaskClient) -> None:
    _grafana, token = source("grafana")
    before = counts()

    answer = post(client, "alertmanager", documented("alertmanager_firing"), token)

    _refused(answer.status_code, answer.get_json(), before)
    assert "/hooks/alerts/grafana" in answer.get_json()["message"]


def test_a_revoked_source_is_refused(client: FlaskClient) -> None:
    am, token = source()
    revoke_source(am, None)
    before = counts()

    answer = post(client, "alertmanager", documented("alertmanager_firing"), token)

    _refused(answer.status_code, answer.get_json(), before)


def test_the_token_may_come_in_the_query_string(client: FlaskClient) -> None:
    _am, token = source()

    answer = post(client, "alertmanager", documented("alertmanager_firing"), None,
                  query=f"?token={token}")

    assert answer.status_code == 200
    assert len(proposals()) == 1


def test_only_the_tokens_hash_is_stored(client: FlaskClient) -> None:
    am, token = source()
    assert token.startswith("al_") and len(token) > 40
    assert token not in json.dumps({c.key: str(getattr(am, c.key))
                                    for c in am.__table__.columns})
    assert am.prefix == token[:7]


def _grafana_with_secret(timestamp_header: str = "") -> tuple[str, str]:
    grafana, token = source("grafana")
    secret = set_hmac(grafana, timestamp_header, None).secret
    return token, secret


def test_grafana_hmac_signed_body_is_accepted(client: FlaskClient) -> None:
    token, secret = _grafana_with_secret()
    body = json.dumps(documented("grafana_webhook")).encode()

    answer = post(client, "grafana", body, token,
                  headers={SIGNATURE: grafana_signature(secret, body)})

    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert len(proposals()) == 1


def test_grafana_hmac_with_timestamp_is_accepted_while_fresh(client: FlaskClient) -> None:
    token, secret = _grafana_with_secret("X-Grafana-Alerting-Timestamp")
    body = json.dumps(documented("grafana_webhook")).encode()
    stamp = str(int(time.time()))

    answer = post(client, "grafana", body, token, headers={
        SIGNATURE: grafana_signature(secret, body, stamp),
        "X-Grafana-Alerting-Timestamp": stamp})

    assert answer.status_code == 200, answer.get_data(as_text=True)


def test_bad_grafana_signatures_get_401_and_create_nothing(client: FlaskClient) -> None:
    token, secret = _grafana_with_secret("X-Grafana-Alerting-Timestamp")
    body = json.dumps(documented("grafana_webhook")).encode()
    now = str(int(time.time()))
    stale = str(int(time.time()) - 3600)
    other = json.dumps({"alerts": []}).encode()
    before = counts()
    cases = [
        {},  # no signature
        {SIGNATURE: grafana_signature(secret, body, now)},  # no timestamp header
        {SIGNATURE: grafana_signature(secret, body), "X-Grafana-Alerting-Timestamp": now},
        {SIGNATURE: grafana_signature("wrong", body, now), "X-Grafana-Alerting-Timestamp": now},
        {SIGNATURE: grafana_signature(secret, other, now), "X-Grafana-Alerting-Timestamp": now},
        {SIGNATURE: grafana_signature(secret, body, stale),
         "X-Grafana-Alerting-Timestamp": stale},
        {SIGNATURE: "zz\u00e9", "X-Grafana-Alerting-Timestamp": now},
        {SIGNATURE: grafana_signature(secret, body, now),
         "X-Grafana-Alerting-Timestamp": "9" * 40},
    ]
    for headers in cases:
        answer = post(client, "grafana", body, token, headers=headers)
        _refused(answer.status_code, answer.get_json(), before)


def test_a_signature_is_no_substitute_for_the_token(client: FlaskClient) -> None:
    _token, secret = _grafana_with_secret()
    body = json.dumps(documented("grafana_webhook")).encode()
    before = counts()

    answer = post(client, "grafana", body, None,
                  headers={SIGNATURE: grafana_signature(secret, body)})

    _refused(answer.status_code, answer.get_json(), before)


def test_turning_hmac_off_lets_the_token_alone_in_again(client: FlaskClient) -> None:
    grafana, token = source("grafana")
    set_hmac(grafana, "", None)
    payload = documented("grafana_webhook")
    assert post(client, "grafana", payload, token).status_code == 401

    clear_hmac(grafana, None)

    assert post(client, "grafana", payload, token).status_code == 200


@pytest.fixture
def limited_app(database_url: str, app: Flask) -> Flask:
    """The same database with rate limits on, two alert requests a minute per token."""
    return make_app(database_url, RATELIMIT_ENABLED=True, ALERT_RATE_LIMIT="2 per minute",
                    RATELIMIT_STORAGE_URI="memory://")


def test_requests_over_the_rate_limit_get_429_and_store_nothing(limited_app: Flask,
                                                                 factory: Factory) -> None:
    client = limited_app.test_client()
    _am, token = source()
    _other, other_token = source(name="second")
    payload = documented("alertmanager_firing")
    assert [post(client, "alertmanager", payload, token).status_code for _ in range(2)] == [
        200, 200]
    db.session.remove()
    before = counts()

    over = post(client, "alertmanager", payload, token)

    assert over.status_code == 429
    assert "Retry-After" in over.headers
    assert counts() == before
    # Each source has its own allowance.
    assert post(client, "alertmanager", payload, other_token).status_code == 200
