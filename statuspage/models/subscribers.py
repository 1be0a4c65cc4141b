"""Subscribers: the public audience, by email, SMS or webhook."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from statuspage.extensions import db
from statuspage.models.components import Component
from statuspage.models.types import UTCDateTime, new_public_id, utcnow

EMAIL, SMS, WEBHOOK = "email", "sms", "webhook"
CHANNELS = (EMAIL, SMS, WEBHOOK)
# Why a subscriber no longer receives messages.
SUPPRESSION_REASONS = ("user", "stop", "bounce", "spam_report", "dropped", "provider_error",
                       "admin")

subscriber_component = Table(
    "subscriber_component",
    db.metadata,
    Column("subscriber_id", ForeignKey("subscriber.id", ondelete="CASCADE"), primary_key=True),
    Column("component_id", ForeignKey("component.id", ondelete="CASCADE"), primary_key=True),
)


class Subscriber(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(12), unique=True, default=new_public_id)
    channel: Mapped[str] = mapped_column(String(16))
    # Normalised: lower-case email, E.164 phone number, or https URL.
    address: Mapped[str] = mapped_column(String(2000))
    language: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Consent record: where, when and from which IP the subscriber said yes.
    consent_source: Mapped[str] = mapped_column(String(32), default="page")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_ip: Mapped[str | None] = mapped_column(String(64))
    # How consent was obtained when it was not given on this page (console add or import).
    consent_note: Mapped[str | None] = mapped_column(String(500))
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suppressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suppression_reason: Mapped[str | None] = mapped_column(String(32))
    # SMS double opt-in: hash of the 6-digit code, its expiry and the attempts left.
    code_hash: Mapped[str | None] = mapped_column(String(128))
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_attempts: Mapped[int] = mapped_column(default=0)
    # Webhook signing secret (HMAC-SHA256 over the body), shown to the subscriber once.
    secret: Mapped[str | None] = mapped_column(String(128))
    # Bumped to invalidate every manage/unsubscribe link already sent.
    token_version: Mapped[int] = mapped_column(default=1)

    components: Mapped[list[Component]] = relationship(secondary=subscriber_component)

    __table_args__ = (
        UniqueConstraint("channel", "address"),
        # Fan-out streams active subscribers of a channel by id.
        Index("ix_subscriber_fanout", "channel", "id"),
    )

    @property
    def is_active(self) -> bool:
        return (self.confirmed_at is not None and self.unsubscribed_at is None
                and self.suppressed_at is None)

    @property
    def state(self) -> str:
        if self.suppressed_at is not None:
            return "suppressed"
        if self.unsubscribed_at is not None:
            return "unsubscribed"
        return "active" if self.confirmed_at is not None else "unconfirmed"


class SmsCodeDay(db.Model):
    """How many SMS confirmation codes were sent on one UTC day: the daily SMS budget.

    A row in the database rather than a counter in memory, so every web process spends from
    the same budget; it is incremented atomically with a guard (see subscription_budget).
    """

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sent: Mapped[int] = mapped_column(default=0)
