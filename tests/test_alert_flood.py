"""A flood: 1,000 alerts in a minute make one proposal, with bounded work and one notice.

Alertmanager grouping by instance sends one notification per instance; here 1,000 instances
of the API go down at once, each its own request (the worst case for the receiver), with the
rate limit on at its default. The work per request stays the same from the 2nd to the
1,000th (counted in SQL statements), the rows grow with distinct alerts only (a repeat of the
whole flood adds none), and the on-duty staff are told once: one email each, one SMS to the
one with a phone (SEV1), not 1,000.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from statuspage.alerts import notices
from statuspage.core.extensions import db
from statuspage.models import OutboxMessage, utcnow
from tests.alert_support import counts, mapping, post, proposals, source
from tests.conftest import make_app
from tests.factories import Factory

pytestmark = pytest.mark.usefixtures("errors")

FLOOD = 1000


@pytest.fixture
def limited_app(database_url: str, app: Flask) -> Flask:
    """The same database with rate limits on, at the default ALERT_RATE_LIMIT."""
    return make_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")


def _notification(n: int) -> dict[str, Any]:
    labels = {"alertname": "ApiDown", "service": "api", "instance": f"api-{n}:8080"}
    return {"version": "4", "groupKey": f'{{}}:{{instance="api-{n}:8080"}}',
            "status": "firing", "receiver": "statuspage",
            "alerts": [{"status": "firing", "labels": labels,
                        "annotations": {"summary": "API instance down",
                                        "description": f"api-{n}:8080 is not answering."},
                        "startsAt": "2024-05-01T10:00:00Z"}]}


@pytest.fixture
def statements() -> Iterator[list[int]]:
    """A counter of SQL statements on any engine (the requests run in their own app):
    append 0 to start counting a new request."""
    counted: list[int] = [0]

    def count(*_args: Any) -> None:
        counted[-1] += 1

    event.listen(Engine, "before_cursor_execute", count)
    yield counted
    event.remove(Engine, "before_cursor_execute", count)


def test_a_thousand_alerts_in_a_minute_make_one_proposal_with_bounded_work(
        limited_app: Flask, factory: Factory, statements: list[int]) -> None:
    assert limited_app.config["ALERT_RATE_LIMIT"] == "1200 per minute"
    admin = factory.user(role="admin")
    lead = factory.user(role="communicator", phone="+14155550123")
    factory.user(role="viewer", phone="+14155550124")
    api = factory.component("API")
    _am, token = source()
    mapping("service=api", api, severity="SEV1", status="major_outage")
    client = limited_app.test_client()
    told_to = sorted([("email", admin.email), ("email", lead.email), ("sms", "+14155550123")])
    db.session.remove()

    started = time.monotonic()
    for n in range(FLOOD):
        statements.append(0)
        answer = post(client, "alertmanager", _notification(n), token)
        assert answer.status_code == 200, (n, answer.get_data(as_text=True))
    elapsed = time.monotonic() - started
    per_request = statements[2:]  # the 1st request also makes the proposal

    assert elapsed < 60, f"{FLOOD} notifications took {elapsed:.1f} s"
    # The same statements for the 2nd request as for the 1,000th (on PostgreSQL a connection
    # the pool opens or checks adds one now and then: the pre-ping, the session settings).
    assert 0 < min(per_request) <= max(per_request) <= min(per_request) + 2, sorted(
        set(per_request))
    assert min(per_request) <= 15
    [proposal] = proposals()
    assert (proposal.alert_count, proposal.firing_count) == (FLOOD, FLOOD)
    assert counts()["alerts"] == FLOOD

    for n in range(0, FLOOD, 10):  # Alertmanager repeats them: no new rows, same proposal
        post(client, "alertmanager", _notification(n), token)
    assert counts()["alerts"] == FLOOD and len(proposals()) == 1

    told = notices.notify_due(utcnow() + timedelta(minutes=1))
    again = notices.notify_due(utcnow() + timedelta(minutes=2))

    assert told == [proposal.public_id] and again == []
    sent = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert sorted((m.channel, m.to) for m in sent) == told_to
    email = sent[0]
    assert "Proposed incident: API instance down (SEV1)" in email.subject
    assert f"1000 firing of {FLOOD}" in email.body
    assert "/console/alerts/proposals/" + proposal.public_id in email.body
