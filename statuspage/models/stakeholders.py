"""Stakeholder groups: internal audiences (executives, support, on call) the plan can address.

Members are added by staff and need no opt-in; each has an email address, a phone number or
both, and a language for the messages they receive.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.core.extensions import Model
from statuspage.models.types import UTCDateTime, new_public_id, utcnow

if TYPE_CHECKING:
    from statuspage.models.subscribers import Subscriber


class StakeholderGroup(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    # The name is also the group's key in an exported plan, hence unique.
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[StakeholderMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan",
        order_by="StakeholderMember.name")


class StakeholderMember(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholder_group.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lower-case email and E.164 phone, normalised by statuspage.plan.stakeholder_members.
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(16), default="en")
    # A group's chat destination is a member too (named after the channel, e.g. "#ops"):
    # the provider (models.subscribers.CHAT_CHANNELS) and its webhook URL, sealed
    # (core.sealing); its recipient row carries both (see plan.stakeholder_recipients).
    chat_provider: Mapped[str | None] = mapped_column(String(16))
    chat_destination: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[StakeholderGroup] = relationship(back_populates="members")
    # The member's addresses as fan-out recipients, one Subscriber row per channel, kept in
    # step by statuspage.plan.stakeholder_recipients (see models.subscribers).
    recipients: Mapped[list[Subscriber]] = relationship(
        cascade="all, delete-orphan", order_by="Subscriber.channel")

    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL OR chat_destination IS NOT NULL",
                        name="ck_stakeholder_member_reachable"),
        # NULLs are distinct, so a member with only a phone does not collide on email.
        UniqueConstraint("group_id", "email"),
        UniqueConstraint("group_id", "phone"),
    )
