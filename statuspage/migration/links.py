"""Which Statuspage object became which local row (models.migration.StatuspageLink).

Each importer loads the links of its kind once (`Links.load`), asks for every source object
whether it is new, changed or unchanged since the last run (`Links.verdict`), and records
what it wrote (`Links.keep`, or `insert_links` for thousands at once). A link whose local row
was deleted since counts as new: the next run recreates the row and moves the link to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Insert, insert, select
from sqlalchemy.orm import InstrumentedAttribute

from statuspage.core.extensions import db
from statuspage.models import Incident, StatuspageLink, utcnow
from statuspage.models.migration import LINK_INCIDENT

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
# Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters at 7 columns.
ROWS_PER_INSERT = 1000
# StatuspageLink.source_id's length: a longer path segment names no imported object.
MAX_SOURCE_ID = 64


@dataclass
class Links:
    """The links of one kind, by Statuspage id."""

    kind: str
    page_id: str
    by_source: dict[str, StatuspageLink] = field(default_factory=dict)
    # Links whose local row still exists (the others are recreated).
    live: set[str] = field(default_factory=set)
    _by_local: dict[int, str] | None = None

    @classmethod
    def load(cls, kind: str, page_id: str, local_id: InstrumentedAttribute[int]) -> Links:
        rows = db.session.execute(
            select(StatuspageLink).where(StatuspageLink.kind == kind)).scalars().all()
        links = cls(kind, page_id, {row.source_id: row for row in rows})
        ids = [row.local_id for row in rows]
        existing: set[int] = set()
        for start in range(0, len(ids), 500):
            existing.update(db.session.execute(
                select(local_id).where(local_id.in_(ids[start:start + 500]))).scalars())
        links.live = {row.source_id for row in rows if row.local_id in existing}
        return links

    def source_of(self, local_id: int) -> str | None:
        """The Statuspage id a live local row came from (first use builds the index)."""
        if self._by_local is None:
            self._by_local = {link.local_id: source for source, link in self.by_source.items()
                              if source in self.live}
        return self._by_local.get(local_id)

    def local(self, source_id: str) -> int | None:
        """The local row's id, while it exists."""
        return self.by_source[source_id].local_id if source_id in self.live else None

    def verdict(self, source_id: str, fingerprint: str) -> str:
        if source_id not in self.live:
            return CREATE
        return UNCHANGED if self.by_source[source_id].fingerprint == fingerprint else UPDATE

    def keep(self, source_id: str, local_id: int, fingerprint: str) -> None:
        """Record (in the session) that `source_id` is now the local row `local_id`."""
        now = utcnow()
        link = self.by_source.get(source_id)
        if link is None:
            link = StatuspageLink(kind=self.kind, source_id=source_id,
                                  source_page_id=self.page_id, imported_at=now)
            db.session.add(link)
            self.by_source[source_id] = link
        link.local_id, link.fingerprint, link.updated_at = local_id, fingerprint, now
        self.live.add(source_id)
        if self._by_local is not None:
            self._by_local[local_id] = source_id

    def forget(self, source_id: str) -> None:
        """Drop the link (its local row is being deleted)."""
        link = self.by_source.pop(source_id, None)
        self.live.discard(source_id)
        if link is not None:
            if self._by_local is not None:
                self._by_local.pop(link.local_id, None)
            db.session.delete(link)


def insert_links(kind: str, page_id: str, pairs: Iterable[tuple[str, int, str]]) -> None:
    """Many new links in multi-row INSERTs: (source id, local id, fingerprint) each."""
    now = utcnow()
    insert_rows(insert(StatuspageLink), [
        {"kind": kind, "source_id": source_id, "source_page_id": page_id,
         "local_id": local_id, "fingerprint": fingerprint, "imported_at": now,
         "updated_at": now} for source_id, local_id, fingerprint in pairs])


def insert_rows(statement: Insert, rows: list[dict[str, Any]]) -> None:
    """`rows` as INSERT ... VALUES (...), (...) statements of ROWS_PER_INSERT rows.

    One statement per thousand rows rather than an executemany: psycopg 3 runs an
    executemany as one statement per row, and SQLAlchemy batches it only with RETURNING.
    """
    for start in range(0, len(rows), ROWS_PER_INSERT):
        db.session.execute(statement.values(rows[start:start + ROWS_PER_INSERT]))


def moved_incident(source_id: str) -> str | None:
    """Where an old Statuspage permalink `/incidents/<source_id>` now lives: the public id of
    the incident imported from it, when that is another id; None otherwise."""
    if len(source_id) > MAX_SOURCE_ID:
        return None
    public_id = db.session.execute(
        select(Incident.public_id)
        .join(StatuspageLink, StatuspageLink.local_id == Incident.id)
        .where(StatuspageLink.kind == LINK_INCIDENT, StatuspageLink.source_id == source_id)
    ).scalar_one_or_none()
    return public_id if public_id is not None and public_id != source_id else None
