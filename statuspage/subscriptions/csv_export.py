"""CSV export of subscribers: every field including the consent record, one batch at a time.

The export streams the matching subscribers with keyset pagination, so memory holds one batch
only, and neutralises cells a spreadsheet would run as a formula (CSV injection). The monthly
report's CSV (statuspage.reports.csv_export) quotes its cells the same way, and the import
reads this export's quoting back (statuspage.subscriptions.csv_rows).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from statuspage.core.extensions import db
from statuspage.models import Subscriber
from statuspage.subscriptions.queries import SubscriberFilter, filtered

EXPORT_COLUMNS = (
    "channel", "address", "state", "language", "components", "created_at", "confirmed_at",
    "consent_source", "consent_at", "consent_ip", "consent_note", "unsubscribed_at",
    "suppressed_at", "suppression_reason",
)
EXPORT_BATCH = 1_000
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Prefix a cell a spreadsheet would evaluate with a quote, so it stays text."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _stamp(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else ""


def _export_row(subscriber: Subscriber) -> list[str]:
    values = {
        "channel": subscriber.channel,
        "address": subscriber.address,
        "state": subscriber.state,
        "language": subscriber.language,
        "components": " ".join(sorted(c.public_id for c in subscriber.components)),
        "created_at": _stamp(subscriber.created_at),
        "confirmed_at": _stamp(subscriber.confirmed_at),
        "consent_source": subscriber.consent_source or "",
        "consent_at": _stamp(subscriber.consent_at),
        "consent_ip": subscriber.consent_ip or "",
        "consent_note": subscriber.consent_note or "",
        "unsubscribed_at": _stamp(subscriber.unsubscribed_at),
        "suppressed_at": _stamp(subscriber.suppressed_at),
        "suppression_reason": subscriber.suppression_reason or "",
    }
    return [neutralise(values[column]) for column in EXPORT_COLUMNS]


def export_csv(filters: SubscriberFilter | None = None) -> Iterator[str]:
    """The matching subscribers as CSV text, header first, yielded one batch at a time.

    Keyset pagination by id: each batch is one query, and memory holds one batch only.
    Followers of single incidents are left out: the file is read back by the import as
    page-wide subscriptions, which a short follow of one incident never agreed to be.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    yield _drain(buffer)
    base = filtered(filters or SubscriberFilter()).where(Subscriber.page_wide())
    last_id = 0
    while True:
        batch = db.session.execute(
            base.where(Subscriber.id > last_id).order_by(Subscriber.id).limit(EXPORT_BATCH)
        ).scalars().all()
        if not batch:
            return
        for subscriber in batch:
            writer.writerow(_export_row(subscriber))
        last_id = batch[-1].id
        # Rebinding `batch` releases the previous one (the session's identity map is weak).
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
