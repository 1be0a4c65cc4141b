"""Keeping received alerts bounded: one row per alert (its fingerprint) while it matters.

A row is upserted, never appended, so storage grows with the number of distinct alerts, not
with notifications. Resolved alerts not heard of for RESOLVED_DAYS are deleted (with their
matches); the proposals stay, with their counts, as the record of what was proposed and
decided. Firing alerts are kept: they may still hold a component's automatic status.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from statuspage.core.extensions import db
from statuspage.core.transaction import execute_dml
from statuspage.models import AlertMatch, ReceivedAlert
from statuspage.models.alerts import RESOLVED

RESOLVED_DAYS = 30
BATCH = 1000


def prune(now: datetime) -> int:
    """Delete resolved alerts older than RESOLVED_DAYS, a batch per commit; returns how many."""
    cutoff = now - timedelta(days=RESOLVED_DAYS)
    removed = 0
    while True:
        ids = list(db.session.scalars(
            select(ReceivedAlert.id)
            .where(ReceivedAlert.status == RESOLVED, ReceivedAlert.last_received_at < cutoff)
            .order_by(ReceivedAlert.id).limit(BATCH)))
        if not ids:
            db.session.rollback()
            return removed
        # Explicit, because SQLite does not enforce ON DELETE CASCADE without a pragma.
        execute_dml(delete(AlertMatch).where(AlertMatch.alert_id.in_(ids)))
        removed += execute_dml(delete(ReceivedAlert).where(ReceivedAlert.id.in_(ids))).rowcount
        db.session.commit()
