"""Builders for subscriber tests: subscribers in any state, written straight to the database."""

from __future__ import annotations

from datetime import timedelta
from itertools import count
from typing import Any

from statuspage.core.extensions import db
from statuspage.models import Component, OutboxMessage, Subscriber, utcnow

_seq = count(1)
STATE_FIELDS: dict[str, dict[str, Any]] = {
    "unconfirmed": {},
    "active": {"confirmed": True},
    "unsubscribed": {"confirmed": True, "unsubscribed": True},
    "suppressed": {"confirmed": True, "suppressed": "bounce"},
}


def make_subscriber(address: str | None = None, channel: str = "email", state: str = "active",
                    components: list[Component] | None = None, **fields: Any) -> Subscriber:
    """A subscriber in `state` (active, unconfirmed, unsubscribed, suppressed)."""
    flags = STATE_FIELDS[state]
    now = utcnow()
    subscriber = Subscriber(
        channel=channel, address=address or f"person{next(_seq)}@example.com",
        consent_source=fields.pop("consent_source", "page"),
        consent_at=now - timedelta(days=1), consent_ip=fields.pop("consent_ip", "192.0.2.7"),
        confirmed_at=now if flags.get("confirmed") else None,
        unsubscribed_at=now if flags.get("unsubscribed") else None,
        suppressed_at=now if flags.get("suppressed") else None,
        suppression_reason=flags.get("suppressed") or ("user" if flags.get("unsubscribed")
                                                       else None),
        components=components or [], **fields,
    )
    db.session.add(subscriber)
    db.session.commit()
    return subscriber


def outbox_to(address: str) -> list[OutboxMessage]:
    """What the log backend 'sent' to an address."""
    return list(db.session.query(OutboxMessage).filter_by(to=address)
                .order_by(OutboxMessage.id))
