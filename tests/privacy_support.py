"""Builders for the privacy tests: delivery records at any age, and a scan of every table."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, String, Text, select

from statuspage.core.extensions import db
from statuspage.models import Delivery, FanoutEvent, Subscriber

# The frozen "now" of the retention tests.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY_BEFORE = timedelta(days=1)


def event_at(created_at: datetime) -> FanoutEvent:
    event = FanoutEvent(kind="incident_update", channels=["email"], created_at=created_at,
                        state="done")
    db.session.add(event)
    db.session.commit()
    return event


def delivery(event: FanoutEvent, subscriber: Subscriber, state: str = "sent",
             **fields: Any) -> Delivery:
    row = Delivery(event_id=event.id, subscriber_id=subscriber.id, channel=subscriber.channel,
                   state=state, created_at=event.created_at, updated_at=event.created_at,
                   **fields)
    db.session.add(row)
    db.session.commit()
    return row


def where_text_is(needle: str) -> list[str]:
    """`table.column` of every text or JSON value in the database that contains `needle`."""
    db.session.expire_all()
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                text = value if isinstance(value, str) else json.dumps(value)
                if needle.lower() in text.lower():
                    found.append(f"{table.name}.{column.name}")
    return sorted(set(found))


def left(address: str, at: datetime, reason: str = "user", channel: str = "email",
         **fields: Any) -> Subscriber:
    """A confirmed public subscriber who unsubscribed (reason user or stop) or was suppressed
    (any other reason) at `at`."""
    chose = reason in ("user", "stop")
    subscriber = Subscriber(channel=channel, address=address, confirmed_at=at - DAY_BEFORE,
                            consent_at=at - DAY_BEFORE, consent_ip="192.0.2.7",
                            unsubscribed_at=at if chose else None,
                            suppressed_at=None if chose else at, suppression_reason=reason,
                            **fields)
    db.session.add(subscriber)
    db.session.commit()
    return subscriber
