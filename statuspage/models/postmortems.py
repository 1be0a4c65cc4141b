"""Follow-up action items from an incident's post-incident review."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.core.extensions import Model
from statuspage.models.types import UTCDateTime, new_public_id, utcnow

if TYPE_CHECKING:
    from statuspage.models.incidents import Incident
    from statuspage.models.users import User


class ActionItem(Model):
    """One follow-up task: who owns it (a console user or free text), when it is due, done."""

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(255))
    # Free text ("Platform team") or, when owner_id is set, the user's label at the time.
    owner: Mapped[str] = mapped_column(String(255), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    due_date: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Shown under the published postmortem on the public incident page (opt-in per item).
    public: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class PostmortemReview(Model):
    """A postmortem submitted for publication where the plan makes public text wait.

    `body` is the text as submitted (an approver may edit it before approving); approving
    publishes exactly it. States as for an update: draft (waiting), published, rejected,
    withdrawn; `review_action` says how the review ended (as on IncidentUpdate).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text, default="")
    # Announce it to subscribers once published (as the publish form's checkbox said).
    notify: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str | None] = mapped_column(Text)
    review_action: Mapped[str | None] = mapped_column(String(16))
    approval_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    incident: Mapped[Incident] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
