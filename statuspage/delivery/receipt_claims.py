"""Provider event ids already applied (ProviderReceipt), so a callback counts once.

A provider retries a callback it got no answer to, and a captured, validly signed request can
be replayed by anyone who saw it (Twilio signs no timestamp). Each use-case claims the event's
ids in the same transaction as its effects: the unique (provider, event_id) key decides, so
of two racing copies only one commits a claim, and a claim rolled back with a failed effect
lets the provider's retry apply it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Insert, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from statuspage.core.extensions import db
from statuspage.models import ProviderReceipt

MAX_EVENT_ID = 128


def seen(provider: str, event_id: str) -> bool:
    """True when `event_id` was already claimed for `provider`."""
    return db.session.execute(
        select(ProviderReceipt.id).where(ProviderReceipt.provider == provider,
                                         ProviderReceipt.event_id == event_id)
    ).first() is not None


def claim(provider: str, event_id: str, payload: dict[str, Any]) -> bool:
    """Record a provider event id in the current transaction; False when already recorded.

    INSERT … ON CONFLICT DO NOTHING: on PostgreSQL a racing second insert waits for the
    first transaction and then inserts nothing, so it never fails on the unique constraint.
    Keep personal data (addresses, numbers) out of `payload`: the table is kept for months.
    """
    values = {"provider": provider, "event_id": event_id[:MAX_EVENT_ID], "payload": payload}
    dialect = db.session.get_bind().dialect.name
    table = ProviderReceipt.__table__
    stmt: Insert
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        if seen(provider, event_id):
            return False
        stmt = insert(table).values(**values)
    # RETURNING rather than rowcount, which psycopg reports as -1 for this statement.
    return db.session.execute(stmt.returning(table.c.id)).first() is not None


def claim_all(provider: str, event_ids: Iterable[str], payload: dict[str, Any]) -> bool:
    """Claim every id of one event (e.g. its SID and its idempotency token) in the current
    transaction; True only when none was claimed before. On False the caller must not apply
    the event, and rolls back (a racing copy may have left a partial claim here)."""
    ids = [event_id for event_id in event_ids if event_id]
    if not ids or any(seen(provider, event_id) for event_id in ids):
        return False
    return all([claim(provider, event_id, payload) for event_id in ids])
