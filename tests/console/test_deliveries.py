"""Delivery progress per update, the per-recipient log, "Retry failed" and the incident overview."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.delivery import records
from statuspage.delivery.records import event_for_update
from statuspage.models import (
    AuditEntry,
    Delivery,
    FanoutEvent,
    IncidentUpdate,
    Subscriber,
    utcnow,
)
from tests.console.conftest import LoginHelper
from tests.console.subscriber_helpers import make_subscriber
from tests.factories import Factory

REFRESH = '<meta http-equiv="refresh"'


@pytest.fixture
def update(factory: Factory) -> IncidentUpdate:
    """An incident's first update, announced by a fan-out event that has been expanded."""
    incident = factory.incident(name="API outage")
    update = incident.updates[0]
    event = event_for_update(update.id)
    if event is None:
        event = FanoutEvent(kind="incident_update", incident_id=incident.id,
                            update_id=update.id, channels=["email", "sms"])
        db.session.add(event)
    event.state = "done"
    db.session.commit()
    return update


def _event(update: IncidentUpdate) -> FanoutEvent:
    event = event_for_update(update.id)
    assert event is not None
    return event


def seed(update: IncidentUpdate, channel: str, state: str, n: int = 1,
         subscriber_state: str = "active", **fields: object) -> list[Delivery]:
    """n deliveries of the update's event in `state`, each to a new subscriber."""
    rows = []
    for _ in range(n):
        address = None if channel == "email" else f"+1415555{len(_all()) + 100:04d}"
        subscriber = make_subscriber(address, channel=channel, state=subscriber_state)
        row = Delivery(event_id=_event(update).id, subscriber_id=subscriber.id,
                       channel=channel, state=state, **fields)
        db.session.add(row)
        db.session.commit()
        rows.append(row)
    return rows


def _all() -> list[Delivery]:
    return list(db.session.query(Delivery))


def _counts(html: str, channel: str) -> dict[str, int]:
    row = re.search(rf'<tr id="summary-{channel}">(.*?)</tr>', html, re.S).group(1)
    return {state: int(n) for state, n in re.findall(r'data-state="(\w+)">(\d+)<', row)}


def _logged(html: str) -> list[str]:
    return re.findall(r'<tr id="delivery-\d+">\s*<td>([^<]+)</td>', html)


def test_summary_counts_each_state_per_channel_and_refreshes_while_sending(
    client: FlaskClient, login: LoginHelper, update: IncidentUpdate
) -> None:
    login(client, role="viewer")
    seed(update, "email", "delivered", 2)
    seed(update, "email", "failed", 1)
    seed(update, "email", "queued", 3)
    seed(update, "sms", "sent", 1)
    seed(update, "sms", "suppressed", 1)
    seed(update, "sms", "sending", 1)
    html = client.get(f"/console/updates/{update.public_id}/deliveries").get_data(as_text=True)
    assert _counts(html, "email") == {"queued": 3, "sending": 0, "sent": 0, "delivered": 2,
                                      "failed": 1, "suppressed": 0, "total": 6}
    assert _counts(html, "sms") == {"queued": 0, "sending": 1, "sent": 1, "delivered": 0,
                                    "failed": 0, "suppressed": 1, "total": 3}
    assert REFRESH in html and "Sending in progress" in html


def test_no_refresh_once_everything_has_left(
    client: FlaskClient, login: LoginHelper, update: IncidentUpdate
) -> None:
    login(client, role="viewer")
    seed(update, "email", "delivered", 2)
    seed(update, "email", "failed", 1)
    html = client.get(f"/console/updates/{update.public_id}/deliveries").get_data(as_text=True)
    assert REFRESH not in html


def test_an_event_still_being_expanded_counts_as_in_progress(
    client: FlaskClient, login: LoginHelper, update: IncidentUpdate
) -> None:
    login(client, role="viewer")
    _event(update).state = "expanding"
    db.session.commit()
    html = client.get(f"/console/updates/{update.public_id}/deliveries").get_data(as_text=True)
    assert REFRESH in html


def test_recipient_log_shows_each_delivery_and_filters_by_state(
    client: FlaskClient, login: LoginHelper, update: IncidentUpdate
) -> None:
    login(client, role="viewer")
    now = utcnow()
    [failed] = seed(update, "sms", "failed", attempts=3, provider_message_id="SM123abc",
                    last_error="Unreachable destination handset", error_code="30003",
                    sent_at=now - timedelta(minutes=2))
    seed(update, "email", "delivered", 2, provider_message_id="sg-batch-1")
    url = f"/console/updates/{update.public_id}/deliveries"
    html = client.get(url).get_data(as_text=True)
    assert len(_logged(html)) == 3
    row = re.search(rf'<tr id="delivery-{failed.id}">(.*?)</tr>', html, re.S).group(1)
    address = db.session.get(Subscriber, failed.subscriber_id).address
    for text in (f"<td>{address}</td>", "<td>sms</td>", "failed", "<td>3</td>", "SM123abc",
                 "Unreachable destination handset", "30003", "<time"):
        assert text in row, text

    only_failed = client.get(f"{url}?state=failed").get_data(as_text=True)
    assert len(_logged(only_failed)) == 1 and "SM123abc" in only_failed
    assert _logged(client.get(f"{url}?state=queued").get_data(as_text=True)) == []


def test_recipient_log_is_paginated_keeping_the_filter(
    client: FlaskClient, login: LoginHelper, update: IncidentUpdate
) -> None:
    login(client, role="viewer")
    seed(update, "email", "delivered", 53)
    seed(update, "email", "failed", 2)
    url = f"/console/updates/{update.public_id}/deliveries"
    first = client.get(f"{url}?state=delivered").get_data(as_text=True)
    assert len(_logged(first)) == 50 and "Page 1 of 2" in first
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "state=delivered" in next_link
    assert len(_logged(client.get(next_link).get_data(as_text=True))) == 3


def test_retry_failed_requeues_failed_deliveries_to_reachable_subscribers(
    client: FlaskClient, login: LoginHelper, update: IncidentUpdate,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    user = login(client, role="communicator")
    dispatched: list[int] = []
    monkeypatch.setattr(records, "dispatch_ids", lambda ids: dispatched.extend(ids) or 0)
    retryable = seed(update, "email", "failed", 2, last_error="503 from provider")
    [unreachable] = seed(update, "email", "failed", subscriber_state="suppressed")
    [done] = seed(update, "email", "delivered")
    url = f"/console/updates/{update.public_id}/deliveries"
    assert "Retry 3 failed" in client.get(url).get_data(as_text=True)

    response = client.post(f"{url}/retry")
    assert response.status_code == 303
    db.session.expire_all()
    states = {row.id: row.state for row in _all()}
    assert [states[r.id] for r in retryable] == ["queued", "queued"]
    assert states[unreachable.id] == "failed" and states[done.id] == "delivered"
    assert sorted(dispatched) == sorted(r.id for r in retryable)
    entry = AuditEntry.query.filter_by(action="delivery.retry_failed").one()
    assert entry.actor_id == user.id and entry.details["count"] == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 failed deliveries queued again" in page
    assert REFRESH in page  # queued again: progress is shown live


def test_viewers_get_no_retry_button_and_cannot_retry(
    client: FlaskClient, login: LoginHelper, update: IncidentUpdate
) -> None:
    login(client, role="viewer")
    [failed] = seed(update, "email", "failed")
    url = f"/console/updates/{update.public_id}/deliveries"
    assert "Retry 1 failed" not in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/retry").status_code == 403
    db.session.expire_all()
    assert db.session.get(Delivery, failed.id).state == "failed"


def test_incident_page_summarises_each_notifying_update(
    client: FlaskClient, login: LoginHelper, update: IncidentUpdate
) -> None:
    login(client, role="viewer")
    seed(update, "email", "delivered", 4)
    seed(update, "email", "queued", 1)
    incident = update.incident
    html = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)
    section = re.search(r'<section aria-labelledby="deliveries-title".*?</section>', html,
                        re.S).group(0)
    assert "1 queued" in section and "4 delivered" in section
    assert f"/console/updates/{update.public_id}/deliveries" in section
    assert "Live progress" in section
    # The incident page never reloads itself: a half-typed update would be lost.
    assert REFRESH not in html


def test_unknown_update_is_404(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="viewer")
    assert client.get("/console/updates/nosuchupdate/deliveries").status_code == 404
