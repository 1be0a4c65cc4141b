"""Alert intake from monitoring (Prometheus Alertmanager, Grafana, generic JSON).

A monitoring system posts alerts with a source's token; the labels are matched against the
console's mappings (label -> component, severity, suggested status); alerts that belong
together gather on one proposed incident for the communications lead to accept or dismiss.
statuspage.alerts writes these tables; nothing else should.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.core.extensions import Model
from statuspage.models.components import Component
from statuspage.models.incidents import Incident
from statuspage.models.types import UTCDateTime, new_public_id, utcnow
from statuspage.models.users import User

ALERTMANAGER, GRAFANA, GENERIC = "alertmanager", "grafana", "generic"
SOURCE_KINDS = (ALERTMANAGER, GRAFANA, GENERIC)
FIRING, RESOLVED = "firing", "resolved"
# AlertProposal.status. `resolved`: every alert resolved before anyone decided (the dashboard
# suggests dismissing it); `accepted`: an incident was declared from it (while that incident
# is open, its alerts' resolution suggests resolving the incident).
PROPOSAL_OPEN, PROPOSAL_RESOLVED = "open", "resolved"
PROPOSAL_ACCEPTED, PROPOSAL_DISMISSED = "accepted", "dismissed"
UNDECIDED = (PROPOSAL_OPEN, PROPOSAL_RESOLVED)


class AlertSource(Model):
    """One monitoring system allowed to post alerts: its kind, token (hashed) and HMAC secret."""

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    # Hex SHA-256 of the clear token (shown once); unique: authentication is one lookup.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    # Grafana's HMAC signing: the shared secret, sealed (core.sealing; a hash cannot verify a
    # MAC), and the name of the timestamp header Grafana was told to send (None: no timestamp).
    hmac_secret: Mapped[str | None] = mapped_column(Text)
    hmac_timestamp_header: Mapped[str | None] = mapped_column(String(100))
    # The severity proposed for alerts no mapping matches.
    default_severity: Mapped[str] = mapped_column(String(4), default="SEV3")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AlertMapping(Model):
    """Alerts carrying `label_name=label_value` concern `component`, at `severity`.

    `component_status` is the status suggested to the communications lead; with `automatic`
    (the component's opt-in) a firing alert sets it on the page and its resolution reverts it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    # None: alerts from any source.
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_source.id", ondelete="CASCADE"))
    label_name: Mapped[str] = mapped_column(String(100))
    label_value: Mapped[str] = mapped_column(String(255))
    component_id: Mapped[int] = mapped_column(ForeignKey("component.id", ondelete="CASCADE"))
    severity: Mapped[str] = mapped_column(String(4))
    component_status: Mapped[str] = mapped_column(String(32))
    automatic: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[AlertSource | None] = relationship()
    component: Mapped[Component] = relationship()


class AlertProposal(Model):
    """A proposed incident: the alerts that belong together, waiting for a person's decision."""

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_source.id", ondelete="SET NULL"))
    # The sender's grouping key (Alertmanager's and Grafana's groupKey), and its SHA-256 for
    # the lookup that attaches a group's later notifications to this proposal.
    group_key: Mapped[str] = mapped_column(Text, default="")
    group_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default=PROPOSAL_OPEN)
    title: Mapped[str] = mapped_column(String(255))
    severity: Mapped[str] = mapped_column(String(4))
    alert_count: Mapped[int] = mapped_column(default=0)
    firing_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    dismiss_reason: Mapped[str | None] = mapped_column(String(500))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL"))
    # When the on-duty staff were told (claimed by a conditional UPDATE: told once).
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When every alert of an accepted proposal had resolved: resolving the incident is suggested.
    resolution_suggested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    source: Mapped[AlertSource | None] = relationship()
    decided_by: Mapped[User | None] = relationship()
    incident: Mapped[Incident | None] = relationship()

    # The dashboard's query: undecided and accepted proposals, newest first.
    __table_args__ = (Index("ix_alert_proposal_status_created", "status", "created_at"),)


class ReceivedAlert(Model):
    """The latest state of one alert (a source's fingerprint), upserted on every notification,
    so repeats and floods add no rows."""

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("alert_source.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_proposal.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(8))
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    annotations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    generator_url: Mapped[str | None] = mapped_column(String(1000))
    times_received: Mapped[int] = mapped_column(default=1)
    first_received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[AlertProposal | None] = relationship()
    matches: Mapped[list[AlertMatch]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("source_id", "fingerprint"),)


class AlertMatch(Model):
    """A component an alert concerns (through a mapping), with the status it suggests and
    whether it sets that status automatically."""

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("received_alert.id", ondelete="CASCADE"), primary_key=True)
    component_id: Mapped[int] = mapped_column(
        ForeignKey("component.id", ondelete="CASCADE"), primary_key=True, index=True)
    status: Mapped[str] = mapped_column(String(32))
    automatic: Mapped[bool] = mapped_column(default=False)


class AutomaticStatus(Model):
    """A component whose status firing alerts set automatically, and what it was before.

    Kept while an alert holds it; when the last one resolves, the component returns to
    `prior_status`, unless someone changed it since (it no longer shows `applied_status`).
    """

    component_id: Mapped[int] = mapped_column(
        ForeignKey("component.id", ondelete="CASCADE"), primary_key=True)
    prior_status: Mapped[str] = mapped_column(String(32))
    applied_status: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_source.id", ondelete="SET NULL"))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    component: Mapped[Component] = relationship()
    source: Mapped[AlertSource | None] = relationship()
