"""The communication plan, stored: who hears which event through which channels.

One `PlanRule` row per (severity, audience, event) that carries messages; no row means no
message. One `PlanSetting` row per severity holds the update cadence and the approval switch.
statuspage.plan.rules reads these and statuspage.plan.save writes them; nothing else should.
"""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.core.extensions import Model
from statuspage.models.stakeholders import StakeholderGroup

PUBLIC = "public"
MAINTENANCE_PLAN = "maintenance"
# Maintenance has no severity; it gets its own row of the plan.
PLAN_SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", MAINTENANCE_PLAN)
INCIDENT_EVENTS = ("incident_opened", "incident_update", "incident_resolved",
                   "postmortem_published")
MAINTENANCE_EVENTS = ("maintenance_scheduled", "maintenance_reminder", "maintenance_started",
                      "maintenance_completed")
EVENT_KINDS = INCIDENT_EVENTS + MAINTENANCE_EVENTS


class PlanRule(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    severity: Mapped[str] = mapped_column(String(16))
    # "public", or the public_id of the stakeholder group in `group` (a key that stays
    # non-null, so the unique constraint also holds for the public audience).
    audience: Mapped[str] = mapped_column(String(16))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder_group.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(32))
    # Channel names in PLAN_CHANNELS order (models.subscribers), never empty.
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)

    group: Mapped[StakeholderGroup | None] = relationship()

    __table_args__ = (UniqueConstraint("severity", "audience", "event"),)


class PlanSetting(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    severity: Mapped[str] = mapped_column(String(16), unique=True)
    # How often a public update is due while the incident is open; None: no cadence.
    cadence_minutes: Mapped[int | None] = mapped_column()
    public_updates_need_approval: Mapped[bool] = mapped_column(default=False)
    # What the severity means for the business ("SEV1: checkout or login down for all
    # customers"), shown beside the severity picker; None: not defined.
    definition: Mapped[str | None] = mapped_column(Text)
    # Response target: minutes from declaration to the first public update; None: no target.
    first_update_minutes: Mapped[int | None] = mapped_column()
