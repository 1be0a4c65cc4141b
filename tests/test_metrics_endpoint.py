"""GET /metrics: Prometheus text read from real rows, behind METRICS_TOKEN, never a 500."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from statuspage import create_metrics_app
from statuspage.core import jobs
from statuspage.core.extensions import db
from statuspage.delivery.sms.pump import HEARTBEAT_KEY, PUMP_LOCK, SMS_QUEUE
from statuspage.models import Delivery, FanoutEvent, IncidentUpdate, utcnow
from statuspage.models.incidents import DRAFT
from tests.conftest import make_app
from tests.delivery_support import add_subscribers
from tests.factories import Factory
from tests.metrics_support import scripted_incident, set_targets

TOKEN = "metrics-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def scraper(app: Flask, client: FlaskClient) -> FlaskClient:
    app.config["METRICS_TOKEN"] = TOKEN
    return client


def scrape(client: FlaskClient) -> Samples:
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def test_metric_names_follow_the_prometheus_rules(scraper: FlaskClient) -> None:
    response = scraper.get("/metrics", headers=AUTH)
    families = {f.name: f.type
                for f in text_string_to_metric_families(response.get_data(as_text=True))}
    assert families["statuspage_deliveries"] == "gauge"
    assert families["statuspage_delivery_handover_seconds"] == "histogram"
    for name in ("statuspage_deliveries_due", "statuspage_delivery_oldest_due_age_seconds",
                 "statuspage_delivery_failures", "statuspage_sms_sent_per_second",
                 "statuspage_sms_max_per_second", "statuspage_approvals_waiting",
                 "statuspage_approval_oldest_wait_seconds", "statuspage_incidents_open",
                 "statuspage_incidents_cadence_overdue", "statuspage_metrics_database_up"):
        assert families[name] == "gauge", name
    assert families["statuspage_public_cache_requests"] == "counter"  # exposed as ..._total
    assert families["statuspage_process_heartbeat_age_seconds"] == "gauge"
    for name, kind in families.items():
        assert name.startswith("statuspage_") and name == name.lower()
        if kind != "counter":
            assert name.rsplit("_", 1)[-1] != "total"  # only a counter may say so


def _delivery(event: FanoutEvent, subscriber_id: int, channel: str, state: str,
              **fields: object) -> Delivery:
    row = Delivery(event_id=event.id, subscriber_id=subscriber_id, channel=channel,
                   state=state, created_at=event.created_at, **fields)
    db.session.add(row)
    return row


def test_delivery_figures_come_from_the_rows(scraper: FlaskClient) -> None:
    now = utcnow()
    published = now - timedelta(seconds=60)
    event = FanoutEvent(kind="incident_update", created_at=published)
    db.session.add(event)
    db.session.flush()
    mails = add_subscribers(5)
    phones = add_subscribers(3, "sms")
    _delivery(event, mails[0], "email", "queued", next_attempt_at=now - timedelta(seconds=120))
    _delivery(event, mails[1], "email", "queued", next_attempt_at=now - timedelta(seconds=10))
    _delivery(event, mails[2], "email", "queued", next_attempt_at=now + timedelta(minutes=10))
    _delivery(event, mails[3], "email", "sent", sent_at=published + timedelta(seconds=0.4))
    _delivery(event, mails[4], "email", "failed", error_code="550", updated_at=now)
    _delivery(event, phones[0], "sms", "sent", sent_at=now - timedelta(seconds=30))
    _delivery(event, phones[1], "sms", "delivered", sent_at=now - timedelta(seconds=5))
    _delivery(event, phones[2], "sms", "failed", error_code="30007", updated_at=now)
    db.session.commit()

    samples = scrape(scraper)

    assert value(samples, "statuspage_metrics_database_up") == 1
    assert value(samples, "statuspage_deliveries", channel="email", state="queued") == 3
    assert value(samples, "statuspage_deliveries", channel="email", state="sent") == 1
    assert value(samples, "statuspage_deliveries", channel="sms", state="delivered") == 1
    assert value(samples, "statuspage_deliveries", channel="webhook", state="queued") == 0
    assert value(samples, "statuspage_deliveries_due", channel="email") == 2
    assert value(samples, "statuspage_deliveries_due", channel="sms") == 0
    assert 119 <= value(samples, "statuspage_delivery_oldest_due_age_seconds",
                        channel="email") < 130
    handover = "statuspage_delivery_handover_seconds_bucket"
    assert value(samples, handover, channel="email", le="0.5") == 1
    assert value(samples, handover, channel="email", le="0.25") == 0
    # SMS handed over 30 s and 55 s after the publish (an SMS's sent_at counts, not receipt).
    assert value(samples, handover, channel="sms", le="10.0") == 0
    assert value(samples, handover, channel="sms", le="30.0") == 1
    assert value(samples, handover, channel="sms", le="60.0") == 2
    assert value(samples, handover, channel="sms", le="+Inf") == 2
    assert value(samples, "statuspage_delivery_failures", channel="email", code="550") == 1
    assert value(samples, "statuspage_delivery_failures", channel="sms", code="30007") == 1
    assert value(samples, "statuspage_sms_sent_per_second") == pytest.approx(2 / 60)
    assert value(samples, "statuspage_sms_max_per_second") == 500.0  # the tests' rate


def test_chat_deliveries_are_figures_per_provider_like_the_other_channels(
    scraper: FlaskClient,
) -> None:
    now = utcnow()
    event = FanoutEvent(kind="incident_update", created_at=now - timedelta(seconds=20))
    db.session.add(event)
    db.session.flush()
    slack = add_subscribers(3, "slack", address=lambda n: f"fp-slack-{n}")
    teams = add_subscribers(1, "teams", address=lambda n: f"fp-teams-{n}")
    _delivery(event, slack[0], "slack", "sent", sent_at=now - timedelta(seconds=19))
    _delivery(event, slack[1], "slack", "failed", error_code="token_revoked", updated_at=now)
    _delivery(event, slack[2], "slack", "queued", next_attempt_at=now - timedelta(seconds=5))
    _delivery(event, teams[0], "teams", "failed", error_code="WorkflowNotFound",
              updated_at=now)
    db.session.commit()

    samples = scrape(scraper)

    assert value(samples, "statuspage_deliveries", channel="slack", state="sent") == 1
    assert value(samples, "statuspage_deliveries", channel="discord", state="queued") == 0
    assert value(samples, "statuspage_deliveries_due", channel="slack") == 1
    assert value(samples, "statuspage_deliveries_due", channel="googlechat") == 0
    assert 4 <= value(samples, "statuspage_delivery_oldest_due_age_seconds",
                      channel="slack") < 30
    handover = "statuspage_delivery_handover_seconds_bucket"
    assert value(samples, handover, channel="slack", le="0.5") == 0
    assert value(samples, handover, channel="slack", le="1.0") == 1
    assert value(samples, handover, channel="teams", le="+Inf") == 0
    assert value(samples, "statuspage_delivery_failures", channel="slack",
                 code="token_revoked") == 1
    assert value(samples, "statuspage_delivery_failures", channel="teams",
                 code="WorkflowNotFound") == 1


def test_incident_figures_come_from_the_rows(scraper: FlaskClient, factory: Factory) -> None:
    set_targets("SEV1", cadence_minutes=30)
    now = utcnow()
    late = scripted_incident(now - timedelta(hours=3), "SEV1", public_minutes=[0])
    factory.incident(severity="SEV2")  # its first update just now: not late
    late.updates.append(IncidentUpdate(status="identified", body="Draft", state=DRAFT,
                                       created_at=now - timedelta(minutes=12)))
    db.session.commit()

    samples = scrape(scraper)

    assert value(samples, "statuspage_incidents_open", severity="SEV1") == 1
    assert value(samples, "statuspage_incidents_open", severity="SEV2") == 1
    assert value(samples, "statuspage_incidents_open", severity="SEV3") == 0
    assert value(samples, "statuspage_incidents_cadence_overdue") == 1
    assert value(samples, "statuspage_approvals_waiting", kind="update") == 1
    assert value(samples, "statuspage_approvals_waiting", kind="postmortem") == 0
    assert 12 * 60 <= value(samples, "statuspage_approval_oldest_wait_seconds") < 13 * 60


def test_sms_pump_heartbeat_age(scraper: FlaskClient) -> None:
    assert ("statuspage_sms_pump_heartbeat_age_seconds", frozenset()) not in scrape(scraper)
    store = jobs.store(SMS_QUEUE)
    lock = store.lock(PUMP_LOCK)
    lock.acquire()
    store.put(HEARTBEAT_KEY, ("pump-token", time.time() - 7))
    try:
        samples = scrape(scraper)
    finally:
        store.delete(HEARTBEAT_KEY)
        lock.release()
    assert value(samples, "statuspage_sms_pump_running") == 1
    assert 7 <= value(samples, "statuspage_sms_pump_heartbeat_age_seconds") < 9


@pytest.mark.parametrize("header", [None, "Bearer wrong-token-0123456789", f"Basic {TOKEN}",
                                    f"Bearer {TOKEN}x", "Bearer "])
def test_a_missing_or_wrong_token_is_refused(scraper: FlaskClient, header: str | None) -> None:
    response = scraper.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"statuspage_" not in response.data


def test_without_a_token_the_public_app_does_not_serve_metrics(client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=AUTH).status_code == 404


def test_the_private_bind_app_serves_metrics_without_a_token() -> None:
    response = create_metrics_app().test_client().get("/metrics")
    assert response.status_code == 200
    assert b"statuspage_metrics_database_up" in response.data


@contextmanager
def _database_locked(url: str) -> Iterator[None]:
    """Another connection holds a lock that makes every read of `delivery` wait."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("LOCK TABLE delivery IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


def test_a_hanging_database_gives_database_up_0_not_an_error(database_url: str,
                                                              app: Flask) -> None:
    slow = make_app(database_url, METRICS_TOKEN=TOKEN, DATABASE_CHECK_TIMEOUT_SECONDS=0.5,
                    DATABASE_STATEMENT_TIMEOUT_SECONDS=1)
    client = slow.test_client()
    with slow.app_context():
        with _database_locked(database_url):
            started = time.monotonic()
            during = scrape(client)
            took = time.monotonic() - started
        assert value(during, "statuspage_metrics_database_up") == 0
        assert ("statuspage_deliveries_due", frozenset({("channel", "email")})) not in during
        assert took < 5
        deadline = time.monotonic() + 5  # the stuck read ends once the lock is gone
        while value(scrape(client), "statuspage_metrics_database_up") != 1:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        db.session.remove()
        db.engine.dispose()
