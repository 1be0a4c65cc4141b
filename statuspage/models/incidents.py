"""Incidents, scheduled maintenance (an incident of kind maintenance) and their updates."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.core.extensions import Model, db
from statuspage.models.components import Component
from statuspage.models.status import CLOSED_STATUSES, Severity
from statuspage.models.types import UTCDateTime, new_public_id, utcnow

if TYPE_CHECKING:
    from statuspage.models.users import User

INCIDENT = "incident"
MAINTENANCE = "maintenance"

# IncidentUpdate.state: a public update the plan makes wait for approval is a draft until a
# second console user approves (published) or rejects it; only published ones are ever public.
PUBLISHED = "published"
DRAFT = "draft"
REJECTED = "rejected"
# Taken back by its author before anyone decided (statuspage.incidents.drafts).
WITHDRAWN = "withdrawn"

incident_component = Table(
    "incident_component",
    db.metadata,
    Column("incident_id", ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True),
    Column("component_id", ForeignKey("component.id", ondelete="CASCADE"), primary_key=True),
)


class Incident(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    kind: Mapped[str] = mapped_column(String(16), default=INCIDENT)
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str | None] = mapped_column(String(4))
    impact_override: Mapped[str | None] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    monitoring_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    auto_start: Mapped[bool] = mapped_column(default=False)
    auto_complete: Mapped[bool] = mapped_column(default=False)
    # Maintenance automation: move the components to under_maintenance and back at the edges,
    # and remind subscribers this many minutes before the start (reminded_at: sent once).
    auto_transition_components: Mapped[bool] = mapped_column(default=False)
    remind_before_minutes: Mapped[int | None] = mapped_column()
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The post-incident review: a markdown draft, public once published (status postmortem).
    postmortem_body: Mapped[str | None] = mapped_column(Text)
    postmortem_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    postmortem_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    postmortem_notified: Mapped[bool] = mapped_column(default=False)
    # Incident roles (console users) and the update cadence: when the communications lead
    # was last reminded that a public update is overdue (once per overdue period).
    commander_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    comms_lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    cadence_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Opened at a severity whose public updates need approval: the incident waits, hidden
    # from every public surface (queries.py), until its opening update is approved.
    awaiting_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Statuspage's incident `metadata`: an object of objects written by automation through
    # the Manage API ({"jira": {"issue_id": "OPS-1"}}), returned there, shown nowhere public.
    # `metadata` itself is taken by SQLAlchemy's declarative base.
    api_metadata: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    components: Mapped[list[Component]] = relationship(
        secondary=incident_component, order_by="Component.position"
    )
    commander: Mapped[User | None] = relationship(foreign_keys=[commander_id])
    comms_lead: Mapped[User | None] = relationship(foreign_keys=[comms_lead_id])
    updates: Mapped[list[IncidentUpdate]] = relationship(
        back_populates="incident",
        cascade="all, delete-orphan",
        order_by="(IncidentUpdate.display_at.desc(), IncidentUpdate.id.desc())",
    )

    __table_args__ = (
        # History, feeds and the API list incidents newest first, filtered by kind.
        Index("ix_incident_kind_started", "kind", "started_at"),
        Index("ix_incident_status", "status"),
    )

    @property
    def is_maintenance(self) -> bool:
        return self.kind == MAINTENANCE

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def impact(self) -> str:
        if self.impact_override:
            return self.impact_override
        if self.is_maintenance:
            return "maintenance"
        return Severity(self.severity).impact if self.severity else "none"

    @property
    def public_updates(self) -> list[IncidentUpdate]:
        """The updates the public may see: public and published (never drafts or rejected).

        Every public surface (page, feeds, API, messages, roll-ups) filters through this.
        """
        return [u for u in self.updates if u.visibility == "public" and u.state == PUBLISHED]


class IncidentUpdate(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    deliver_notifications: Mapped[bool] = mapped_column(default=True)
    display_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16), default=PUBLISHED, server_default=PUBLISHED)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str | None] = mapped_column(Text)
    # How the review ended: approved, edited (edited and approved), break_glass (an admin
    # published it without a second person; the reason is the review comment), rejected or
    # withdrawn (by its author). None for an update that never waited.
    review_action: Mapped[str | None] = mapped_column(String(16))
    # When the public (or, for an internal update, the stakeholders) could first see it: the
    # post for an update that did not wait, the approval for one that did. None while it is a
    # draft and for rejected or withdrawn ones. The response metrics measure from this.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the users allowed to approve this draft were told it waits (once).
    approval_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The SMS wording chosen in the composer (a template's SMS text); None: derived from body.
    sms_body: Mapped[str | None] = mapped_column(Text)

    incident: Mapped[Incident] = relationship(back_populates="updates")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    changes: Mapped[list[ComponentChange]] = relationship(
        back_populates="update", cascade="all, delete-orphan", order_by="ComponentChange.id"
    )


class ComponentChange(Model):
    """A component named in an update, with its status before and after (often equal)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(
        ForeignKey("incident_update.id", ondelete="CASCADE"), index=True
    )
    component_id: Mapped[int] = mapped_column(
        ForeignKey("component.id", ondelete="CASCADE"), index=True
    )
    old_status: Mapped[str] = mapped_column(String(32))
    new_status: Mapped[str] = mapped_column(String(32))

    update: Mapped[IncidentUpdate] = relationship(back_populates="changes")
    component: Mapped[Component] = relationship()
