"""A CSV import of subscribers, stored at upload and run by the worker in batches."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.core.extensions import Model
from statuspage.models.types import UTCDateTime, new_public_id, utcnow

if TYPE_CHECKING:
    from statuspage.models.users import User

# SubscriberImport.state, in the order an import moves through them.
IMPORT_QUEUED, IMPORT_RUNNING, IMPORT_DONE, IMPORT_FAILED = "queued", "running", "done", "failed"
IMPORT_STATES = (IMPORT_QUEUED, IMPORT_RUNNING, IMPORT_DONE, IMPORT_FAILED)


class SubscriberImport(Model):
    """One uploaded file and how far its import has come (statuspage.subscriptions.imports).

    `cursor` is the line of the last record whose outcome is saved, committed with the counts
    and errors after every batch: a worker that dies is replaced once `lease_until` passes,
    and the new one carries on after the cursor. `csv_text` is cleared when the import ends;
    the subscriber rows hold what was worth keeping of it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    filename: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Consent obtained elsewhere (admins only): confirmed without asking, with this note.
    pre_confirmed: Mapped[bool] = mapped_column(default=False, server_default=false())
    consent_note: Mapped[str | None] = mapped_column(String(500))
    csv_text: Mapped[str] = mapped_column(Text, default="")
    total_lines: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(16), default=IMPORT_QUEUED)
    cursor: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    already_subscribed: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    # [[line, message], ...]: the first refused rows (the report lists that many).
    errors: Mapped[list[list[int | str]]] = mapped_column(JSON, default=list)
    # Why an import stopped before its end (an unexpected error); the rows before the cursor
    # are saved.
    failure: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (
        # The periodic recovery looks for unfinished imports whose worker went away.
        Index("ix_subscriber_import_state", "state", "lease_until"),
    )

    @property
    def finished(self) -> bool:
        return self.state in (IMPORT_DONE, IMPORT_FAILED)

    @property
    def percent(self) -> int:
        """How far through the file the import is, for the progress bar."""
        if self.state == IMPORT_DONE or self.total_lines <= 1:
            return 100 if self.state == IMPORT_DONE else 0
        return min(100, int(100 * max(self.cursor - 1, 0) / (self.total_lines - 1)))
